"""Odoo -> platform, and the loop both ways with no echo, counted on both sandboxes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.entities import ENTITIES
from shared.parity import check
from shared.producer.operations import start_resync
from shared.services import Services
from shared.settings import Settings
from web import create_app

TOKEN = "roundtrip-token-0123456789abcdef"
StartWorker = Callable[..., ManagedProcess]


def platform_writes(platform: PlatformSandbox) -> dict[str, int]:
    stats = platform.stats()
    return {key: sum(stats.get(key, {}).values()) for key in ("POST /v1/contacts", "PATCH /v1/contacts/<id>")}


def settled(services: Services) -> bool:
    return services.inbox.pending_count() == 0 and not services.inbox.by_status("enqueued")


@pytest.fixture
def loop(
    services: Services,
    start_worker: StartWorker,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    env: dict[str, str],
) -> Iterator[Services]:
    """Synced once, then both systems' webhooks point at the receiver."""
    env["ODOO_WEBHOOK_TOKEN"] = TOKEN
    start_worker()
    run_id = start_resync(services, "contacts", full=True)
    wait_for(lambda: services.runs.get(run_id).status == "succeeded", 60, what="the first sync")
    settings = Settings.from_env({**env, "DATABASE_URL": services.settings.ledger_url})
    with BackgroundServer(create_app(settings)) as receiver:
        platform.webhook_url = f"{receiver.url}/webhooks/voice"
        odoo.set_webhooks(
            [
                {
                    "model": "res.partner",
                    "url": f"{receiver.url}/webhooks/odoo/{TOKEN}",
                    "fields": ["name", "email", "phone", "write_date"],
                    "on": ["create", "write"],
                }
            ]
        )
        platform.reset_stats()
        odoo.reset_call_counts()
        yield services


def test_an_odoo_edit_reaches_the_platform_once_and_does_not_come_back(
    loop: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    contact = platform.records("contacts")[6]
    [partner] = odoo.records("res.partner", [("phone", "=", contact["phone"])], ["id"])
    odoo.write("res.partner", [partner["id"]], {"phone": "+14155550999"})
    wait_for(lambda: platform.get("contacts", contact["id"])["phone"] == "+14155550999", 30, what="the platform")
    wait_for(lambda: len(loop.inbox.by_status("processed")) == 2, 30, what="both webhooks handled")
    assert platform_writes(platform) == {"POST /v1/contacts": 0, "PATCH /v1/contacts/<id>": 1}
    assert not [k for k in odoo.call_counts() if k.endswith((".load", ".write", ".create"))]  # no echo into Odoo
    assert [e.event_type for e in loop.inbox.by_status("processed")] == ["res.partner.write", "contact.updated"]


def test_a_platform_change_reaches_odoo_once_and_does_not_go_back(
    loop: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    contact = platform.update("contacts", platform.records("contacts")[8]["id"], {"last_name": "FromPlatform"})
    wait_for(lambda: bool(odoo.records("res.partner", [("name", "like", "% FromPlatform")], [])), 30, what="Odoo")
    wait_for(lambda: len(loop.inbox.by_status("processed")) == 2, 30, what="both webhooks handled")
    assert platform_writes(platform) == {"POST /v1/contacts": 0, "PATCH /v1/contacts/<id>": 0}  # no echo back
    assert odoo.call_counts().get("res.partner.load") == 1
    assert loop.binder.get_many("contacts", [contact["id"]])[contact["id"]].source_updated_at == contact["updated_at"]


def test_a_partner_created_in_odoo_becomes_one_contact(
    loop: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    odoo.create("res.partner", {"name": "Made InOdoo", "phone": "+14155550777"})  # by a person
    wait_for(lambda: any(c["phone"] == "+14155550777" for c in platform.records("contacts")), 30, what="platform")
    wait_for(lambda: settled(loop) and len(loop.inbox.by_status("processed")) >= 2, 30, what="webhooks handled")
    [contact] = [c for c in platform.records("contacts") if c["phone"] == "+14155550777"]
    assert (contact["first_name"], contact["last_name"]) == ("Made", "InOdoo")
    assert len(odoo.records("res.partner", [("phone", "=", "+14155550777")], ["id"])) == 1
    assert platform_writes(platform) == {"POST /v1/contacts": 1, "PATCH /v1/contacts/<id>": 0}
    assert check(ENTITIES["contacts"], loop.platform, loop.odoo).ok


def test_reconciliation_pushes_what_odoo_never_delivered(
    loop: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    odoo.set_webhooks([])  # Odoo's notification is lost: it never retries
    contact = platform.records("contacts")[2]
    [partner] = odoo.records("res.partner", [("phone", "=", contact["phone"])], ["id"])
    odoo.write("res.partner", [partner["id"]], {"email": "edited.in.odoo@example.org"})
    run_id = start_resync(loop, "contacts", full=True)
    wait_for(lambda: loop.runs.get(run_id).status == "succeeded", 60, what="the run")
    assert platform.get("contacts", contact["id"])["email"] == "edited.in.odoo@example.org"
    assert loop.runs.get(run_id).drift_repaired == 0  # sent on to the platform, not undone
    assert check(ENTITIES["contacts"], loop.platform, loop.odoo).ok
