"""``load`` by external id, the links between records, archiving, and quiet bulk writes."""

from __future__ import annotations

import uuid

import pytest

from shared.odoo import OdooClient
from shared.odoo_setup import Bootstrap


def _xmlid(kind: str) -> str:
    return f"voicesync.{kind}_contract{uuid.uuid4().hex[:8]}"


@pytest.fixture
def bootstrapped(client: OdooClient) -> OdooClient:
    Bootstrap(client).run()
    return client


def _load(client: OdooClient, model: str, fields: list[str], rows: list[list[str]]) -> dict:
    return client.write_quietly(model, "load", fields=fields, data=rows)


def test_load_creates_then_updates_the_same_record_by_external_id(client: OdooClient) -> None:
    xmlid = _xmlid("contact")
    first = _load(client, "res.partner", ["id", "name", "phone", "active"], [[xmlid, "Ada", "+1 555 0100", "1"]])
    assert first["messages"] == [] and len(first["ids"]) == 1
    again = _load(client, "res.partner", ["id", "name", "phone", "active"], [[xmlid, "Ada L", "+1 555 0100", "1"]])
    assert again["ids"] == first["ids"]
    [row] = client.call("res.partner", "read", ids=first["ids"], fields=["name", "phone"])
    assert row["name"] == "Ada L"
    module, name = xmlid.split(".")
    [data] = client.call(
        "ir.model.data", "search_read", domain=[("module", "=", module), ("name", "=", name)], fields=["res_id"]
    )
    assert data["res_id"] == first["ids"][0]


def test_load_refuses_a_bad_row_with_a_message_and_writes_nothing(client: OdooClient) -> None:
    good, bad = _xmlid("contact"), _xmlid("contact")
    answer = _load(client, "res.partner", ["id", "name"], [[good, "Good"], [bad, ""]])
    assert not answer["ids"] and answer["messages"]
    module = good.split(".")[0]
    names = [good.split(".")[1], bad.split(".")[1]]
    assert not client.call("ir.model.data", "search", domain=[("module", "=", module), ("name", "in", names)])


def test_a_call_links_to_its_partner_and_campaign_by_external_id(bootstrapped: OdooClient) -> None:
    partner, campaign, call = _xmlid("contact"), _xmlid("campaign"), _xmlid("call")
    _load(bootstrapped, "res.partner", ["id", "name"], [[partner, "Grace"]])
    _load(bootstrapped, "utm.campaign", ["id", "name", "title"], [[campaign, campaign, "Spring"]])
    answer = _load(
        bootstrapped,
        "x_voicesync_call",
        ["id", "x_name", "x_partner_id/id", "x_campaign_id/id", "x_started_at", "x_duration_seconds", "x_active"],
        [[call, "call-1", partner, campaign, "2026-11-30 10:00:00", "42", "1"]],
    )
    assert answer["messages"] == [], answer["messages"]
    [row] = bootstrapped.call(
        "x_voicesync_call", "read", ids=answer["ids"], fields=["x_partner_id", "x_campaign_id", "x_duration_seconds"]
    )
    assert row["x_partner_id"][1] == "Grace" and row["x_campaign_id"][1] == "Spring"
    assert row["x_duration_seconds"] == 42
    [partner_row] = bootstrapped.call(
        "res.partner", "read", ids=[row["x_partner_id"][0]], fields=["x_voicesync_call_ids"]
    )
    assert partner_row["x_voicesync_call_ids"] == answer["ids"]


@pytest.mark.parametrize(
    ("model", "fields", "row"),
    [
        ("res.partner", ["id", "name", "active"], ["Archived person", "1"]),
        ("utm.campaign", ["id", "name", "title", "active"], ["contract-campaign", "Archived campaign", "1"]),
    ],
)
def test_partners_and_campaigns_archive_through_active(
    client: OdooClient, model: str, fields: list[str], row: list[str], odoo_major: int
) -> None:
    if "active" not in client.fields_of(model):
        assert (model, odoo_major) == ("utm.campaign", 16)  # the only model and version without it
        pytest.skip(f"Odoo {odoo_major}'s {model} has no active field: a campaign gone from the platform stays")
    xmlid = _xmlid("record")
    answer = _load(client, model, fields, [[xmlid, *row]])
    client.write_quietly(model, "write", ids=answer["ids"], vals={"active": False})
    assert not client.call(model, "search", domain=[("id", "in", answer["ids"])])
    hidden = client.call(model, "search", domain=[("id", "in", answer["ids"])], context={"active_test": False})
    assert hidden == answer["ids"]
    revived = _load(client, model, fields, [[xmlid, *row]])  # the platform serves it again
    assert revived["ids"] == answer["ids"]
    assert client.call(model, "search", domain=[("id", "in", revived["ids"])]) == revived["ids"]


def test_quiet_bulk_writes_leave_no_chatter_messages_or_followers(client: OdooClient) -> None:
    rows = [[_xmlid("contact"), f"Quiet {n}", f"+1 555 01{n:02d}"] for n in range(5)]
    created = _load(client, "res.partner", ["id", "name", "phone"], rows)
    _load(client, "res.partner", ["id", "name", "phone"], [[r[0], r[1] + " again", r[2]] for r in rows])
    client.write_quietly("res.partner", "write", ids=created["ids"], vals={"active": False})
    domain = [("model", "=", "res.partner"), ("res_id", "in", created["ids"])]
    assert client.call("mail.message", "search_count", domain=domain) == 0
    followers = [("res_model", "=", "res.partner"), ("res_id", "in", created["ids"])]
    assert client.call("mail.followers", "search_count", domain=followers) == 0


def test_without_the_quiet_context_odoo_logs_each_created_partner(client: OdooClient) -> None:
    """The control for the test above: real Odoo writes a message per partner created by load."""
    rows = [[_xmlid("contact"), f"Loud {n}"] for n in range(3)]
    created = client.call("res.partner", "load", fields=["id", "name"], data=rows)
    domain = [("model", "=", "res.partner"), ("res_id", "in", created["ids"])]
    assert client.call("mail.message", "search_count", domain=domain) >= len(rows)
