"""Killed workers and a stack stopped mid-run: nothing lost, nothing doubled, no lock stuck."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared.locks import PREFIX
from shared.producer.operations import start_resync
from shared.services import Services
from tests.faults.parity import assert_parity

StartWorker = Callable[..., ManagedProcess]


def finish_or_restart(services: Services, run_id: int, timeout: float = 90) -> None:
    """Wait until the run finishes from its redelivered tasks, or, should the broker have lost one
    (Redis can, to a worker killed between taking a message and recording it as unacknowledged),
    until its lock expires and a new run (as beat would start) finishes the reconciliation."""
    lock_key = f"{PREFIX}reconcile:contacts"
    restarted: list[int] = []

    def finished() -> bool:
        if any(services.runs.get(i).status == "succeeded" for i in [run_id, *restarted]):
            return True
        if not restarted and services.redis.get(lock_key) is None and services.runs.get(run_id).status == "running":
            restarted.append(start_resync(services, "contacts", full=True))
        return False

    wait_for(finished, timeout, what="the run to resume, or a new one to finish")
    assert services.redis.get(lock_key) is None  # released by the run that finished


@pytest.fixture
def quick_redelivery(env: dict[str, str]) -> dict[str, str]:
    """A killed worker's unacknowledged tasks come back after the Redis visibility timeout: keep
    it short here (it must still exceed the longest retry countdown), and the record locks a
    killed worker leaves behind expire sooner too."""
    env.update(
        VOICESYNC_VISIBILITY_TIMEOUT="4",
        VOICESYNC_RETRY_CAP="2",
        VOICE_PAGE_SIZE="5",
        VOICESYNC_RECORD_LOCK_TTL="5",
        VOICESYNC_LOCK_TTL="8",
    )
    return env


def test_a_worker_killed_mid_run_and_mid_burst_loses_nothing(
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    quick_redelivery: dict[str, str],
    tmp_path: Path,
) -> None:
    """A task a killed worker held comes back after the visibility timeout. One it was taking off
    Redis as it died (between the pop and kombu's record of it as unacknowledged) is gone from the
    broker: its inbox row stays ``enqueued``, and beat's relay sends it again once it is stuck
    (seen under load in make test: five rows of the burst lost past the parity wait, no beat)."""
    platform.faults.update({"latency_ms": 60})
    quick_redelivery.update(VOICESYNC_RELAY_STUCK_AFTER="10")  # the workers run the relay beat sends
    beat_env = {**quick_redelivery, "DATABASE_URL": services.settings.ledger_url, "VOICESYNC_INCREMENTAL_EVERY": "3600",
                "VOICESYNC_RELAY_EVERY": "1"}  # fmt: skip
    beat = ManagedProcess("beat", [sys.executable, "-m", "celery", "-A", "workers", "beat"], beat_env, tmp_path)
    beat.start()
    try:
        doomed = start_worker(name="doomed")
        run_id = start_resync(services, "contacts", full=True)
        wait_for(lambda: services.runs.get(run_id).pages_done >= 3, 60, what="the run under way")
        doomed.kill()
        start_worker(name="survivor")
        finish_or_restart(services, run_id)

        web = start_receiver({**quick_redelivery, "DATABASE_URL": services.settings.ledger_url})
        platform.webhook_url = f"{web}/webhooks/voice"
        second = start_worker(name="second-doomed")
        for record in platform.records("contacts")[:15]:
            platform.update("contacts", record["id"], {"last_name": "Burst"})
        second.kill()
        platform.faults.update({"latency_ms": 0})
        assert_parity(services, platform, odoo)
    finally:
        beat.stop()


def test_stopping_everything_mid_run_resumes_with_parity_and_no_stuck_lock(
    services: Services,
    start_worker: StartWorker,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    quick_redelivery: dict[str, str],
    tmp_path: Path,
) -> None:
    platform.faults.update({"latency_ms": 100})  # one process, one page at a time: stopped mid-run for sure
    beat_env = {**quick_redelivery, "DATABASE_URL": services.settings.ledger_url, "VOICESYNC_INCREMENTAL_EVERY": "3600"}
    beat_argv = [sys.executable, "-m", "celery", "-A", "workers", "beat"]
    processes = [start_worker(name="w1", concurrency=1), ManagedProcess("beat", beat_argv, beat_env, tmp_path).start()]
    run_id = start_resync(services, "contacts", full=True)
    wait_for(lambda: services.runs.get(run_id).pages_done >= 2, 60, what="the run under way")
    for process in processes:
        process.kill()
    assert services.runs.get(run_id).status == "running"
    lock_key = f"{PREFIX}reconcile:contacts"
    assert 0 < services.redis.pttl(lock_key) / 1000 <= 8  # it would expire by itself
    platform.faults.update({"latency_ms": 0})
    start_worker(name="w2")
    beat = ManagedProcess("beat-again", beat_argv, beat_env, tmp_path).start()
    try:
        finish_or_restart(services, run_id)
    finally:
        beat.stop()
    assert_parity(services, platform, odoo)
