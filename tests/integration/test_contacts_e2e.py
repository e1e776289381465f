"""Contacts end to end on real parts: webhook -> inbox -> Celery on Redis -> platform -> Odoo.

A real worker subprocess, the receiver and both sandboxes over HTTP, the ledger on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest
import requests
from sqlalchemy import func, select

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.entities import ENTITIES
from shared.ledger.models import InboxEvent
from shared.parity import check
from shared.producer.operations import replay_dead_letter, start_resync
from shared.services import Services
from shared.signing import sign_headers

pytestmark = pytest.mark.both_ledgers
CONTACTS = ENTITIES["contacts"]
StartWorker = Callable[..., ManagedProcess]


def finished_run(services: Services, run_id: int, timeout: float = 60):
    wait_for(
        lambda: services.runs.get(run_id).status in {"succeeded", "failed", "skipped"},
        timeout,
        what=f"run {run_id}",
    )
    return services.runs.get(run_id)


def inbox_rows(services: Services) -> list[InboxEvent]:
    with services.ledger.session() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def partner_named(odoo: OdooSandbox, name: str) -> bool:
    return bool(odoo.records("res.partner", [("name", "=", name)], ["id"]))


def test_full_reconciliation_through_a_worker(services: Services, start_worker: StartWorker, odoo: OdooSandbox) -> None:
    start_worker()
    run = finished_run(services, start_resync(services, "contacts", full=True))
    assert run.status == "succeeded", run.error
    assert (run.created, run.failed, run.pages_done, run.pages_total) == (60, 0, 3, 3)
    assert check(CONTACTS, services.platform, services.odoo).ok
    odoo.reset_call_counts()
    again = finished_run(services, start_resync(services, "contacts", full=True))
    assert (again.status, again.unchanged, again.created, again.updated) == ("succeeded", 60, 0, 0)
    assert not [k for k in odoo.call_counts() if k.endswith((".load", ".write", ".create"))]


def test_a_webhook_reaches_odoo(
    services: Services,
    start_worker: StartWorker,
    receiver: BackgroundServer,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
) -> None:
    start_worker()
    platform.webhook_url = f"{receiver.url}/webhooks/voice"
    record = platform.records("contacts")[4]
    platform.update("contacts", record["id"], {"first_name": "Webhooked"})
    wait_for(lambda: partner_named(odoo, f"Webhooked {record['last_name']}"), 30, what="the partner in Odoo")
    [row] = inbox_rows(services)
    wait_for(lambda: services.inbox.get(row.id).status == "processed", 10, what="inbox row processed")
    assert (row.event_type, row.record_id, row.entity) == ("contact.updated", record["id"], "contacts")


def test_a_duplicate_webhook_is_one_effect(
    services: Services,
    start_worker: StartWorker,
    receiver: BackgroundServer,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
) -> None:
    start_worker()
    url = f"{receiver.url}/webhooks/voice"
    record = platform.update("contacts", platform.records("contacts")[0]["id"], {"first_name": "Once"}, emit=False)
    body = platform.event("contact.updated", record)
    msg_id = f"msg_{uuid.uuid4().hex}"
    assert platform.deliver(body, msg_id=msg_id, url=url) == 202
    assert platform.deliver(body, msg_id=msg_id, url=url) == 200
    wait_for(lambda: partner_named(odoo, f"Once {record['last_name']}"), 30, what="the partner in Odoo")
    assert len(inbox_rows(services)) == 1
    assert len(odoo.records("res.partner", [("name", "=", f"Once {record['last_name']}")], ["id"])) == 1


def test_a_bad_signature_stores_nothing(
    services: Services, receiver: BackgroundServer, platform: PlatformSandbox
) -> None:
    body = json.dumps({"type": "contact.updated", "data": {"id": "ct_1"}}).encode()
    headers = sign_headers("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", "msg_forged", body)
    answer = requests.post(f"{receiver.url}/webhooks/voice", data=body, headers=headers, timeout=5)
    assert answer.status_code == 401
    assert inbox_rows(services) == []


def test_rate_limits_and_server_errors_are_retried(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, env: dict[str, str]
) -> None:
    env.update(VOICE_PAGE_SIZE="5", VOICESYNC_RETRY_MAX="12")  # 12 pages, and room for bad luck
    platform.faults.update({"rate_429": 0.25, "rate_5xx": 0.25, "retry_after": 1})
    start_worker()
    run = finished_run(services, start_resync(services, "contacts", full=True), timeout=120)
    platform.faults.update({"rate_429": 0, "rate_5xx": 0})
    assert run.status == "succeeded", run.error
    statuses = {status for counts in platform.stats().values() for status in counts}
    assert "429" in statuses and {"500", "503"} & statuses
    assert run.retries > 0 and run.pages_done == 12
    assert check(CONTACTS, services.platform, services.odoo).ok


def test_a_revoked_key_is_dead_lettered_without_retry(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    start_worker()
    record = platform.records("contacts")[2]
    good_key = platform.api_key
    platform.set_api_key("revoked")
    platform.reset_stats()
    from workers.app import app

    app.send_task("contacts.sync_one", kwargs={"platform_id": record["id"]}, queue="contacts")
    wait_for(lambda: services.dead_letters.count() == 1, 30, what="a dead letter")
    [letter] = services.dead_letters.list()
    assert (letter.task_name, letter.error_type, letter.record_id) == ("contacts.sync_one", "AuthError", record["id"])
    assert "401" in letter.reason and good_key not in letter.reason
    served = sum(sum(counts.values()) for counts in platform.stats().values())
    assert served == 1  # no retry storm: one call, then the dead letter
    platform.set_api_key(good_key)
    replay_dead_letter(services, letter.id)
    wait_for(lambda: services.dead_letters.count() == 0, 30, what="the replayed letter to leave")
    assert odoo.records("res.partner", [("phone", "=", record["phone"])], ["id"])


def test_ledger_counts_inbox_once_per_delivery_id(
    services: Services, receiver: BackgroundServer, platform: PlatformSandbox
) -> None:
    url = f"{receiver.url}/webhooks/voice"
    body = platform.event("contact.updated", platform.records("contacts")[0])
    statuses = [platform.deliver(body, msg_id="msg_same", url=url) for _ in range(3)]
    assert statuses == [202, 200, 200]
    with services.ledger.session() as session:
        assert session.scalar(select(func.count()).select_from(InboxEvent)) == 1
