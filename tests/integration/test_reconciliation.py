"""All three entities through real workers on Redis: dependencies, deletions, drift, incremental
runs, one run at a time, pages shared by workers, and the operator's commands."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable

import flask
import pytest
import requests

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.odoo.protocols import OdooApp
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.entities import ENTITIES
from shared.errors import RateLimited
from shared.ledger.models import SyncRun
from shared.odoo_setup import bootstrap
from shared.parity import check
from shared.ports import free_port
from shared.producer.operations import queue_length, start_resync
from shared.services import Services
from shared.settings import Settings, child_environment
from web import create_app

StartWorker = Callable[..., ManagedProcess]
ADMIN = "admin-token-0123456789abcdef"
FINISHED = {"succeeded", "failed", "skipped"}


def finished(services: Services, run_id: int, timeout: float = 90) -> SyncRun:
    wait_for(lambda: services.runs.get(run_id).status in FINISHED, timeout, what=f"run {run_id}")
    return services.runs.get(run_id)


def resync(services: Services, entity: str, full: bool = True) -> SyncRun:
    return finished(services, start_resync(services, entity, full=full))


def partner_count(odoo: OdooSandbox) -> int:
    return len(odoo.records("res.partner", [("email", "!=", False)], ["id"], active_test=False))


def test_a_call_before_its_contact_creates_the_contact_once(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    from workers.app import app

    start_worker("calls")
    call = next(c for c in platform.records("calls") if c["campaign_id"])
    contact = platform.get("contacts", call["contact_id"])
    for _ in range(3):
        app.send_task("calls.sync_one", kwargs={"platform_id": call["id"]}, queue="calls")
    landed = [("x_platform_id", "=", call["id"])]
    wait_for(lambda: bool(odoo.records("x_voicesync_call", landed, ["id"])), 30, what="call")
    partners = odoo.records("res.partner", [("phone", "=", contact["phone"])], ["id"])
    [row] = odoo.records("x_voicesync_call", [("x_platform_id", "=", call["id"])], ["x_partner_id", "x_campaign_id"])
    assert len(partners) == 1 and row["x_partner_id"][0] == partners[0]["id"]
    assert row["x_campaign_id"] and bootstrapped.binder.count("campaigns") == 1


def test_concurrent_contacts_and_calls_make_no_duplicates(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    for queue in ("contacts", "campaigns", "calls"):
        start_worker(queue)
    runs = [start_resync(bootstrapped, entity, full=True) for entity in ("calls", "contacts", "campaigns")]
    for run_id in runs:
        assert finished(bootstrapped, run_id).status == "succeeded"
    for spec in ENTITIES.values():
        report = check(spec, bootstrapped.platform, bootstrapped.odoo)
        assert report.ok, report.summary()
    assert partner_count(odoo) == len(platform.records("contacts"))
    assert len(odoo.records("x_voicesync_call", None, ["id"])) == len(platform.records("calls"))


def test_a_worker_on_the_calls_queue_runs_only_call_work(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    from workers.app import app

    start_worker("calls")
    app.send_task("contacts.sync_one", kwargs={"platform_id": platform.records("contacts")[0]["id"]}, queue="contacts")
    run = resync(bootstrapped, "calls")
    assert run.status == "succeeded" and run.created == len(platform.records("calls"))
    assert queue_length("contacts") == 1  # still waiting for a contacts worker


def test_deleted_records_are_archived_and_hand_edits_repaired(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    start_worker()
    assert resync(services, "contacts").status == "succeeded"
    gone = platform.records("contacts")[5]
    platform.delete("contacts", gone["id"], emit=False)
    edited = odoo.records("res.partner", [("email", "=", platform.records("contacts")[9]["email"])], ["id"])[0]
    odoo.write("res.partner", [edited["id"]], {"name": "Edited by hand"})
    run = resync(services, "contacts")
    assert (run.status, run.archived, run.drift_repaired, run.created) == ("succeeded", 1, 1, 0)
    [archived] = odoo.records("res.partner", [("email", "=", gone["email"])], ["active"], active_test=False)
    assert archived["active"] is False
    assert services.binder.get_many("contacts", [gone["id"]])[gone["id"]].deleted
    assert check(ENTITIES["contacts"], services.platform, services.odoo).ok


def test_an_incremental_run_touches_only_changed_records(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    start_worker()
    assert resync(services, "contacts").status == "succeeded"
    changed = [r["id"] for r in platform.records("contacts")[10:12]]
    for record_id in changed:
        platform.update("contacts", record_id, {"company": "Changed Ltd", "last_name": "Incremental"}, emit=False)
    odoo.reset_call_counts()
    run = resync(services, "contacts", full=False)
    assert (run.mode, run.status, run.updated, run.created, run.unchanged) == ("incremental", "succeeded", 2, 0, 0)
    assert run.records_total in (None, 2)
    assert odoo.call_counts().get("res.partner.search_read") is None  # no drift read in incremental runs
    assert services.runs.bookmark("contacts") is not None


def test_a_second_reconciliation_during_the_first_does_not_run(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, env: dict[str, str]
) -> None:
    env["VOICE_PAGE_SIZE"] = "10"  # six pages of 300 ms: the first run is still going when the second asks
    start_worker(concurrency=2)
    platform.faults.update({"latency_ms": 300})
    first = start_resync(services, "contacts", full=True)
    wait_for(lambda: services.runs.get(first).status == "running", 30, what="the first run to start")
    second = finished(services, start_resync(services, "contacts", full=True))
    assert second.status == "skipped" and f"run {first}" in (second.error or "")
    platform.faults.update({"latency_ms": 0})
    assert finished(services, first).status == "succeeded"


def test_two_workers_share_the_pages_of_one_run(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, env: dict[str, str]
) -> None:
    env["VOICE_PAGE_SIZE"] = "5"
    platform.faults.update({"latency_ms": 60})
    workers = [start_worker(concurrency=1, name="alpha"), start_worker(concurrency=1, name="beta")]
    run = resync(services, "contacts")
    assert (run.status, run.pages_done, run.created) == ("succeeded", 12, 60)
    for worker in workers:
        assert "contacts.sync_page" in worker.log_path.read_text(), worker.name


def test_a_page_lost_for_good_fails_alone_and_the_run_goes_on(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, env: dict[str, str]
) -> None:
    """The only page task takes page 3, which the platform refuses for good: that page counts
    failed, and a successor takes the pages nobody had taken yet, so the run still closes."""
    env.update(VOICE_PAGE_SIZE="5", VOICESYNC_PAGES_PER_TASK="100")  # one page task for pages 2-12
    platform.app.before_request(
        lambda: flask.Response("no such page", status=400) if flask.request.args.get("page") == "3" else None
    )
    start_worker(concurrency=1)
    run = resync(services, "contacts")
    assert (run.status, run.pages_done, run.pages_total, run.created, run.failed) == ("failed", 12, 12, 55, 1)


def test_one_worker_reads_the_next_page_while_odoo_writes_the_last(
    services: Services,
    start_worker: StartWorker,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A task's pages are pipelined: with one worker process of concurrency 1, the platform is
    asked for a page while Odoo is still writing the page before it (Odoo waited between two
    writes before). Pages are handed out a few at a time, and every page is counted once."""
    env.update(VOICE_PAGE_SIZE="5", VOICESYNC_PAGES_PER_TASK="4")
    loads_in_flight = [0]
    read_during_a_load: list[str] = []
    run_model_call = OdooApp._run

    def timed_run(self: OdooApp, model: str, method: str, *args: object) -> object:
        if method != "load":
            return run_model_call(self, model, method, *args)
        loads_in_flight[0] += 1
        try:
            time.sleep(0.2)  # a load that takes Odoo a while
            return run_model_call(self, model, method, *args)
        finally:
            loads_in_flight[0] -= 1

    monkeypatch.setattr(OdooApp, "_run", timed_run)
    platform.app.before_request(
        lambda: read_during_a_load.append(flask.request.full_path) if loads_in_flight[0] else None
    )
    start_worker(concurrency=1)
    run = resync(services, "contacts")
    assert (run.status, run.pages_done, run.pages_total, run.created) == ("succeeded", 12, 12, 60)
    assert any(path.startswith("/v1/contacts?") for path in read_during_a_load), read_during_a_load
    assert check(ENTITIES["contacts"], services.platform, services.odoo).ok


