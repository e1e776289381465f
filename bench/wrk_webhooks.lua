-- wrk script: POSTs pre-signed webhooks read from BENCH_REQUESTS (one per line: webhook-id,
-- webhook-timestamp, webhook-signature and body, tab-separated). Each of the BENCH_THREADS threads
-- takes its own share of the lines, so no webhook-id is sent twice unless the lines run out
-- (counted as "wrapped"). With BENCH_RATE > 0 requests are paced to that many a second in all.
-- done() prints one line "BENCH {json}" with counts, latency percentiles and answer statuses.

local threads = {}
local thread_count = tonumber(os.getenv("BENCH_THREADS"))
local rate = tonumber(os.getenv("BENCH_RATE") or "0")

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  prepared = {}
  local n = 0
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if n % thread_count == index then
      local id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {
        ["Content-Type"] = "application/json",
        ["webhook-id"] = id,
        ["webhook-timestamp"] = ts,
        ["webhook-signature"] = sig,
      }
      prepared[#prepared + 1] = wrk.format("POST", "/webhooks/voice", headers, body)
    end
    n = n + 1
  end
  cursor = 0
  wrapped = 0
  statuses = {}
end

function request()
  cursor = cursor + 1
  if cursor > #prepared then
    cursor = 1
    wrapped = wrapped + 1
  end
  return prepared[cursor]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]]
  local clock = ffi.new("bench_timespec")
  local interval = thread_count * 1000 / rate
  local next_at = nil

  local function now_ms()
    ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
    return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
  end

  -- Each call claims the thread's next send slot; a thread more than a second behind starts over
  -- rather than bursting to catch up.
  function delay()
    local now = now_ms()
    if next_at == nil or next_at < now - 1000 then
      next_at = now
    end
    local slot = next_at
    next_at = next_at + interval
    return math.max(0, math.floor(slot - now))
  end
end

function done(summary, latency, requests)
  local counts, wraps = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    wraps = wraps + thread:get("wrapped")
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"wrapped": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), wraps, table.concat(parts, ", ")))
end
