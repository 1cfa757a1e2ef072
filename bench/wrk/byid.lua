-- GET <prefix><id> with a random id in 1..N on every request, so each request reads a different row.
--   wrk -s bench/wrk/byid.lua http://127.0.0.1:8000 -- /api/v1/clusters/ 100000
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")

local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local prefix, n
function init(args)
  prefix = args[1] or "/api/v1/clusters/"
  n = tonumber(args[2] or "100000")
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  for _ = 1, 10 do math.random() end
end

function request()
  return wrk.format("GET", prefix .. math.random(1, n))
end

function done(summary, latency, requests)
  report(summary, latency)
end
