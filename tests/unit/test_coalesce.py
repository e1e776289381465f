"""The newest-sync notes on fakeredis: a newer task supersedes an older one, and a Redis that does
not answer supersedes nothing (every task then reads, as without coalescing)."""

from __future__ import annotations

import fakeredis
import redis

from shared.coalesce import note_newest, superseded


def test_only_the_newest_task_keeps_its_records() -> None:
    client = fakeredis.FakeRedis()
    note_newest(client, "contacts", ["ct_1", "ct_2"], "task-a", ttl=60)
    note_newest(client, "contacts", ["ct_2"], "task-b", ttl=60)
    assert superseded(client, "contacts", ["ct_1", "ct_2", "ct_3"], "task-a") == {"ct_2"}
    assert superseded(client, "contacts", ["ct_2"], "task-b") == set()
    assert superseded(client, "calls", ["ct_2"], "task-a") == set()  # per entity
    assert 0 < client.ttl("voicesync:newest:contacts:ct_2") <= 60


def test_without_redis_nothing_is_superseded() -> None:
    dead = redis.Redis(port=1, socket_connect_timeout=0.2)
    note_newest(dead, "contacts", ["ct_1"], "task-a", ttl=60)  # logs, never raises
    assert superseded(dead, "contacts", ["ct_1"], "task-b") == set()
