"""Locks in Redis with expiry and renewal: one reconciliation per entity, one writer per record.

A lock is a key holding a random token, set with ``NX`` and an expiry so a crashed holder never
blocks anyone for longer than the TTL; only the holder's token may release or extend it (a Lua
compare-and-act, atomic in Redis).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from shared.errors import LockBusy

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_EXTEND = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
# All of KEYS or none, in one atomic step; on failure, how many are held by others.
_ACQUIRE_ALL = """
for i, key in ipairs(KEYS) do
  if not redis.call('set', key, ARGV[1], 'NX', 'PX', ARGV[2]) then
    for j = 1, i - 1 do redis.call('del', KEYS[j]) end
    local busy = 0
    for j = i, #KEYS do busy = busy + redis.call('exists', KEYS[j]) end
    return busy
  end
end
return 0
"""
_RELEASE_ALL = """
for _, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then redis.call('del', key) end
end
return 0
"""
PREFIX = "voicesync:lock:"


class RedisLock:
    """A single named lock; ``acquire`` is non-blocking unless ``wait`` is given."""

    def __init__(self, client: redis.Redis, name: str, ttl: float) -> None:
        self.client = client
        self.key = PREFIX + name
        self.ttl_ms = int(ttl * 1000)
        self.token = secrets.token_hex(16)

    def acquire(self, wait: float = 0.0) -> bool:
        deadline = time.monotonic() + wait
        while True:
            if self.client.set(self.key, self.token, nx=True, px=self.ttl_ms):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def extend(self) -> bool:
        """Renew the expiry; False means the lock was lost (expired and taken)."""
        return bool(self.client.eval(_EXTEND, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.token)

    def holder_ttl(self) -> float:
        """Seconds until the current holder's lock expires (0 when free)."""
        return max(0.0, self.client.pttl(self.key) / 1000)


@contextmanager
def record_locks(client: redis.Redis, names: list[str], ttl: float, wait: float) -> Iterator[None]:
    """Hold the per-record locks of ``names``, all or none, taken by one script per try.

    All-or-nothing (a try that finds any taken takes none) means two holders can never wait on
    each other; one script for a page's locks costs one round trip and next to no client work.
    """
    keys = [PREFIX + name for name in sorted(set(names))]
    if not keys:
        yield
        return
    token = secrets.token_hex(16)
    ttl_ms = int(ttl * 1000)
    deadline = time.monotonic() + wait
    while True:
        busy = int(client.eval(_ACQUIRE_ALL, len(keys), *keys, token, ttl_ms))
        if not busy:
            break
        if time.monotonic() >= deadline:
            raise LockBusy(f"{busy} of {len(keys)} records are locked by another worker")
        time.sleep(0.02 + secrets.randbelow(30) / 1000)
    try:
        yield
    finally:
        client.eval(_RELEASE_ALL, len(keys), *keys, token)
