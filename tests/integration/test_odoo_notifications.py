"""An Odoo notification is a trigger, not a fact: whoever holds the path token can name any partner,
and only a partner a person has just changed reaches the platform. Nothing is ever unarchived by it.

The pusher runs in this process against the stand-ins over HTTP (the task is a one-line wrapper
around it); the receiver through Flask's test client."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared import odoo_push
from shared.entities import ENTITIES
from shared.ledger.bindings import BindingRow
from shared.odoo_push import PartnerPusher
from shared.services import Services
from shared.settings import Settings
from web import create_app

CONTACTS = ENTITIES["contacts"]
TOKEN = "notification-token-0123456789abcdef"


def contacts_with(platform: PlatformSandbox, phone: str) -> list[dict]:
    return [c for c in platform.records("contacts") if c["phone"] == phone]


def test_a_partner_a_person_just_made_is_pushed(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    partner = odoo.create("res.partner", {"name": "Made Now", "phone": "+14155550701"})
    assert PartnerPusher(services).push(partner).outcome == "created"
    assert len(contacts_with(platform, "+14155550701")) == 1


def test_an_untouched_partner_named_by_a_notification_is_not_pushed(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = odoo.create("res.partner", {"name": "Old Customer", "phone": "+14155550702"})
    monkeypatch.setattr(odoo_push, "FRESH", timedelta(seconds=-60))  # its last change is long past
    result = PartnerPusher(services).push(partner)
    assert (result.outcome, "not changed" in result.reason) == ("skipped", True)
    assert contacts_with(platform, "+14155550702") == []


def test_an_archived_partner_is_not_pushed_and_stays_archived(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    partner = odoo.create("res.partner", {"name": "Gone Away", "phone": "+14155550703"})
    odoo.write("res.partner", [partner], {"active": False})
    assert PartnerPusher(services).push(partner).reason == f"partner {partner} is archived"
    assert contacts_with(platform, "+14155550703") == []
    [row] = odoo.records("res.partner", [("id", "=", partner)], ["active"])
    assert row["active"] is False


def test_voicesyncs_own_write_is_not_pushed(services: Services, platform: PlatformSandbox, odoo: OdooSandbox) -> None:
    [partner] = services.odoo.call("res.partner", "create", vals_list=[{"name": "By Api", "phone": "+14155550704"}])
    assert PartnerPusher(services).push(partner).reason == f"partner {partner} was last written by voicesync"
    assert contacts_with(platform, "+14155550704") == []


def test_a_person_s_edit_reaches_the_platform_even_after_an_unchanged_sync(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    """A sync that finds the record unchanged is no write: the edit made before it is still news."""
    contact = platform.records("contacts")[0]
    services.engine.upsert(CONTACTS, [services.platform.normalize("contacts", contact).record])
    partner = services.binder.get_many("contacts", [contact["id"]])[contact["id"]].odoo_id
    odoo.write("res.partner", [partner], {"email": "edited@example.org"})
    assert services.engine.upsert(CONTACTS, [services.platform.normalize("contacts", contact).record]).unchanged == 1
    assert PartnerPusher(services).push(partner).outcome == "updated"
    assert platform.get("contacts", contact["id"])["email"] == "edited@example.org"


def test_an_edit_older_than_voicesyncs_last_push_is_not_sent_again(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    """A notification replayed after voicesync has pushed a newer state: Odoo's older values stay
    out of the platform."""
    partner = odoo.create("res.partner", {"name": "Early Edit", "phone": "+14155550705"})
    assert PartnerPusher(services).push(partner).outcome == "created"
    [contact] = contacts_with(platform, "+14155550705")
    newer = services.platform.normalize("contacts", {**contact, "first_name": "Newer"}).record
    binding = services.binder.by_odoo_ids("contacts", [partner])[partner]
    time.sleep(1.1)  # Odoo's write_date has whole seconds
    services.binder.bind_many(
        "contacts", [BindingRow(binding.platform_id, partner, "another-hash", newer["updated_at"])]
    )
    result = PartnerPusher(services).push(partner)
    assert (result.outcome, result.reason) == ("skipped", "no change since voicesync last synced it")


def test_a_notification_dated_in_the_future_is_refused(settings: Settings, env: dict[str, str]) -> None:
    app = create_app(Settings.from_env({**env, "ODOO_WEBHOOK_TOKEN": TOKEN, "DATABASE_URL": settings.ledger_url}))
    app.extensions["voicesync"].ledger.upgrade()
    client = app.test_client()
    ahead = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    forged = client.post(f"/webhooks/odoo/{TOKEN}", json={"_model": "res.partner", "_id": 7, "write_date": ahead})
    assert (forged.status_code, forged.json) == (400, {"error": "write_date is in the future"})
    real = client.post(f"/webhooks/odoo/{TOKEN}", json={"_model": "res.partner", "_id": 7, "write_date": now})
    assert real.status_code == 202
