"""The Odoo sandbox's ``mail.thread`` behaviour on ``res.partner``: the creation note and the
creator's follower row, what the context switches off, tracking messages, and cleanup."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.odoo import OdooSandbox

ADMIN_PARTNER = 3  # the API user's partner, author and follower of what it creates


@pytest.fixture(scope="module")
def odoo() -> Iterator[OdooSandbox]:
    with OdooSandbox() as sandbox:
        yield sandbox


def json2(odoo: OdooSandbox, model: str, method: str, **body: Any) -> Any:
    response = requests.post(
        f"{odoo.url}/json/2/{model}/{method}",
        json=body,
        timeout=10,
        headers={"Authorization": f"bearer {odoo.api_key}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def messages(odoo: OdooSandbox, partner: int) -> list[dict[str, Any]]:
    return odoo.records(
        "mail.message",
        [("model", "=", "res.partner"), ("res_id", "=", partner)],
        ["body", "message_type", "author_id"],
    )


def followers(odoo: OdooSandbox, partner: int) -> list[int]:
    rows = odoo.records("mail.followers", [("res_model", "=", "res.partner"), ("res_id", "=", partner)], ["partner_id"])
    return [row["partner_id"][0] for row in rows]


def test_creating_a_partner_logs_a_note_and_subscribes_the_creator(odoo: OdooSandbox) -> None:
    [partner] = json2(odoo, "res.partner", "create", vals_list=[{"name": "Logged"}])
    [note] = messages(odoo, partner)
    assert {k: note[k] for k in ("body", "message_type")} == {
        "body": "<p>Contact created</p>",
        "message_type": "notification",
    }
    assert note["author_id"][0] == ADMIN_PARTNER
    assert followers(odoo, partner) == [ADMIN_PARTNER]
    [read] = json2(odoo, "res.partner", "read", ids=[partner], fields=["message_ids", "message_follower_ids"])
    assert read["message_ids"] == [note["id"]] and len(read["message_follower_ids"]) == 1


@pytest.mark.parametrize(
    ("context", "notes", "subscribed"),
    [
        ({}, 1, True),
        ({"mail_create_nolog": True}, 0, True),
        ({"mail_create_nosubscribe": True}, 1, False),
        ({"tracking_disable": True}, 0, False),
    ],
)
def test_context_switches_as_mail_thread_reads_them(
    odoo: OdooSandbox, context: dict[str, bool], notes: int, subscribed: bool
) -> None:
    [partner] = json2(odoo, "res.partner", "create", vals_list=[{"name": f"Ctx {sorted(context)}"}], context=context)
    assert len(messages(odoo, partner)) == notes
    assert followers(odoo, partner) == ([ADMIN_PARTNER] if subscribed else [])


def test_load_creates_log_the_same_note(odoo: OdooSandbox) -> None:
    result = json2(odoo, "res.partner", "load", fields=["name"], data=[["Loaded one"], ["Loaded two"]])
    assert [len(messages(odoo, partner)) for partner in result["ids"]] == [1, 1]
    quiet = json2(odoo, "res.partner", "load", fields=["name"], data=[["Quiet"]], context={"mail_create_nolog": True})
    assert messages(odoo, quiet["ids"][0]) == []


def test_changing_a_tracked_field_logs_one_message_per_transaction(odoo: OdooSandbox) -> None:
    [partner] = json2(odoo, "res.partner", "create", vals_list=[{"name": "Tracked", "email": "t@x.test"}])
    json2(odoo, "res.partner", "write", ids=[partner], vals={"email": "t@x.test"})  # same value
    json2(odoo, "res.partner", "write", ids=[partner], vals={"is_company": True})  # not tracked
    assert len(messages(odoo, partner)) == 1
    json2(odoo, "res.partner", "write", ids=[partner], vals={"email": "new@x.test", "phone": "+1"})
    json2(odoo, "res.partner", "write", ids=[partner], vals={"name": "Renamed"}, context={"mail_notrack": True})
    json2(odoo, "res.partner", "write", ids=[partner], vals={"name": "Again"}, context={"tracking_disable": True})
    tracked = messages(odoo, partner)
    assert [(m["body"], m["message_type"]) for m in tracked] == [
        ("<p>Contact created</p>", "notification"),
        ("", "notification"),
    ]
    odoo.write("res.partner", [partner], {"phone": "+2"})  # a hand edit is tracked too
    assert len(messages(odoo, partner)) == 3


def test_a_record_created_and_updated_in_one_call_is_not_tracked(odoo: OdooSandbox) -> None:
    rows = [["voicesync.mail_twice", "First"], ["voicesync.mail_twice", "Second"]]
    [created, updated] = json2(odoo, "res.partner", "load", fields=["id", "name"], data=rows)["ids"]
    assert created == updated
    assert len(messages(odoo, created)) == 1


def test_unlinking_a_partner_drops_its_messages_and_followers(odoo: OdooSandbox) -> None:
    [partner] = json2(odoo, "res.partner", "create", vals_list=[{"name": "Doomed"}])
    assert json2(odoo, "res.partner", "unlink", ids=[partner]) is True
    assert messages(odoo, partner) == [] and followers(odoo, partner) == []


def test_without_mail_there_is_no_chatter() -> None:
    with OdooSandbox(modules=["base", "web", "utm"]) as bare:
        assert "message_ids" not in json2(bare, "res.partner", "fields_get")
        response = requests.post(
            f"{bare.url}/json/2/mail.message/search",
            json={"domain": []},
            timeout=10,
            headers={"Authorization": f"bearer {bare.api_key}"},
        )
        assert response.status_code == 404
        assert json2(bare, "res.partner", "create", vals_list=[{"name": "Plain"}])
