"""RabbitMQ as the broker end to end, and beat that runs once with a stand-by that takes over."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared.entities import ENTITIES
from shared.parity import check
from shared.producer.operations import queue_length
from shared.services import Services
from shared.settings import child_environment

StartWorker = Callable[..., ManagedProcess]


@pytest.mark.xdist_group("rabbitmq")  # the heaviest tests on one worker, as the outage test
def test_end_to_end_on_rabbitmq(
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    env: dict[str, str],
    rabbitmq_url: str,
) -> None:
    env.update(BROKER_URL=rabbitmq_url, REDIS_URL=services.settings.broker_url)  # Redis stays for locks
    start_worker()
    ledger = {"DATABASE_URL": services.settings.ledger_url}
    done = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "resync", "contacts", "--full", "--wait"],
        env=child_environment({**env, **ledger}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    web = start_receiver({**env, **ledger})
    platform.webhook_url = f"{web}/webhooks/voice"
    platform.update("contacts", platform.records("contacts")[0]["id"], {"first_name": "Rabbit"})
    wait_for(lambda: bool(odoo.records("res.partner", [("name", "like", "Rabbit %")], [])), 30, what="Odoo")
    assert check(ENTITIES["contacts"], services.platform, services.odoo).ok
    wait_for(lambda: len(services.inbox.by_status("processed")) == 1, 10, what="the inbox row processed")


def start_beat(name: str, env: dict[str, str], log_dir: Path) -> ManagedProcess:
    argv = [sys.executable, "-m", "celery", "-A", "workers", "beat", "--loglevel", "INFO"]
    return ManagedProcess(name, argv, env, log_dir).start()


def test_two_beats_fire_each_schedule_once_and_the_second_takes_over(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    """No worker consumes the campaigns queue, so its length counts how often its schedule fired."""
    beat_env = {**env, "DATABASE_URL": services.settings.ledger_url, "VOICESYNC_INCREMENTAL_EVERY": "2",
                "VOICESYNC_BEAT_LOCK_TIMEOUT": "6"}  # fmt: skip
    first = start_beat("beat-a", beat_env, tmp_path / "logs")
    wait_for(lambda: (queue_length("campaigns") or 0) >= 1, 30, what="the first beat to fire")
    second = start_beat("beat-b", beat_env, tmp_path / "logs")
    try:
        fired_before = queue_length("campaigns") or 0
        time.sleep(8)  # both beats run side by side for four periods
        fired = (queue_length("campaigns") or 0) - fired_before
        assert 3 <= fired <= 5  # every 2 s for 8 s: about 4, not about 8
        first.kill()  # the active beat dies
        after_kill = queue_length("campaigns") or 0
        wait_for(lambda: (queue_length("campaigns") or 0) >= after_kill + 2, 30, what="the stand-by to take over")
    finally:
        second.stop()
        first.stop()
