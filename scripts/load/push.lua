-- wrk: agents pushing telemetry. Each request is a fresh batch of 20 readings (5 sensors x 4
-- times) for the next instrument in turn; batch ids and reading times never repeat, so every
-- acknowledged reading must be stored. Env: LOAD_TOKENS (file, one token a line),
-- LOAD_THREADS (wrk -t), LOAD_BASE (unix seconds of the first reading), LOAD_OUT (results).
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local sensors = {
  { "laser_power_pct", "optical", 95.0 },
  { "focus_fwhm_px", "optical", 2.4 },
  { "stage_position_error_um", "mechanical", 0.7 },
  { "chiller_temp_c", "thermal", 4.5 },
  { "line_pressure_kpa", "fluidics", 40.0 },
}

function init(args)
  tokens = {}
  for line in io.lines(os.getenv("LOAD_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  nthreads = tonumber(os.getenv("LOAD_THREADS"))
  base = tonumber(os.getenv("LOAD_BASE"))
  n, stored, readings, refused = 0, 0, 0, 0
end

function request()
  local k = n * nthreads + id
  n = n + 1
  local parts = {}
  for j = 0, 3 do
    local at = os.date("!%Y-%m-%dT%H:%M:%SZ", base + k * 4 + j)
    for _, s in ipairs(sensors) do
      parts[#parts + 1] = string.format(
        '{"at":"%s","subsystem":"%s","sensor":"%s","value":%.3f}',
        at, s[2], s[1], s[3] + (k % 7) * 0.01)
    end
  end
  local body = string.format('{"batch_id":"load-%d","readings":[%s]}', k, table.concat(parts, ","))
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[(k % #tokens) + 1],
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", "/api/v1/ingest/telemetry", headers, body)
end

function response(status, headers, body)
  if status == 200 and body:find('"stored":true', 1, true) then
    stored = stored + 1
    readings = readings + tonumber(body:match('"readings":(%d+)'))
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local s, r, f = 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("stored")
    r = r + t:get("readings")
    f = f + t:get("refused")
  end
  local e = summary.errors
  local out = io.open(os.getenv("LOAD_OUT"), "w")
  out:write(string.format(
    "requests=%d\nseconds=%.2f\nstored=%d\nreadings=%d\nrefused=%d\nerrors=%d\n" ..
    "p50_ms=%.1f\np95_ms=%.1f\np99_ms=%.1f\nmax_ms=%.1f\n",
    summary.requests, summary.duration / 1e6, s, r, f,
    e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  out:close()
end