def test_resync_wait_exits_zero_with_the_counts(
    services: Services, start_worker: StartWorker, env: dict[str, str]
) -> None:
    start_worker()
    done = run_cli(["resync", "contacts", "--full", "--wait"], env, services)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded; 60 records: 60 created\n" in done.stdout
    assert "pages 3/3" in done.stdout and "\x1b" not in done.stdout  # piped: plain lines
    again = run_cli(["resync", "contacts", "--full", "--wait", "--json"], env, services)
    [run] = json.loads(again.stdout)  # JSON alone: no run ids, progress or count lines around it
    assert (run["entity"], run["status"], run["created"], run["unchanged"]) == ("contacts", "succeeded", 0, 60)


def test_bootstrap_twice_is_a_no_op(services: Services, odoo: OdooSandbox, env: dict[str, str]) -> None:
    before = run_cli(["odoo", "check"], env, services)
    assert before.returncode == 1 and "Odoo 19.0" in before.stdout and "over json2" in before.stdout
    assert "PROBLEM: the call model x_voicesync_call does not exist" in before.stdout
    first = bootstrap(services.odoo)
    assert any(c.verb == "create" and c.owned.model == "ir.model" for c in first.changes)
    fields_before = odoo.records("ir.model.fields", [("model", "=", "x_voicesync_call")], ["name"])
    odoo.reset_call_counts()
    second = bootstrap(services.odoo)
    assert second.changes == [] and second.done
    assert odoo.records("ir.model.fields", [("model", "=", "x_voicesync_call")], ["name"]) == fields_before
    assert not [k for k in odoo.call_counts() if k.endswith((".create", ".write", ".unlink"))]
    after = run_cli(["odoo", "check"], env, services)
    assert after.returncode == 0 and "PROBLEM" not in after.stdout and "everything voicesync needs" in after.stdout
    again = run_cli(["odoo", "bootstrap"], env, services)
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_odoo_check_says_what_is_wrong_in_one_line_each(env: dict[str, str], services: Services) -> None:
    cases = {
        "ODOO_API_KEY": ("0" * 40, "Odoo refused the API key"),
        "ODOO_DB": ("no_such_db", "Odoo has no database 'no_such_db'"),
        "ODOO_URL": (f"http://127.0.0.1:{free_port()}", "cannot be reached"),
    }
    for setting, (value, said) in cases.items():
        answer = run_cli(["odoo", "check"], {**env, setting: value}, services)
        assert answer.returncode == 1 and said in answer.stdout, answer.stdout + answer.stderr
        assert "Traceback" not in answer.stdout + answer.stderr
    bad = run_cli(["odoo", "bootstrap"], {**env, "ODOO_API_KEY": "0" * 40}, services)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_a_429_pauses_the_other_workers_too(services: Services, platform: PlatformSandbox) -> None:
    """Two clients, as two workers would hold, share the Redis gate: one is told to wait, both wait."""
    told, other = Services(services.settings).platform, Services(services.settings).platform
    record_id = platform.records("contacts")[0]["id"]
    platform.faults.update({"rate_429": 1.0, "retry_after": 2})
    with pytest.raises(RateLimited):
        told.get("contacts", record_id)
    platform.faults.update({"rate_429": 0.0})
    platform.reset_stats()
    pause_until = float(services.redis.get("voicesync:pause:platform") or 0) / 1000
    assert pause_until > 0
    other.get("contacts", record_id)
    seconds, micros = services.redis.time()
    assert seconds + micros / 1e6 >= pause_until  # the other client's request went out only after the pause
    assert sum(sum(c.values()) for c in platform.stats().values()) == 1


