-- GET /character/{id}: the seeded characters in turn (full resource: data, revision_info, meta).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local ids, i
function init(args)
   ids = load_ids()
   i = (tid * 7919) % #ids
end

function request()
   i = i % #ids + 1
   return wrk.format("GET", "/character/" .. ids[i])
end
