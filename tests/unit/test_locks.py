"""Redis locks on fakeredis: exclusive, expiring, renewable, releasable only by their holder."""

from __future__ import annotations

import fakeredis
import pytest

from shared.errors import LockBusy
from shared.locks import RedisLock, record_locks


@pytest.fixture
def client() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis()


def test_one_holder_at_a_time(client: fakeredis.FakeRedis) -> None:
    first, second = RedisLock(client, "reconcile:contacts", 5), RedisLock(client, "reconcile:contacts", 5)
    assert first.acquire()
    assert not second.acquire()
    second.release()  # not the holder: nothing happens
    assert not second.acquire()
    first.release()
    assert second.acquire()


def test_expiry_frees_a_crashed_holder(client: fakeredis.FakeRedis) -> None:
    crashed = RedisLock(client, "r", 0.05)
    assert crashed.acquire()
    assert RedisLock(client, "r", 5).acquire(wait=1.0)
    assert not crashed.extend()  # the crashed holder cannot take it back


def test_extend_renews_the_expiry(client: fakeredis.FakeRedis) -> None:
    lock = RedisLock(client, "r", 60)
    lock.acquire()
    client.pexpire(lock.key, 100)
    assert lock.extend()
    assert lock.holder_ttl() > 50


def test_record_locks_are_all_or_nothing(client: fakeredis.FakeRedis) -> None:
    with record_locks(client, ["a", "b"], ttl=5, wait=0):
        with pytest.raises(LockBusy, match="1 of 2"), record_locks(client, ["b", "c"], ttl=5, wait=0.1):
            pass
        assert not client.exists("voicesync:lock:c")  # c was given back when b was busy
    with record_locks(client, ["b", "c"], ttl=5, wait=0):
        assert client.exists("voicesync:lock:b")
    assert not client.keys("voicesync:lock:*")


def test_record_locks_count_what_others_hold_and_release_only_their_own(client: fakeredis.FakeRedis) -> None:
    with record_locks(client, ["m", "y"], ttl=5, wait=0):
        with pytest.raises(LockBusy, match="2 of 4"), record_locks(client, ["a", "m", "y", "z"], ttl=5, wait=0):
            pass
        assert not client.exists("voicesync:lock:a") and not client.exists("voicesync:lock:z")
    with record_locks(client, ["x"], ttl=5, wait=0):
        client.set("voicesync:lock:x", "another-holder")  # ours expired and another worker took it
    assert client.get("voicesync:lock:x") == b"another-holder"
