"""Real workers report the queues they consume on Celery's heartbeat (:mod:`shared.consumers`),
started as the tests start them (``-E``, no mingle, no gossip) and as the README says (no flags)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.processes import ManagedProcess, celery_worker, wait_for
from shared import consumers
from shared.services import Services

Start = Callable[[dict[str, str], Path], ManagedProcess]


def as_the_tests_start_it(env: dict[str, str], logs: Path) -> ManagedProcess:
    return celery_worker("contacts", env, logs, concurrency=1, name="beating")


def as_the_readme_starts_it(env: dict[str, str], logs: Path) -> ManagedProcess:
    argv = [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", "contacts", "-n", "beating@%h"]
    return ManagedProcess("worker-beating", argv, env, logs)


@pytest.mark.parametrize("start", [as_the_tests_start_it, as_the_readme_starts_it])
def test_a_worker_counts_while_its_heartbeat_beats_and_not_once_stopped(
    services: Services, env: dict[str, str], tmp_path: Path, start: Start
) -> None:
    worker = start({**env, "DATABASE_URL": services.settings.ledger_url}, tmp_path / "logs").start()
    key = consumers.KEY.format(queue="contacts")
    try:
        wait_for(lambda: services.redis.zcard(key) == 1, 60, what="the worker's first heartbeat")
        [(node, first)] = services.redis.zrange(key, 0, -1, withscores=True)
        assert node.decode().startswith("beating@")
        beats = consumers.STALE_SECONDS * 2
        wait_for(lambda: (services.redis.zscore(key, node) or 0) > first, beats, what="a later heartbeat")
        assert consumers.consumers(services.redis, ["contacts", "calls"]) == {"contacts": [node.decode()], "calls": []}
    finally:
        worker.stop()
    assert consumers.consumers(services.redis, ["contacts"]) == {"contacts": []}  # at once, not after the window
