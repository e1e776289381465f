"""Calls in the sales pipeline where CRM is installed: bootstrap says what it set up (or skipped),
a call links to its contact's open lead or opportunity, the lead rule makes one lead per
qualifying call and never two, and a callback request schedules one "Call" activity."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.call_pipeline import CALLBACKS, LEADS
from shared.entities import ENTITIES
from shared.odoo import OdooClient
from shared.odoo_owned import CALL_MODEL, LEAD_CALLS_FIELD, LEAD_FIELD, LEAD_MODEL
from shared.odoo_setup import Bootstrap
from shared.services import Services
from tests.odoo_contract.conftest import OdooTarget

CALLS, CONTACTS = ENTITIES["calls"], ENTITIES["contacts"]


def test_without_crm_bootstrap_says_it_skipped_the_pipeline(client: OdooClient) -> None:
    report = Bootstrap(client).run()
    assert any("CRM is not installed" in line for line in report.skipped), report.skipped
    assert LEAD_FIELD not in client.call(CALL_MODEL, "fields_get", attributes=["type"])


@pytest.mark.crm
def test_bootstrap_links_calls_and_leads_where_crm_is_installed(client: OdooClient) -> None:
    report = Bootstrap(client, "the rules").run()
    assert any(line.startswith("CRM: ") and "the rules" in line for line in report.notes), report.notes
    assert not any("CRM" in line for line in report.skipped)
    field = client.call(CALL_MODEL, "fields_get", attributes=["type", "relation"])[LEAD_FIELD]
    assert (field["type"], field["relation"]) == ("many2one", LEAD_MODEL)
    lead_form = client.call(LEAD_MODEL, "get_views", views=[[False, "form"]])["views"]["form"]["arch"]
    assert LEAD_CALLS_FIELD in lead_form and "Voice calls" in lead_form
    call_form = client.call(CALL_MODEL, "get_views", views=[[False, "form"]])["views"]["form"]["arch"]
    assert f'name="{LEAD_FIELD}"' in call_form
    assert Bootstrap(client, "the rules").run().changes == []


def _contact(services: Services, tag: str, **values: Any) -> tuple[dict[str, Any], int]:
    contact = {"id": f"p{tag}", "updated_at": "2026-12-01T10:00:00Z", "name": f"Jonas {tag}", **values}
    services.engine.upsert(CONTACTS, [contact])
    return contact, services.binder.get_many(CONTACTS.name, [contact["id"]])[contact["id"]].odoo_id


def _ended(platform_id: str, contact: str, **values: Any) -> dict[str, Any]:
    return {
        "id": platform_id,
        "updated_at": "2026-12-01T10:15:00Z",
        "contact_id": contact,
        "direction": "outbound",
        "status": "ended",
        "started_at": "2026-12-01T10:01:00Z",
        "ended_at": "2026-12-01T10:14:32Z",
        "duration_seconds": 812,
        "ended_reason": "customer-ended-call",
        "summary": "Talked about the renewal.",
        **values,
    }


def _lead_of(services: Services, platform_id: str) -> int | bool:
    call = services.binder.get_many(CALLS.name, [platform_id])[platform_id].odoo_id
    [row] = services.odoo.call(CALL_MODEL, "read", ids=[call], fields=[LEAD_FIELD])
    return row[LEAD_FIELD][0] if row[LEAD_FIELD] else False


def _leads(client: OdooClient, partner: int) -> list[dict[str, Any]]:
    return client.call(
        LEAD_MODEL,
        "search_read",
        domain=[("partner_id", "=", partner)],
        fields=["name", "user_id", "campaign_id", "description"],
        context={"active_test": False},
    )


@pytest.mark.crm
def test_a_call_links_to_its_contacts_open_opportunity_not_a_won_or_lost_one(services: Services) -> None:
    client = services.odoo
    Bootstrap(client).run()
    tag = uuid.uuid4().hex[:8]
    contact, partner = _contact(services, tag)
    [open_one, won, lost] = [
        client.call(LEAD_MODEL, "create", vals_list=[{"name": f"{name} {tag}", "partner_id": partner}])[0]
        for name in ("Renewal", "Last year", "Upsell")
    ]
    client.call(LEAD_MODEL, "action_set_won", ids=[won])
    client.call(LEAD_MODEL, "action_set_lost", ids=[lost])
    call = _ended(f"c{tag}", contact["id"], success_evaluation="true")  # qualifies, but an opportunity is open
    services.engine.upsert(CALLS, [call])
    assert _lead_of(services, call["id"]) == open_one
    assert len(_leads(client, partner)) == 3  # no lead made beside the open one
    [tab] = client.call(LEAD_MODEL, "read", ids=[open_one], fields=[LEAD_CALLS_FIELD])
    assert len(tab[LEAD_CALLS_FIELD]) == 1  # the opportunity's "Voice calls" tab lists it


@pytest.mark.crm
def test_the_lead_rule_makes_one_lead_per_qualifying_call_never_two(services: Services) -> None:
    client, engine = services.odoo, services.engine
    Bootstrap(client).run()
    tag = uuid.uuid4().hex[:8]
    # made by voicesync: a caller Odoo did not know; with an email, which Odoo 19 enriches a new
    # lead from at once, in a job of its own that updates the lead as voicesync links its calls
    contact, partner = _contact(services, tag, email=f"jonas.{tag}@dubois-{tag}.fr")
    first = _ended(f"a{tag}", contact["id"], direction="inbound", summary="Wants a <quote>.")
    second = _ended(f"b{tag}", contact["id"], direction="inbound", updated_at="2026-12-01T10:20:00Z")
    engine.upsert(CALLS, [first, second])
    [lead] = _leads(client, partner)
    assert lead["name"] == f"Jonas {tag} (inbound AI call)" and "Wants a &lt;quote&gt;." in lead["description"]
    assert lead["user_id"] is False  # the contact has no salesperson: the sales team's rules assign it
    assert _lead_of(services, first["id"]) == _lead_of(services, second["id"]) == lead["id"]

    engine.upsert(CALLS, [{**first, "updated_at": "2026-12-01T11:00:00Z", "summary": "Quote sent."}])
    engine.upsert(CALLS, [first, second])  # a replay of older versions: nothing
    assert [row["id"] for row in _leads(client, partner)] == [lead["id"]]

    client.call(LEAD_MODEL, "action_set_lost", ids=[lead["id"]])
    engine.upsert(CALLS, [{**first, "updated_at": "2026-12-01T12:00:00Z", "summary": "Lost to a rival."}])
    assert len(_leads(client, partner)) == 1, "a call that made a lead never makes another"
    assert set(services.binder.get_many(LEADS, [first["id"], second["id"]])) == {first["id"]}

    third = _ended(f"c{tag}", contact["id"], direction="inbound", updated_at="2026-12-02T09:00:00Z")
    engine.upsert(CALLS, [third])  # the caller calls again, their lead lost: a new one
    assert len(_leads(client, partner)) == 2


@pytest.mark.crm
def test_a_call_that_does_not_qualify_makes_no_lead(services: Services) -> None:
    client = services.odoo
    Bootstrap(client).run()
    tag = uuid.uuid4().hex[:8]
    known = client.call("res.partner", "create", vals_list=[{"name": f"Known {tag}", "phone": "+14155550123"}])[0]
    contact, partner = _contact(services, tag, phone="+1 415 555 0123")
    assert partner == known  # matched: Odoo knew this caller
    services.engine.upsert(CALLS, [_ended(f"i{tag}", contact["id"], direction="inbound")])
    services.engine.upsert(CALLS, [_ended(f"o{tag}", contact["id"], success_evaluation="false")])
    assert _leads(client, partner) == []


@pytest.mark.crm
def test_a_callback_request_schedules_one_call_activity_for_the_salesperson(
    services: Services, odoo: OdooTarget
) -> None:
    client, engine = services.odoo, services.engine
    Bootstrap(client).run()
    tag = uuid.uuid4().hex[:8]
    odoo.user_partner(f"seller-{tag}", f"Seller {tag}")
    [salesperson] = client.call("res.users", "search", domain=[("login", "=", f"seller-{tag}")])
    contact, partner = _contact(services, tag)
    client.call("res.partner", "write", ids=[partner], vals={"user_id": salesperson})
    call = _ended(f"k{tag}", contact["id"], structured_data={"callbackRequested": True}, success_evaluation="false")
    engine.upsert(CALLS, [call])
    assert _leads(client, partner) == []  # a callback alone makes no lead by default
    activities = _activities(client, partner)
    assert [(a["res_model"], a["user_id"][0]) for a in activities] == [("res.partner", salesperson)]
    [kind] = client.call(
        "ir.model.data",
        "search_read",
        domain=[("module", "=", "mail"), ("name", "=", "mail_activity_data_call")],
        fields=["res_id"],
    )
    assert activities[0]["activity_type_id"][0] == kind["res_id"]

    engine.upsert(CALLS, [{**call, "updated_at": "2026-12-01T11:00:00Z", "summary": "Call back Friday."}])
    assert len(_activities(client, partner)) == 1
    client.call("mail.activity", "unlink", ids=[activities[0]["id"]])  # done: Odoo deletes a done activity
    engine.upsert(CALLS, [{**call, "updated_at": "2026-12-01T12:00:00Z", "summary": "Called back."}])
    assert _activities(client, partner) == []
    assert set(services.binder.get_many(CALLBACKS, [call["id"]])) == {call["id"]}


def _activities(client: OdooClient, partner: int) -> list[dict[str, Any]]:
    return client.call(
        "mail.activity",
        "search_read",
        domain=[("res_model", "=", "res.partner"), ("res_id", "=", partner)],
        fields=["res_model", "user_id", "activity_type_id", "summary"],
    )
