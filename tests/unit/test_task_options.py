"""A guard on every registered task's options: a typo in an option is silently ignored by Celery."""

from __future__ import annotations

import pytest
from kombu import Connection
from kombu.transport.redis import Mutex
from redis import Redis

import celeryconfig
from workers.app import app

ENTITY_QUEUES = ("contacts", "campaigns", "calls")


@pytest.fixture(scope="module")
def tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_entity_has_its_four_tasks(tasks: dict) -> None:
    verbs = ("sync_one", "sync_many", "sync_page", "reconcile")
    expected = {f"{queue}.{verb}" for queue in ENTITY_QUEUES for verb in verbs}
    assert expected <= set(tasks)


def test_options_that_keep_work_safe(tasks: dict) -> None:
    for name, task in tasks.items():
        assert task.acks_late is True, name
        assert task.reject_on_worker_lost is True, name
        assert task.ignore_result is True, name
        assert not hasattr(task, "ignore_results"), name


def test_each_task_is_routed_to_its_entity_queue(tasks: dict) -> None:
    router = app.amqp.router
    for name in tasks:
        route = router.route({}, name)
        prefix = name.split(".")[0]
        assert route["queue"].name == (prefix if prefix in ENTITY_QUEUES else "contacts"), name


def test_redis_visibility_timeout_exceeds_the_longest_retry_wait() -> None:
    assert celeryconfig.broker_transport_options["visibility_timeout"] > celeryconfig._settings.retry_backoff_cap
    assert celeryconfig.task_serializer == "json" and celeryconfig.accept_content == ["json"]


def test_a_sweep_lock_a_killed_worker_left_lapses_within_a_few_sweeps(redis_url: str, redis_client: Redis) -> None:
    """Every worker restores abandoned messages under one Redis lock. A worker killed mid-sweep
    never releases it: with kombu's default (300 s) no sweep restored anything for five minutes,
    and a burst's tasks that a killed worker held stayed lost that long (seen in make test)."""
    options = celeryconfig.broker_transport_options
    with Connection(redis_url, transport_options=options) as connection:
        channel = connection.default_channel
        killed = Mutex(redis_client, channel.qos.unacked_mutex_key, channel.qos.unacked_mutex_expire)
        killed.__enter__()  # a sweep that never ends: its worker was killed
        left = redis_client.ttl(channel.qos.unacked_mutex_key)
    assert 0 < left <= 5 * options["unacked_restore_interval"]
