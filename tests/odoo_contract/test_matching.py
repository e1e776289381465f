"""The partners Odoo already has, found as real Odoo stores them: free-form phones, shared phones,
email only; bound to one, never duplicated, and an ambiguous person bound to none."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from shared import upsert
from shared.entities import ENTITIES
from shared.ledger.bindings import Binder
from shared.ledger.db import Ledger
from shared.matching import PartnerMatcher
from shared.odoo import OdooClient
from shared.upsert import UpsertEngine
from tests.odoo_contract.conftest import OdooTarget

CONTACTS = ENTITIES["contacts"]
UPDATED = "2026-01-01T00:00:00Z"


@pytest.fixture
def engine(client: OdooClient, tmp_path: Path) -> UpsertEngine:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.upgrade()
    return UpsertEngine(client, Binder(ledger), PartnerMatcher(client, "US"))


def _partner(client: OdooClient, **values: str) -> int:
    [made] = client.call("res.partner", "create", vals_list=[values])
    return int(made)


def test_existing_partners_are_matched_and_never_duplicated(
    odoo: OdooTarget, client: OdooClient, engine: UpsertEngine
) -> None:
    tag = uuid.uuid4().hex[:6]
    area = f"4{int(tag, 16) % 90 + 10}"  # a different number in every run, so earlier data cannot match
    kept = _partner(client, name="Ada (ours)", phone=f"+1 ({area}) 555-0123")
    national = _partner(client, name="Grace", phone=f"{area}.555.0144")
    twins = [_partner(client, name=f"Twin {n}", phone=f"+1 {area} 555 0155") for n in (1, 2)]
    mailed = _partner(client, name="Mail only", email=f"Only.{tag}@Example.org")
    clerk = odoo.user_partner(f"clerk.{tag}", "Clerk")
    client.call("res.partner", "write", ids=[clerk], vals={"phone": f"+1 {area} 555 0188"})
    people = [
        {"id": f"p1{tag}", "updated_at": UPDATED, "phone": f"+1{area}5550123", "name": "Ada Lovelace"},
        {"id": f"p2{tag}", "updated_at": UPDATED, "phone": f"+1{area}5550144"},
        {"id": f"p3{tag}", "updated_at": UPDATED, "phone": f"+1{area}5550155", "name": "Twin"},
        {"id": f"p4{tag}", "updated_at": UPDATED, "phone": f"+1{area}5550166", "email": f"only.{tag}@example.org"},
        {"id": f"p5{tag}", "updated_at": UPDATED, "phone": f"+1{area}5550177", "name": "New Person"},
        {"id": f"p6{tag}", "updated_at": UPDATED, "phone": f"+1{area}5550188", "email": f"eve.{tag}@evil.example"},
    ]
    before = client.call("res.partner", "search_count", domain=[])
    result = engine.upsert(CONTACTS, people)
    assert (result.matched, result.created, result.ambiguous, result.failures) == (4, 1, [f"p3{tag}"], [])
    bound = engine.binder.get_many(CONTACTS.name, [p["id"] for p in people])
    assert [bound[f"p{n}{tag}"].odoo_id for n in (1, 2, 4, 6)] == [kept, national, mailed, clerk]
    assert f"p3{tag}" not in bound and client.call("res.partner", "search_count", domain=[]) == before + 1
    # what the people in Odoo wrote stays as they wrote it: linked, filled where empty, never replaced
    found = client.call("res.partner", "read", ids=[kept, national, mailed, clerk],
                        fields=["name", "email", "phone"])  # fmt: skip
    assert [(p["name"], p["email"] or None, p["phone"] or None) for p in found] == [
        ("Ada (ours)", None, f"+1 ({area}) 555-0123"),
        ("Grace", None, f"{area}.555.0144"),
        ("Mail only", f"Only.{tag}@Example.org", f"+1{area}5550166"),  # its empty phone filled
        ("Clerk", None, f"+1 {area} 555 0188"),  # an Odoo user's partner: not even its empty email
    ]
    assert sorted(twins) == sorted(
        int(i) for i in engine.binder.ambiguous(CONTACTS.name)[f"p3{tag}"].partner_ids.split(",")
    )
    again = engine.upsert(CONTACTS, people)
    assert (again.created, again.matched, again.unchanged) == (0, 0, 5)


def test_a_matched_partner_stays_odoos_when_the_ledger_is_lost(
    client: OdooClient, engine: UpsertEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Odoo keeps the mark (``noupdate`` on the external id) through ``load``: a new, empty ledger
    still finds the partner Odoo's, fills only what is empty, and replaces nothing."""
    tag = uuid.uuid4().hex[:6]
    area = f"4{int(tag, 16) % 90 + 10}"
    kept = _partner(client, name="Hand Written", phone=f"+1 ({area}) 555-0111")
    person = {"id": f"p1{tag}", "updated_at": UPDATED, "phone": f"+1{area}5550111", "name": "Plat Form"}
    assert engine.upsert(CONTACTS, [person]).matched == 1
    monkeypatch.setattr(upsert, "IN_FLIGHT", timedelta(seconds=-60))  # every id counts as settled
    ledger = Ledger(f"sqlite:///{tmp_path / 'lost.db'}")
    ledger.upgrade()
    lost = UpsertEngine(client, Binder(ledger), PartnerMatcher(client, "US"))
    later = {**person, "updated_at": "2026-02-01T00:00:00Z", "email": f"plat.{tag}@form.example"}
    result = lost.upsert(CONTACTS, [{**later, "phone": f"+1{area}5550199"}])
    assert (result.created, result.matched, result.failures) == (0, 0, [])
    [row] = client.call("res.partner", "read", ids=[kept], fields=["name", "email", "phone"])
    assert (row["name"], row["email"], row["phone"]) == ("Hand Written", later["email"], f"+1 ({area}) 555-0111")
    assert lost.binder.get_many(CONTACTS.name, [person["id"]])[person["id"]].owner == "odoo"
