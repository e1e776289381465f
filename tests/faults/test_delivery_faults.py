"""Duplicates and disorder, racing operators: each change written once, one run at a time."""

from __future__ import annotations

import random
import subprocess
import sys
import uuid
from collections.abc import Callable

from cli.processes import ManagedProcess, die_with_parent, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.producer.operations import start_resync
from shared.services import Services
from shared.settings import child_environment
from tests.faults.parity import assert_parity

StartWorker = Callable[..., ManagedProcess]


def full_sync(services: Services) -> None:
    run_id = start_resync(services, "contacts", full=True)
    wait_for(lambda: services.runs.get(run_id).status == "succeeded", 60, what="the first sync")


def test_duplicates_and_disorder_write_each_change_once(
    services: Services,
    start_worker: StartWorker,
    receiver: BackgroundServer,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
) -> None:
    start_worker()
    full_sync(services)
    deliveries: list[tuple[dict, str]] = []
    changed = platform.records("contacts")[:4]
    for record in changed:
        older = platform.update("contacts", record["id"], {"first_name": "Older"}, emit=False)
        newer = platform.update("contacts", record["id"], {"first_name": "Newest"}, emit=False)
        for body in (platform.event("contact.updated", older), platform.event("contact.updated", newer)):
            deliveries += [(body, f"msg_{uuid.uuid4().hex}")]
    sends = [pair for pair in deliveries for _ in range(5)]
    random.Random(3).shuffle(sends)
    sends.sort(key=lambda pair: pair[0]["data"]["first_name"] == "Older")  # every old update after the new
    odoo.reset_call_counts()
    url = f"{receiver.url}/webhooks/voice"
    statuses = [platform.deliver(body, msg_id=msg_id, url=url) for body, msg_id in sends]
    assert statuses.count(202) == len(deliveries) and statuses.count(200) == 4 * len(deliveries)
    assert_parity(services, platform, odoo)
    for record in changed:
        assert odoo.records("res.partner", [("email", "=", record["email"])], ["name"])[0]["name"].startswith("Newest")
    loads = odoo.call_counts().get("res.partner.load", 0)
    assert 1 <= loads <= len(changed)  # at most one write per contact's real change; webhooks together share one
    assert len(services.inbox.by_status("processed")) == len(deliveries)


def test_racing_operators_one_run_the_others_say_so(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox, env: dict[str, str]
) -> None:
    from workers.app import app

    env["VOICE_PAGE_SIZE"] = "5"
    start_worker()
    platform.faults.update({"latency_ms": 250})
    command = [sys.executable, "-c", "from cli import main; main()", "resync", "contacts", "--full", "--wait"]
    child_env = child_environment({**env, "DATABASE_URL": services.settings.ledger_url})
    operators = [
        subprocess.Popen(command, env=child_env, stdout=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
        for _ in range(2)
    ]
    wait_for(lambda: any(r.status == "running" for r in services.runs.recent("contacts")), 30, what="a run")
    app.send_task("contacts.reconcile", kwargs={"full": True}, queue="contacts")  # beat's own, meanwhile
    outputs = [operator.communicate(timeout=120)[0] for operator in operators]
    platform.faults.update({"latency_ms": 0})
    assert all(operator.returncode == 0 for operator in operators), outputs
    wait_for(lambda: len(services.runs.recent("contacts", 10)) == 3, 30, what="three runs")
    wait_for(lambda: all(r.status != "running" for r in services.runs.recent("contacts", 10)), 60, what="runs end")
    statuses = sorted(r.status for r in services.runs.recent("contacts", 10))
    assert statuses == ["skipped", "skipped", "succeeded"]
    assert sum("is still running" in output for output in outputs) >= 1
    assert_parity(services, platform, odoo)
