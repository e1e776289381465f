"""Whose partner it is: one voicesync created follows the platform; one Odoo's people made is linked,
filled where empty and otherwise left as they wrote it; an Odoo user's partner is never written.

A caller's number, display name and email are whatever the caller sends: they may find a partner,
never rename, re-email or re-phone it. Ledger on SQLite and PostgreSQL, Odoo the stand-in over HTTP.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.odoo import OdooSandbox
from shared import upsert
from shared.entities import ENTITIES
from shared.services import Services
from shared.settings import Settings

pytestmark = pytest.mark.both_ledgers
CONTACTS = ENTITIES["contacts"]
NOW = "2026-12-07T10:00:00Z"


@pytest.fixture
def services(settings: Settings) -> Services:
    services = Services(settings)
    services.ledger.upgrade()
    return services


def contact(pid: str, *, updated_at: str = NOW, **values: Any) -> dict[str, Any]:
    """A canonical platform contact, as every adapter hands it to the engine."""
    return {"id": pid, "updated_at": updated_at, **values}


def person(services: Services, odoo: OdooSandbox, **values: Any) -> int:
    """A partner someone wrote in Odoo before voicesync saw the person."""
    [partner] = services.odoo.call("res.partner", "create", vals_list=[values])
    odoo.write("res.partner", [partner], {"comment": "written by a person"})  # last written by someone else
    return int(partner)


def read(odoo: OdooSandbox, partner: int) -> dict[str, Any]:
    [row] = odoo.records("res.partner", [("id", "=", partner)], ["name", "email", "phone", "active"], active_test=False)
    return row


def test_a_caller_matched_by_phone_renames_and_re_emails_no_one(services: Services, odoo: OdooSandbox) -> None:
    bob = person(services, odoo, name="Bob Boss", email="bob@corp.example", phone="+1 415 555 0177")
    mallory = contact("c-mallory", name="Mallory", email="mallory@evil.example", phone="+14155550177")
    result = services.engine.upsert(CONTACTS, [mallory])
    assert (result.matched, result.created, result.failures) == (1, 0, [])
    assert services.binder.get_many("contacts", ["c-mallory"])["c-mallory"].odoo_id == bob
    assert read(odoo, bob) | {"id": 0} == {
        "id": 0,
        "name": "Bob Boss",
        "email": "bob@corp.example",
        "phone": "+1 415 555 0177",  # not even reformatted
        "active": True,
    }
    renamed = contact("c-mallory", updated_at="2026-12-07T11:00:00Z", name="Mallory II", phone="+14155550177")
    again = services.engine.upsert(CONTACTS, [renamed])
    assert (again.updated, again.unchanged, again.created) == (0, 1, 0)
    assert read(odoo, bob)["name"] == "Bob Boss"


def test_a_caller_matched_by_email_replaces_neither_name_nor_phone(services: Services, odoo: OdooSandbox) -> None:
    carol = person(services, odoo, name="Carol CFO", email="carol@corp.example", phone="+1 212 555 0100")
    caller = contact("c-carol", name="Not Carol", email="carol@corp.example", phone="+14155550999")
    assert services.engine.upsert(CONTACTS, [caller]).matched == 1
    row = read(odoo, carol)
    assert (row["name"], row["phone"]) == ("Carol CFO", "+1 212 555 0100")


def test_a_matched_partner_gets_only_what_it_lacks(services: Services, odoo: OdooSandbox) -> None:
    ada = person(services, odoo, name="Ada (ours)", phone="+1 415 555 0123")
    result = services.engine.upsert(
        CONTACTS, [contact("c-ada", name="Ada Lovelace", email="ada@example.org", phone="+14155550123")]
    )
    assert result.matched == 1
    assert read(odoo, ada) | {"id": 0} == {
        "id": 0,
        "name": "Ada (ours)",
        "email": "ada@example.org",  # empty before: filled
        "phone": "+1 415 555 0123",
        "active": True,
    }


def test_an_odoo_users_partner_is_linked_and_never_written(services: Services, odoo: OdooSandbox) -> None:
    """Not even an empty field: an email written there could reset the user's password."""
    clerk = person(services, odoo, name="Clerk", phone="+1 415 555 0155")
    odoo.create("res.users", {"login": "clerk", "name": "Clerk", "partner_id": clerk})
    caller = contact("c-clerk", name="Eve", email="eve@evil.example", phone="+14155550155")
    assert services.engine.upsert(CONTACTS, [caller]).matched == 1
    assert services.binder.get_many("contacts", ["c-clerk"])["c-clerk"].odoo_id == clerk
    row = read(odoo, clerk)
    assert (row["name"], row["email"]) == ("Clerk", False)
    later = contact("c-clerk", updated_at="2026-12-07T12:00:00Z", name="Eve", email="eve@evil.example", phone="+1")
    services.engine.upsert(CONTACTS, [later])
    assert read(odoo, clerk)["email"] is False


