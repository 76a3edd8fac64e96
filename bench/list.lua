-- GET /character?qb=QB["level"] == N&limit=20: an indexed list query. examples/seed.rs gives
-- 10 000 characters levels 0..499, so each N in 0..499 matches exactly 20 of them.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local n
function init(args)
   n = tid * 97
end

function request()
   n = n + 1
   -- QB["level"] == N, percent-encoded
   return wrk.format("GET", "/character?qb=QB%5B%22level%22%5D%20%3D%3D%20" .. (n % 500) .. "&limit=20")
end
