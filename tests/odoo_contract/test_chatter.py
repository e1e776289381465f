"""The calls in Odoo's chatter: the call model is a mail thread with its analysis tracked and a
chatter on its form (also once an install made before it is bootstrapped again), and an ended
call is one internal note on its contact, written once and edited by a later update."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.call_notes import NOTE_PREFIX
from shared.entities import ENTITIES
from shared.errors import ApiError
from shared.mappers.base import XMLID_MODULE
from shared.odoo import OdooClient
from shared.odoo_owned import CALL_MODEL, TRACKED
from shared.odoo_setup import CHATTER_TAG_SINCE_MAJOR, Bootstrap
from shared.services import Services


class _BootstrapBeforeTheChatter(Bootstrap):
    """Bootstrap as it was before calls had a chatter: what an existing install holds."""

    def chatter(self) -> str | None:
        return None


def _model(client: OdooClient) -> dict[str, Any]:
    [row] = client.call("ir.model", "search_read", domain=[("model", "=", CALL_MODEL)], fields=["is_mail_thread"])
    return row


def _assert_a_thread_with_its_chatter(client: OdooClient, major: int) -> None:
    assert _model(client)["is_mail_thread"] is True
    tracked = client.call(
        "ir.model.fields",
        "search_read",
        domain=[("model", "=", CALL_MODEL), ("name", "in", list(TRACKED))],
        fields=["name", "tracking"],
    )
    assert {row["name"]: row["tracking"] for row in tracked} == TRACKED
    assert {"message_ids", "message_follower_ids"} <= set(client.call(CALL_MODEL, "fields_get", attributes=["type"]))
    form = client.call(CALL_MODEL, "get_views", views=[[False, "form"]])["views"]["form"]["arch"]
    assert ("<chatter" in form) if major >= CHATTER_TAG_SINCE_MAJOR else ("oe_chatter" in form), form[-300:]


def test_the_call_model_is_a_mail_thread_with_its_analysis_tracked_and_a_chatter(
    client: OdooClient, odoo_major: int
) -> None:
    Bootstrap(client).run()
    _assert_a_thread_with_its_chatter(client, odoo_major)
    assert Bootstrap(client).run().done


def test_an_install_made_before_the_chatter_gets_it_and_odoo_keeps_it(client: OdooClient, odoo_major: int) -> None:
    _BootstrapBeforeTheChatter(client).run()
    assert _model(client)["is_mail_thread"] is False
    client.write_quietly(CALL_MODEL, "load", fields=["id", "x_name"], data=[["voicesync.call_before", "before"]])
    report = Bootstrap(client).run()
    assert f"update model {CALL_MODEL} (is_mail_thread)" in [str(change) for change in report.changes]
    _assert_a_thread_with_its_chatter(client, odoo_major)
    assert client.call(CALL_MODEL, "search_count", domain=[("x_name", "=", "before")]) == 1
    with pytest.raises(ApiError, match="Mail Thread"):  # mail's ir.model.write: never back
        client.call("ir.model", "write", ids=[_model(client)["id"]], vals={"is_mail_thread": False})


def _call(platform_id: str, contact: str, updated_at: str, **values: Any) -> dict[str, Any]:
    return {"id": platform_id, "updated_at": updated_at, "contact_id": contact, "direction": "outbound", **values}


def _notes(client: OdooClient, partner: int) -> list[dict[str, Any]]:
    return client.call(
        "mail.message",
        "search_read",
        domain=[("model", "=", "res.partner"), ("res_id", "=", partner), ("message_type", "=", "comment")],
        fields=["body", "subtype_id", "author_id", "date"],
    )


def test_an_ended_call_is_one_note_on_its_contact_and_an_update_edits_it(services: Services) -> None:
    client = services.odoo
    Bootstrap(client).run()
    engine, calls = services.engine, ENTITIES["calls"]
    tag = uuid.uuid4().hex[:8]
    contact = {"id": f"p{tag}", "updated_at": "2026-12-01T10:00:00Z", "name": f"Jonas {tag}"}
    engine.upsert(ENTITIES["contacts"], [contact])
    partner = services.binder.get_many("contacts", [contact["id"]])[contact["id"]].odoo_id
    ringing = _call(f"c{tag}", contact["id"], "2026-12-01T10:00:00Z", status="in-progress")
    queued = _call(f"q{tag}", contact["id"], "2026-12-01T10:00:00Z", status="queued")
    assert engine.upsert(calls, [ringing, queued]).created == 2
    assert _notes(client, partner) == []  # neither has ended
    created = services.binder.get_many("calls", [ringing["id"]])[ringing["id"]].odoo_id
    assert client.call(CALL_MODEL, "read", ids=[created], fields=["message_ids"])[0]["message_ids"] == []  # quiet

    ended = {
        **ringing,
        "updated_at": "2026-12-01T10:15:00Z",
        "status": "ended",
        "started_at": "2026-12-01T10:01:00Z",
        "ended_at": "2026-12-01T10:14:32Z",
        "duration_seconds": 812,
        "ended_reason": "customer-ended-call",
        "summary": "Asked for a <callback> on Friday.",
    }
    assert engine.upsert(calls, [ended]).updated == 1
    [note] = _notes(client, partner)
    call_id = services.binder.get_many("calls", [ended["id"]])[ended["id"]].odoo_id
    assert "Outbound call" in note["body"] and "13:32" in note["body"] and "customer ended call" in note["body"]
    assert "Asked for a &lt;callback&gt; on Friday." in note["body"]
    assert f"/mail/view?model={CALL_MODEL}&amp;res_id={call_id}" in note["body"]
    assert note["date"] == "2026-12-01 10:01:00"
    [subtype] = client.call(
        "ir.model.data", "search_read", domain=[("module", "=", "mail"), ("name", "=", "mt_note")], fields=["res_id"]
    )
    assert note["subtype_id"][0] == subtype["res_id"]  # an internal note: shown to employees, mailed to nobody
    [shown] = client.call("res.partner", "read", ids=[partner], fields=["message_ids"])
    assert note["id"] in shown["message_ids"]  # what the contact's chatter lists
    [call_thread] = client.call(CALL_MODEL, "read", ids=[call_id], fields=["message_ids"])
    assert call_thread["message_ids"], "the analysis arriving is tracked on the call's own chatter"

    analysed = {**ended, "updated_at": "2026-12-01T11:00:00Z", "summary": "Callback booked for Friday 10:00."}
    assert engine.upsert(calls, [analysed]).updated == 1
    assert engine.upsert(calls, [analysed]).unchanged == 1
    [edited] = _notes(client, partner)
    assert edited["id"] == note["id"] and "Callback booked for Friday 10:00." in edited["body"]
    names = client.call(
        "ir.model.data",
        "search_read",
        domain=[("module", "=", XMLID_MODULE), ("model", "=", "mail.message"), ("name", "like", f"{NOTE_PREFIX}_")],
        fields=["name", "res_id"],
    )
    assert [(row["name"], row["res_id"]) for row in names] == [(f"{NOTE_PREFIX}_{ended['id']}", note["id"])]