def test_a_matched_partner_is_neither_archived_nor_re_activated(services: Services, odoo: OdooSandbox) -> None:
    dan = person(services, odoo, name="Dan", phone="+1 415 555 0166")
    services.engine.upsert(CONTACTS, [contact("c-dan", name="Dan", phone="+14155550166")])
    assert services.engine.archive(CONTACTS, ["c-dan"]) == 1  # the platform deleted its contact
    assert read(odoo, dan)["active"] is True  # Odoo's customer stays
    odoo.write("res.partner", [dan], {"active": False})  # a person archives the partner
    back = contact("c-dan", updated_at="2026-12-07T13:00:00Z", name="Dan", phone="+14155550166")
    services.engine.upsert(CONTACTS, [back])
    assert read(odoo, dan)["active"] is False


def test_a_hand_edit_of_a_matched_partner_is_no_drift(services: Services, odoo: OdooSandbox) -> None:
    erin = person(services, odoo, name="Erin", email="erin@corp.example", phone="+1 415 555 0144")
    caller = contact("c-erin", name="Erin", email="erin@corp.example", phone="+14155550144")
    services.engine.upsert(CONTACTS, [caller])
    odoo.write("res.partner", [erin], {"name": "Erin Smith"})
    result = services.engine.upsert(CONTACTS, [caller], check_drift=True)
    assert (result.drift_repaired, result.unchanged) == (0, 1)
    assert read(odoo, erin)["name"] == "Erin Smith"


def test_a_partner_voicesync_created_follows_the_platform(services: Services, odoo: OdooSandbox) -> None:
    services.engine.upsert(CONTACTS, [contact("c-new", name="Fay", phone="+14155550133")])
    renamed = contact("c-new", updated_at="2026-12-07T14:00:00Z", name="Fay Jones", phone="+14155550133")
    assert services.engine.upsert(CONTACTS, [renamed]).updated == 1
    partner = services.binder.get_many("contacts", ["c-new"])["c-new"].odoo_id
    assert read(odoo, partner)["name"] == "Fay Jones"


def test_a_lost_ledger_loses_no_ones_edits(
    services: Services, odoo: OdooSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ownership is written in Odoo too (the external id of a partner voicesync did not create is
    ``noupdate``): with a new, empty ledger, a matched partner is still Odoo's and only filled."""
    gus = person(services, odoo, name="Hand Written", phone="+1 415 555 0111")
    services.engine.upsert(CONTACTS, [contact("c-gus", name="Plat Form", phone="+14155550111")])
    made = contact("c-made", name="Made Here", phone="+14155550112")
    services.engine.upsert(CONTACTS, [made])
    monkeypatch.setattr(upsert, "IN_FLIGHT", timedelta(seconds=-60))  # every id counts as settled
    lost = Services(replace(services.settings, database_url=f"sqlite:///{tmp_path / 'lost-ledger.db'}"))
    lost.ledger.upgrade()
    later = "2026-12-07T15:00:00Z"
    result = lost.engine.upsert(
        CONTACTS,
        [
            contact("c-gus", updated_at=later, name="Plat Form", email="plat@form.example", phone="+14155550199"),
            contact("c-made", updated_at=later, name="Made Here II", phone="+14155550112"),
        ],
    )
    assert (result.created, result.matched, result.failures) == (0, 0, [])
    assert read(odoo, gus) | {"id": 0} == {
        "id": 0,
        "name": "Hand Written",
        "email": "plat@form.example",  # empty before: filled
        "phone": "+1 415 555 0111",
        "active": True,
    }
    bound = lost.binder.get_many("contacts", ["c-gus", "c-made"])
    assert (bound["c-gus"].odoo_id, bound["c-gus"].owner) == (gus, "odoo")
    assert read(odoo, bound["c-made"].odoo_id)["name"] == "Made Here II"  # voicesync's own follows the platform
