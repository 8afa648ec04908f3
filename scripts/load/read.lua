-- wrk: dashboard users reading. Each request is the next dashboard read (LOAD_PATHS, one
-- path a line) with the next user's session cookie (LOAD_COOKIES, one "name=value" a line).
-- LOAD_OUT receives the results.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  paths, cookies = {}, {}
  for line in io.lines(os.getenv("LOAD_PATHS")) do paths[#paths + 1] = line end
  for line in io.lines(os.getenv("LOAD_COOKIES")) do cookies[#cookies + 1] = line end
  n, bad = id * 7919, 0
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], { ["Cookie"] = cookies[(n % #cookies) + 1] })
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  local out = io.open(os.getenv("LOAD_OUT"), "w")
  out:write(string.format(
    "requests=%d\nseconds=%.2f\nnot_ok=%d\nerrors=%d\nbytes=%d\n" ..
    "p50_ms=%.1f\np95_ms=%.1f\np99_ms=%.1f\nmax_ms=%.1f\n",
    summary.requests, summary.duration / 1e6, b,
    e.connect + e.read + e.write + e.timeout + e.status, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  out:close()
end
