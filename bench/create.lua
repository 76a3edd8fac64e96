-- POST /character: a new character per request (level >= 1000, so the list query's
-- `level == N` (N < 500) never matches what this script creates).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local n = 0
function request()
   n = n + 1
   local body = string.format('{"name":"load-%d-%d","level":%d,"role":"bench","gold":%d}',
      tid, n, 1000 + n % 1000, n)
   return wrk.format("POST", "/character", { ["Content-Type"] = "application/json" }, body)
end
