-- PUT /character/{id}: the seeded characters in turn, each time with a new `gold`, so every
-- request writes a new revision (identical data would be a no-op). Name, level and role stay
-- as seeded, so the list query keeps matching the same 20.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local ids, i, n
function init(args)
   ids = load_ids()
   i = (tid * 7919) % #ids
   n = 0
end

function request()
   i = i % #ids + 1
   n = n + 1
   local body = seeded_character(i - 1, 1000000000 + tid * 100000000 + n)
   return wrk.format("PUT", "/character/" .. ids[i], { ["Content-Type"] = "application/json" }, body)
end
