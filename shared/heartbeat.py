"""Beat's heartbeat: the beat that holds the schedule marks each tick in Redis, so ``voicesync
check`` can tell a live beat from none.

A stand-by beat waits for the lock and does not tick, so the mark is the active one's. Its age
is read from the key's remaining time to live, measured by Redis alone: the clocks of the beat's
host and the checker's never meet.
"""

from __future__ import annotations

import time

import redis

KEY = "voicesync:beat:heartbeat"
KEPT_SECONDS = 86400
"""How long a mark is kept: a beat silent for longer reads as one that never ran."""


def mark(client: redis.Redis) -> None:
    """One tick of the active beat (one Redis round trip)."""
    client.set(KEY, f"{time.time():.3f}", ex=KEPT_SECONDS)


def age(client: redis.Redis) -> float | None:
    """Seconds since the last tick; None when no beat ticked within :data:`KEPT_SECONDS`."""
    remaining = int(client.pttl(KEY))
    if remaining < 0:
        return None
    return max(0.0, KEPT_SECONDS - remaining / 1000)
