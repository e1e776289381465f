"""Timestamps of the platform sandbox: one canonical text form and a clock that never goes back.

Every timestamp the sandbox writes has the same fixed-width form (``2024-01-01T00:00:00.000000Z``),
so ``updated_at`` values compare correctly as plain strings; that keeps ``updated_since`` filtering
a cheap string comparison. Internally times are integer microseconds since the Unix epoch.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def iso(us: int) -> str:
    """The canonical text of a time given in microseconds since the epoch."""
    return (_EPOCH + us * _MICROSECOND).isoformat(timespec="microseconds") + "Z"


def parse(text: str) -> int:
    """Microseconds since the epoch of an ISO 8601 time with an offset (``Z``, ``+00:00``...).

    A time without an offset is refused rather than guessed, so a client bug shows as a 422.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("timestamp needs a UTC offset, e.g. 2024-01-01T00:00:00Z")
    return (moment.astimezone(UTC).replace(tzinfo=None) - _EPOCH) // _MICROSECOND


def canonical(text: str) -> str:
    """Any accepted ISO 8601 time rewritten in the canonical form."""
    return iso(parse(text))


def now_us() -> int:
    return time.time_ns() // 1000


BASE_US = parse("2024-01-01T00:00:00Z")
"""Fixed origin of generated data, so the same seed gives the same timestamps on every run."""


class Clock:
    """Hands out change timestamps: strictly increasing across all changes, never before ``after``.

    Strictly increasing (not just non-decreasing) means two changes never share an ``updated_at``,
    so a client cursor on ``updated_at`` cannot skip one of them.
    """

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def stamp(self, after: str | None = None) -> str:
        """A timestamp after every earlier stamp and after ``after`` (the record's previous one)."""
        floor = parse(after) + 1 if after else 0
        with self._lock:
            self._last = max(now_us(), self._last + 1, floor)
            return iso(self._last)
