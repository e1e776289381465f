"""Trouble in the outside systems: a flaky platform, a revoked key, a struggling Odoo, wrong
Odoo credentials. Each ends with parity (or, for what cannot succeed, clear dead letters)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared.odoo_setup import bootstrap
from shared.producer.operations import replay_dead_letter, start_resync
from shared.services import Services
from tests.faults.parity import assert_parity

StartWorker = Callable[..., ManagedProcess]
ALL = ("contacts", "campaigns", "calls")
FINISHED = {"succeeded", "failed", "skipped"}
FAULT_STATUSES = {"rate limit": {"429"}, "server error": {"500", "503"}, "timeout": {"504"}}


def run_to_end(services: Services, entity: str, timeout: float = 120) -> str:
    run_id = start_resync(services, entity, full=True)
    wait_for(lambda: services.runs.get(run_id).status in FINISHED, timeout, what=entity)
    return services.runs.get(run_id).status


def served(platform: PlatformSandbox) -> int:
    return sum(sum(counts.values()) for counts in platform.stats().values())


@pytest.fixture
def three_pools(
    services: Services, start_worker: StartWorker, env: dict[str, str], platform: PlatformSandbox
) -> Services:
    # Vapi's calls come in time windows, far fewer requests than the others' pages: smaller pages
    # give its faults as many chances
    env.update(VOICE_PAGE_SIZE="5" if platform.vendor == "vapi" else "10", VOICESYNC_RETRY_MAX="12")
    bootstrap(services.odoo)
    for queue in ALL:
        start_worker(queue)
    return services


@pytest.mark.parametrize("platform", ["generic", "vapi", "retell", "bland"], indirect=True)
def test_a_flaky_platform_converges_and_counts_its_retries(
    three_pools: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    platform.faults.update(
        {"rate_429": 0.07, "rate_5xx": 0.07, "rate_timeout": 0.06, "timeout_seconds": 2.5, "retry_after": 1}
    )
    run_ids = [start_resync(three_pools, entity, full=True) for entity in ALL]
    for run_id in run_ids:
        wait_for(lambda run_id=run_id: three_pools.runs.get(run_id).status in FINISHED, 180, what="the runs")
    platform.faults.update({"rate_429": 0, "rate_5xx": 0, "rate_timeout": 0})
    runs = [three_pools.runs.get(run_id) for run_id in run_ids]
    assert [r.status for r in runs] == ["succeeded"] * 3, [r.error for r in runs]
    statuses = {status for counts in platform.stats().values() for status in counts}
    # The faults are the seed's, the same on every run: each vendor meets at least two kinds.
    kinds = {kind for kind, codes in FAULT_STATUSES.items() if codes & statuses}
    assert len(kinds) >= 2, statuses
    assert sum(r.retries for r in runs) > 0  # reported in the runs (voicesync status shows them)
    assert three_pools.dead_letters.count() == 0
    assert_parity(three_pools, platform, odoo, ALL)


@pytest.mark.parametrize("platform", ["generic", "vapi", "retell", "bland"], indirect=True)
def test_a_revoked_key_dead_letters_at_once_and_replay_brings_parity(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    start_worker(",".join(ALL))
    key = platform.api_key
    platform.set_api_key("revoked-for-the-test")
    platform.reset_stats()
    assert run_to_end(services, "contacts") == "failed"
    assert served(platform) == 1  # one 401 and no retry storm
    [letter] = services.dead_letters.list()
    assert (letter.task_name, letter.error_type) == ("contacts.reconcile", "AuthError")
    assert "401" in letter.reason and key not in letter.reason
    platform.set_api_key(key)
    replay_dead_letter(services, letter.id)
    wait_for(lambda: services.dead_letters.count() == 0, 60, what="the replay to succeed")
    assert_parity(services, platform, odoo)


def test_a_platform_that_keeps_failing_is_retried_up_to_the_limit_then_dead_lettered(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox
) -> None:
    limit = int(services.settings.retry_max)
    assert limit > 3  # beyond Celery's own default limit, which voicesync's must replace
    start_worker()
    platform.faults.update({"rate_5xx": 1.0})
    platform.reset_stats()
    from workers.app import app

    app.send_task("contacts.sync_one", kwargs={"platform_id": platform.records("contacts")[0]["id"]}, queue="contacts")
    wait_for(lambda: services.dead_letters.count() == 1, 60, what="a dead letter")
    platform.faults.update({"rate_5xx": 0})
    [letter] = services.dead_letters.list()
    assert (letter.task_name, letter.error_type) == ("contacts.sync_one", "RetryableError")
    assert f"gave up after {limit} retries" in letter.reason
    assert served(platform) == limit + 1  # the first try and each retry, nothing more


def test_odoo_conflicts_and_bad_gateways_are_retried(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox, env: dict[str, str]
) -> None:
    # Each page attempt makes a few Odoo calls, each failing 30% of the time: a retry is all but
    # certain over six pages, and 30 retries leave a page next to no chance of failing every try.
    env.update(VOICE_PAGE_SIZE="10", VOICESYNC_RETRY_MAX="30")
    start_worker()
    odoo.faults.update({"rate_conflict": 0.15, "rate_5xx": 0.15})
    assert run_to_end(services, "contacts") == "succeeded"
    odoo.faults.update({"rate_conflict": 0, "rate_5xx": 0})
    [run] = services.runs.recent("contacts", 1)
    assert run.retries > 0 and services.dead_letters.count() == 0
    assert_parity(services, platform, odoo)


def test_wrong_odoo_credentials_dead_letter_with_a_clear_reason(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox, env: dict[str, str]
) -> None:
    env["ODOO_API_KEY"] = "not-the-key"
    start_worker()
    from workers.app import app

    for record in platform.records("contacts")[:3]:
        app.send_task("contacts.sync_one", kwargs={"platform_id": record["id"]}, queue="contacts")
    wait_for(lambda: services.dead_letters.count() == 3, 30, what="three dead letters")
    letters = services.dead_letters.list()
    assert {letter.error_type for letter in letters} == {"AuthError"}
    assert all("odoo" in letter.reason and "not-the-key" not in letter.reason for letter in letters)
    odoo.reset_call_counts()
    time.sleep(3)  # longer than any retry countdown these tasks could have scheduled
    assert sum(odoo.call_counts().values()) == 0  # nothing retried behind our back
