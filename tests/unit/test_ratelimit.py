"""The shared token bucket on fakeredis: burst, refill, and a pause every caller honours."""

from __future__ import annotations

import time

import fakeredis
import pytest

from shared.errors import RateLimited
from shared.ratelimit import RedisRateGate


@pytest.fixture
def client() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis()


def test_burst_then_refill_at_the_rate(client: fakeredis.FakeRedis) -> None:
    gate = RedisRateGate(client, "p", rate=20, burst=5)
    started = time.monotonic()
    for _ in range(5):
        gate.wait()
    assert time.monotonic() - started < 0.2  # the burst goes at once
    for _ in range(4):
        gate.wait()
    assert time.monotonic() - started >= 0.15  # then about one token every 50 ms


def test_two_gates_share_one_bucket(client: fakeredis.FakeRedis) -> None:
    one, two = RedisRateGate(client, "p", rate=1, burst=2, max_wait=0.1), RedisRateGate(client, "p", 1, 2, 0.1)
    one.wait()
    two.wait()
    with pytest.raises(RateLimited) as info:
        one.wait()
    assert 0 < (info.value.retry_after or 0) <= 1


def test_pause_holds_every_gate_and_only_moves_forward(client: fakeredis.FakeRedis) -> None:
    told, other = RedisRateGate(client, "p", 100, 100, 0.05), RedisRateGate(client, "p", 100, 100, 0.05)
    told.pause(5)
    told.pause(0.5)  # a shorter Retry-After later does not cut the pause short
    with pytest.raises(RateLimited) as info:
        other.wait()
    assert (info.value.retry_after or 0) > 4
    assert RedisRateGate(client, "other-api", 100, 100, 0.05).wait() is None
