"""The platform's rate limit, shared by every worker process: a token bucket in Redis.

Celery's own ``rate_limit`` is per worker, so ten workers would send ten times the allowed rate.
Here every platform request first takes a token from one bucket in Redis (refilled at
``VOICE_RATE_LIMIT`` per second, up to ``VOICE_RATE_BURST``), and a 429's ``Retry-After`` sets a
pause that every worker honours, not only the one that was told. Time is Redis's own clock, so
workers on different hosts agree.
"""

from __future__ import annotations

import time

import redis

from shared.errors import RateLimited

# KEYS: bucket, pause. ARGV: rate per second, burst. Returns milliseconds to wait (0: go now).
_TAKE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then return pause - now end
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
"""
# KEYS: pause. ARGV: milliseconds. Moves the shared pause forward, never back.
_PAUSE = """
local t = redis.call('TIME')
local until_ms = t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then redis.call('SET', KEYS[1], until_ms, 'PX', ARGV[1]) end
return until_ms
"""


class RedisRateGate:
    """Blocks a caller until the shared bucket gives it a token (or the shared pause ends)."""

    def __init__(self, client: redis.Redis, name: str, rate: float, burst: float, max_wait: float = 30.0) -> None:
        self.client = client
        self.bucket_key = f"voicesync:rate:{name}"
        self.pause_key = f"voicesync:pause:{name}"
        self.rate, self.burst, self.max_wait = rate, max(burst, 1.0), max_wait
        self._take = client.register_script(_TAKE)
        self._pause = client.register_script(_PAUSE)

    def wait(self) -> None:
        """Take one token; past ``max_wait`` give up with a retryable error (the task retries later)."""
        waited = 0.0
        while True:
            wait_ms = int(self._take(keys=[self.bucket_key, self.pause_key], args=[self.rate, self.burst]))
            if wait_ms <= 0:
                return
            if waited + wait_ms / 1000 > self.max_wait:
                raise RateLimited("platform rate limit: waited too long", retry_after=wait_ms / 1000, system="platform")
            time.sleep(wait_ms / 1000)
            waited += wait_ms / 1000

    def pause(self, seconds: float) -> None:
        """Every worker holds off for ``seconds`` (a 429's ``Retry-After``)."""
        if seconds > 0:
            self._pause(keys=[self.pause_key], args=[int(seconds * 1000)])
