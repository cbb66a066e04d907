-- Shared by the workload scripts. SYSTEM (lodestone, baseline or webdis) picks the routes; done()
-- prints one line bench/http.sh reads: requests/s, p50 and p99 in ms, and failed requests.
system = os.getenv("SYSTEM") or "lodestone"
json = { ["Content-Type"] = "application/json" }
value64 = string.rep("v", 64)
n = 0

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local failed = e.status + e.connect + e.read + e.write + e.timeout
  io.write(string.format("RESULT rps=%.1f p50=%.3f p99=%.3f failed=%d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed))
end

-- DELAY_MS paces each connection: it waits about that long after a response before its next
-- request, so bench/http.sh can hold a system at a fraction of its peak and read the latency there.
-- wrk takes whole milliseconds, so the pause is dithered between the two nearest to keep the mean.
local pause = tonumber(os.getenv("DELAY_MS") or "")
if pause and pause > 0 then
  function delay() return math.floor(pause + math.random()) end
end