def test_campaign_and_call_webhooks_reach_their_pools(
    bootstrapped: Services,
    start_worker: StartWorker,
    receiver: BackgroundServer,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
) -> None:
    for queue in ("campaigns", "calls"):
        start_worker(queue)
    platform.webhook_url = f"{receiver.url}/webhooks/voice"
    campaign = platform.update("campaigns", platform.records("campaigns")[0]["id"], {"name": "Renamed by webhook"})
    call = next(c for c in platform.records("calls") if c["status"] != "completed")
    platform.complete_call(call["id"], {"duration_seconds": 77, "summary": "done"})
    wait_for(
        lambda: bool(odoo.records("utm.campaign", [("title", "=", campaign["name"])], ["id"])), 30, what="campaign"
    )
    wait_for(
        lambda: bool(
            odoo.records("x_voicesync_call", [("x_platform_id", "=", call["id"]), ("x_status", "=", "completed")], [])
        ),
        30,
        what="completed call",
    )
    [row] = odoo.records("x_voicesync_call", [("x_platform_id", "=", call["id"])], ["x_duration_seconds", "x_summary"])
    assert (row["x_duration_seconds"], row["x_summary"]) == (77, "done")


def run_cli(args: list[str], env: dict[str, str], services: Services) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", *args],
        env=child_environment({**env, "DATABASE_URL": services.settings.ledger_url}),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_and_dead_letter_commands(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, env: dict[str, str]
) -> None:
    start_worker()
    assert resync(services, "contacts").status == "succeeded"
    shown = run_cli(["status"], env, services)
    assert shown.returncode == 0, shown.stderr
    assert "contacts: 60 bound, queue 0" in shown.stdout and "dead letters: 0" in shown.stdout
    letter = services.dead_letters.add(
        "contacts.sync_one", {"platform_id": platform.records("contacts")[1]["id"]}, error_type="AuthError", reason="x"
    )
    listed = run_cli(["dlq", "list"], env, services)
    [row] = [line for line in listed.stdout.splitlines() if line.startswith(f"{letter:<5} ")]
    assert "contacts.sync_one" in row and row.endswith("AuthError: x") and "1 dead letters" in listed.stdout
    replayed = run_cli(["dlq", "replay", "--all"], env, services)
    assert replayed.returncode == 0 and f"letter {letter}: task" in replayed.stdout
    wait_for(lambda: services.dead_letters.count() == 0, 30, what="the letter to leave the table")
    refused = run_cli(["dlq", "replay"], env, services)
    assert refused.returncode != 0 and "give one letter ID or --all" in refused.stderr


