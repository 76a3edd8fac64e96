-- Shared by the bench/*.lua wrk scripts (loaded with dofile): the ids written by
-- examples/seed.rs, per-thread numbering, and one machine-readable result line.
--
-- Environment: BENCH_IDS (the ids file; line n is the character `seed-<n-1>`).

local thread_count = 0

-- Number the threads so each one starts at its own offset and makes its own values.
function setup(thread)
   thread:set("tid", thread_count)
   thread_count = thread_count + 1
end

-- The resource ids of the seeded characters, in seed order.
function load_ids()
   local path = os.getenv("BENCH_IDS")
   local ids = {}
   if path then
      for line in io.lines(path) do
         if line ~= "" then ids[#ids + 1] = line end
      end
   end
   if #ids == 0 then
      error("no ids: set BENCH_IDS to the file written by examples/seed.rs")
   end
   return ids
end

-- The seeded character number `i` (0-based) as examples/seed.rs made it, with `gold`.
local roles = { "warrior", "mage", "rogue", "cleric", "ranger" }
function seeded_character(i, gold)
   return string.format('{"name":"seed-%d","level":%d,"role":"%s","gold":%d}',
      i, i % 500, roles[i % 5 + 1], gold)
end

-- RESULT <requests/s> <p50 ms> <p99 ms> <non-2xx responses> <socket errors>
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("RESULT %.0f %.2f %.2f %d %d\n",
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      e.status, e.connect + e.read + e.write + e.timeout))
end
