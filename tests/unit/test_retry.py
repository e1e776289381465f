"""Backoff: grows exponentially, stays under its cap, is jittered, and honours Retry-After."""

from __future__ import annotations

import random

from shared.retry import backoff_seconds


def test_grows_and_is_capped() -> None:
    rand = random.Random(1)
    waits = [backoff_seconds(n, base=2, cap=30, rand=rand) for n in range(8)]
    assert all(0 < w <= 30 for w in waits)
    assert waits[0] <= 2 and waits[4] >= 16
    assert waits[-1] >= 15


def test_jitter_spreads_workers() -> None:
    rand = random.Random(2)
    assert len({backoff_seconds(3, base=2, cap=300, rand=rand) for _ in range(20)}) > 10


def test_retry_after_is_a_floor_within_the_cap() -> None:
    assert backoff_seconds(0, base=2, cap=300, retry_after=45) == 45
    assert backoff_seconds(0, base=2, cap=30, retry_after=45) == 30