def test_admin_resync_and_status_over_http(services: Services, start_worker: StartWorker, env: dict[str, str]) -> None:
    settings = Settings.from_env({**env, "DATABASE_URL": services.settings.ledger_url, "ADMIN_TOKEN": ADMIN})
    start_worker()
    with BackgroundServer(create_app(settings)) as server:
        assert requests.post(f"{server.url}/admin/resync", json={"entity": "contacts"}, timeout=5).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert requests.get(f"{server.url}/admin/status", headers=wrong, timeout=5).status_code == 401
        auth = {"Authorization": f"Bearer {ADMIN}"}
        strictly_refused = [
            json.dumps({"entity": "leads"}), "entity=contacts", json.dumps({"full": "false"}), json.dumps([1]),
            json.dumps({"entity": ["contacts"]}), json.dumps({"entity": "contacts", "ful": True}), "[" * 2000,
        ]  # fmt: skip
        for body in strictly_refused:
            bad = requests.post(f"{server.url}/admin/resync", data=body, headers=auth, timeout=5)
            assert bad.status_code == 400 and bad.json()["error"], body
        assert all(not services.runs.recent(name, 1) for name in ENTITIES)  # none of them started a run
        answer = requests.post(f"{server.url}/admin/resync", json={"entity": "contacts", "full": True}, headers=auth)
        assert answer.status_code == 202
        run = finished(services, answer.json()["runs"]["contacts"])
        assert run.status == "succeeded" and run.created == 60
        status = requests.get(f"{server.url}/admin/status", headers=auth, timeout=5).json()
        assert status["entities"]["contacts"]["bindings"] == 60
        assert status["entities"]["contacts"]["runs"][0]["id"] == run.id


def test_without_a_total_the_pages_are_walked_in_order(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox
) -> None:
    platform.report_total = False
    start_worker()
    run = resync(services, "contacts")
    assert (run.status, run.pages_done, run.pages_total, run.records_total, run.created) == (
        "succeeded", 3, 3, None, 60,
    )  # fmt: skip
    assert check(ENTITIES["contacts"], services.platform, services.odoo).ok


