"""Fault injection shared by both sandbox servers: shares of failures and a fixed added latency.

Settable at start and at run time (each server exposes ``GET``/``PUT /_sandbox/faults``). A seeded
random source keeps a test's sequence of faults repeatable.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class FaultSettings:
    """Each ``*_rate`` is the share of answers (0..1) that fail that way."""

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_timeout: float = 0.0
    rate_conflict: float = 0.0
    latency_ms: float = 0.0
    retry_after: int = 1
    timeout_seconds: float = 30.0

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f.type for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown fault setting {name!r}; known: {sorted(known)}")
            setattr(self, name, type(getattr(self, name))(value))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    """Decides, per request, whether it fails and how; thread-safe."""

    KINDS = ("429", "5xx", "timeout", "conflict")

    def __init__(self, settings: FaultSettings | None = None, seed: int = 0) -> None:
        self.settings = settings or FaultSettings()
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def delay(self) -> None:
        """Sleep the configured added latency."""
        if self.settings.latency_ms > 0:
            time.sleep(self.settings.latency_ms / 1000)

    def roll(self) -> str | None:
        """Return the fault kind for this request (``"429"``, ``"5xx"``, ``"timeout"``,
        ``"conflict"``) or ``None`` for a normal answer."""
        s = self.settings
        with self._lock:
            draw = self._random.random()
        for kind, rate in zip(self.KINDS, (s.rate_429, s.rate_5xx, s.rate_timeout, s.rate_conflict), strict=True):
            if draw < rate:
                return kind
            draw -= rate
        return None
