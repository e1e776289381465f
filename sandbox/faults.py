"""Fault injection shared by both sandbox servers: shares of failures and a fixed added latency.

Settable at start and at run time (each server exposes ``GET``/``PUT /_sandbox/faults``). Whether
a request fails is decided by the seed, the request itself and how often that same request came
before, never by the order in which concurrent requests happen to arrive: a test's faults are the
same on every run, however its workers interleave.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
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
        self._seed = seed
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def delay(self) -> None:
        """Sleep the configured added latency."""
        if self.settings.latency_ms > 0:
            time.sleep(self.settings.latency_ms / 1000)

    def roll(self, request: str) -> str | None:
        """The fault kind for this request (``"429"``, ``"5xx"``, ``"timeout"``, ``"conflict"``)
        or ``None`` for a normal answer.

        ``request`` names what was asked (method, path, query, body): its n-th sending draws the
        same number on every run, so a retry sequence is repeatable whatever else runs meanwhile.
        """
        s = self.settings
        rates = (s.rate_429, s.rate_5xx, s.rate_timeout, s.rate_conflict)
        if not any(rates):
            return None
        with self._lock:
            self._seen[request] += 1
            attempt = self._seen[request]
        digest = hashlib.sha256(f"{self._seed}\0{attempt}\0{request}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        for kind, rate in zip(self.KINDS, rates, strict=True):
            if draw < rate:
                return kind
            draw -= rate
        return None