def test_a_batch_dead_letters_only_the_record_it_cannot_write(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    """``calls.sync_many`` as the receiver sends it: the call whose contact is gone from the platform
    gets its own replayable letter and a failed inbox row; the other two land and are processed."""
    from shared.ledger.models import InboxEvent
    from workers.app import app

    by_contact = {call["contact_id"]: call for call in platform.records("calls")}
    good, bad, other = list(by_contact.values())[:3]
    platform.delete("contacts", bad["contact_id"], emit=False)
    ids = [str(call["id"]) for call in (good, bad, other)]
    fields = {"source": "voice", "event_type": "call.updated", "entity": "calls", "payload": "{}", "status": "enqueued"}
    events = [InboxEvent(dedupe_key=f"voice:m{n}", record_id=pid, **fields) for n, pid in enumerate(ids)]
    inbox_ids = bootstrapped.inbox.accept(events)
    start_worker("calls")
    kwargs = {"platform_ids": ids, "inbox_ids": inbox_ids, "correlation_ids": [f"voice:m{n}" for n in range(3)]}
    app.send_task("calls.sync_many", kwargs=kwargs, queue="calls")

    def statuses() -> list[str]:
        return [bootstrapped.inbox.get(int(inbox_id)).status for inbox_id in inbox_ids]  # type: ignore[union-attr]

    wait_for(lambda: "enqueued" not in statuses(), 30, what="the batch to finish")
    assert statuses() == ["processed", "failed", "processed"]
    [letter] = bootstrapped.dead_letters.list()
    assert letter.task_name == "calls.sync_one"
    assert letter.task_kwargs == {"platform_id": ids[1], "inbox_id": inbox_ids[1]}
    landed = odoo.records("x_voicesync_call", [("x_platform_id", "in", ids)], ["x_platform_id"])
    assert sorted(row["x_platform_id"] for row in landed) == sorted([ids[0], ids[2]])


@pytest.mark.parametrize("how", ["5xx", "deep"])
def test_a_record_the_platform_cannot_serve_costs_its_batch_nothing(
    bootstrapped: Services,
    start_worker: StartWorker,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    env: dict[str, str],
    how: str,
) -> None:
    """One call whose read always fails (a 500, or JSON nested past any parser) in a batch of
    three: the other two land at once and are processed; the broken one is retried alone (5xx)
    or not at all (deep), then dead-lettered with only its own id."""
    from shared.ledger.models import InboxEvent
    from workers.app import app

    env.update({"VOICESYNC_RETRY_MAX": "2", "VOICESYNC_RETRY_BACKOFF": "0.2", "VOICESYNC_RETRY_CAP": "0.5"})
    ids = [str(call["id"]) for call in platform.records("calls")[:3]]
    platform.break_path(f"/v1/calls/{ids[1]}", how)
    fields = {"source": "voice", "event_type": "call.updated", "entity": "calls", "payload": "{}", "status": "enqueued"}
    events = [InboxEvent(dedupe_key=f"voice:b{n}", record_id=pid, **fields) for n, pid in enumerate(ids)]
    inbox_ids = bootstrapped.inbox.accept(events)
    start_worker("calls")
    correlations = [f"voice:b{n}" for n in range(3)]
    app.send_task(
        "calls.sync_many",
        kwargs={"platform_ids": ids, "inbox_ids": inbox_ids, "correlation_ids": correlations},
        queue="calls",
    )

    def statuses() -> list[str]:
        return [bootstrapped.inbox.get(int(inbox_id)).status for inbox_id in inbox_ids]  # type: ignore[union-attr]

    wait_for(lambda: "enqueued" not in statuses(), 60, what="the batch to finish")
    assert statuses() == ["processed", "failed", "processed"]
    landed = odoo.records("x_voicesync_call", [("x_platform_id", "in", ids)], ["x_platform_id"])
    assert sorted(row["x_platform_id"] for row in landed) == sorted([ids[0], ids[2]])
    [letter] = bootstrapped.dead_letters.list()
    if how == "5xx":  # retried on its own, then given up
        assert letter.task_name == "calls.sync_many" and letter.error_type == "RetryableError"
        assert letter.task_kwargs == {
            "platform_ids": [ids[1]],
            "inbox_ids": [inbox_ids[1]],
            "correlation_ids": [correlations[1]],
        }
    else:  # bad data: at once, never retried
        assert (letter.task_name, letter.error_type) == ("calls.sync_one", "DataError")
        assert "nested too deeply" in letter.reason
