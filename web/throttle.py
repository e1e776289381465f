"""A token bucket per source address for the Odoo endpoint, kept in the receiver process.

Odoo's notifications are unsigned: the token in the URL is the only credential, and whoever holds
it could otherwise turn a loop of requests into as many inbox rows and tasks. Past its rate a
source gets a 429; the nightly reconciliation still brings any change it would have announced.
In the process (not in Redis) so that it answers even while the broker is down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SourceThrottle:
    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic, max_sources: int = 10_000
    ) -> None:
        self.rate, self.burst = rate, max(burst, 1.0)
        self.clock = clock
        self.max_sources = max_sources
        self._buckets: dict[str, tuple[float, float]] = {}  # source -> (tokens, when)
        self._lock = threading.Lock()

    def wait_needed(self, source: str) -> float:
        """Take a token for ``source``: 0 when it may go on, else the seconds until it may."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(source, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens < 1:
                self._buckets[source] = (tokens, now)
                return (1 - tokens) / self.rate
            if len(self._buckets) >= self.max_sources and source not in self._buckets:
                self._buckets.clear()  # many sources at once: start afresh rather than grow without end
            self._buckets[source] = (tokens - 1, now)
            return 0.0
