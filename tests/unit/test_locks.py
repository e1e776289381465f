"""Redis locks on fakeredis: exclusive, expiring, renewable, releasable only by their holder."""

from __future__ import annotations

import time

import fakeredis
import pytest

from shared.errors import LockBusy
from shared.locks import RedisLock, Semaphore, record_locks


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


def test_a_semaphore_lets_its_limit_in_and_the_next_when_one_leaves(client: fakeredis.FakeRedis) -> None:
    import threading

    slots = Semaphore(client, "odoo", limit=2, ttl=30)
    inside, most, entered = [0], [0], threading.Event()
    guard = threading.Lock()

    def hold() -> None:
        with slots.slot():
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            entered.set()
            time.sleep(0.05)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=hold) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most[0] == 2 and inside[0] == 0
    assert client.zcard("voicesync:lock:slots:odoo") == 0


def test_a_dead_holders_slot_is_free_after_its_ttl(client: fakeredis.FakeRedis) -> None:
    slots = Semaphore(client, "odoo", limit=1, ttl=0.2)
    held = slots.slot()
    held.__enter__()  # a worker that dies holding its slot never leaves it
    started = time.monotonic()
    with slots.slot():
        assert time.monotonic() - started >= 0.15
