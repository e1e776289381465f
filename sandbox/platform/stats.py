"""Counts of the API calls a sandbox served, by route and status: what benchmarks and tests read to
see how hard voicesync worked the platform (pages fetched, retries caused by injected faults)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict


class CallStats:
    """Thread-safe ``{"GET /v1/contacts": {"200": 12, "429": 2}}`` counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def count(self, route: str, status: int) -> None:
        with self._lock:
            self._counts[route][str(status)] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {route: dict(by_status) for route, by_status in self._counts.items()}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
