"""Automation rules made through the API sending webhooks, as Odoo 19 runs them: triggers,
domains before and after the write, trigger fields, the payload, and when it is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.odoo import OdooSandbox
from sandbox.server import BackgroundServer
from tests.sandbox.json2 import call, ok

API_USER = 2
SOMEONE_ELSE = 1


class Receiver:
    """Records the JSON bodies posted to it (Odoo posts before answering, so no waiting)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.server = BackgroundServer(self.app)

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.bodies.append(json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))))
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    def take(self) -> list[dict[str, Any]]:
        bodies, self.bodies = self.bodies, []
        return bodies


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    with hook.server:
        yield hook


@pytest.fixture(scope="module")
def odoo() -> Iterator[OdooSandbox]:
    with OdooSandbox(modules=["contacts", "utm", "base_automation"]) as sandbox:
        yield sandbox


def partner_fields(odoo: OdooSandbox, *names: str) -> list[int]:
    return list(ok(odoo, "ir.model.fields", "search", domain=[("model", "=", "res.partner"), ("name", "in", names)]))


def rule(
    odoo: OdooSandbox, url: str, webhook_fields: tuple[str, ...] = ("write_date",), **vals: Any
) -> tuple[int, int]:
    """A rule on ``res.partner`` with one webhook action; returns (rule id, action id)."""
    [partner] = ok(odoo, "ir.model", "search", domain=[("model", "=", "res.partner")])
    [rule_id] = ok(odoo, "base.automation", "create", vals_list=[{"name": "rule", "model_id": partner, **vals}])
    action = {
        "name": "notify",
        "model_id": partner,
        "state": "webhook",
        "usage": "base_automation",
        "base_automation_id": rule_id,
        "webhook_url": url,
        "webhook_field_ids": [(6, 0, partner_fields(odoo, *webhook_fields))],
    }
    [action_id] = ok(odoo, "ir.actions.server", "create", vals_list=[action])
    return rule_id, action_id


@pytest.fixture
def clean(odoo: OdooSandbox, receiver: Receiver) -> Iterator[None]:
    yield
    rules = ok(odoo, "base.automation", "search", domain=[], context={"active_test": False})
    if rules:
        ok(odoo, "base.automation", "unlink", ids=rules)
    odoo.set_webhooks([])
    receiver.take()


def test_the_projects_rule_reports_other_users_edits_of_watched_fields(
    odoo: OdooSandbox, receiver: Receiver, clean: None
) -> None:
    _rule_id, action_id = rule(
        odoo,
        receiver.server.url,
        trigger="on_create_or_write",
        trigger_field_ids=[(6, 0, partner_fields(odoo, "name", "email", "phone"))],
        filter_domain=f"[('write_uid', '!=', {API_USER})]",
    )
    [partner] = ok(odoo, "res.partner", "create", vals_list=[{"name": "Synced"}])
    ok(odoo, "res.partner", "write", ids=[partner], vals={"name": "Synced again"})
    assert receiver.take() == []  # the API user's own changes are filtered out
    odoo.write("res.partner", [partner], {"email": "edited@x.test"})  # a hand edit: someone else's
    [body] = receiver.take()
    [written] = odoo.records("res.partner", [("id", "=", partner)], ["write_date"])
    assert body == {
        "_action": f"notify(#{action_id})",
        "_id": partner,
        "_model": "res.partner",
        "id": partner,
        "write_date": written["write_date"],
    }
    odoo.write("res.partner", [partner], {"ref": "R1"}, uid=SOMEONE_ELSE)  # not a trigger field
    odoo.write("res.partner", [partner], {"email": "edited@x.test"}, uid=SOMEONE_ELSE)  # same value
    odoo.write("res.partner", [partner], {"email": "own@x.test"}, uid=API_USER)  # the API user's
    assert receiver.take() == []
    [attempt] = [d for d in odoo.webhook_deliveries() if d["body"] == body]
    assert (attempt["status"], attempt["error"], attempt["url"]) == (200, None, receiver.server.url)


def test_create_triggers_fire_for_load_rows_and_write_triggers_do_not(
    odoo: OdooSandbox, receiver: Receiver, clean: None
) -> None:
    rule(odoo, receiver.server.url, ("name", "email"), trigger="on_create")
    loaded = ok(odoo, "res.partner", "load", fields=["name", "email"], data=[["L1", "l1@x.test"], ["L2", ""]])
    assert sorted((b["_id"], b["name"], b["email"]) for b in receiver.take()) == [
        (loaded["ids"][0], "L1", "l1@x.test"),
        (loaded["ids"][1], "L2", False),
    ]
    ok(odoo, "res.partner", "write", ids=loaded["ids"], vals={"phone": "+1"})
    assert receiver.take() == []


def test_pre_domain_is_checked_before_the_write(odoo: OdooSandbox, receiver: Receiver, clean: None) -> None:
    rule(odoo, receiver.server.url, trigger="on_write", filter_pre_domain="[('email', '=', False)]")
    [partner] = ok(odoo, "res.partner", "create", vals_list=[{"name": "Pre"}])
    ok(odoo, "res.partner", "write", ids=[partner], vals={"email": "first@x.test"})
    assert [b["_id"] for b in receiver.take()] == [partner]
    ok(odoo, "res.partner", "write", ids=[partner], vals={"email": "second@x.test"})
    assert receiver.take() == []


def test_archived_rules_and_other_models_do_nothing(odoo: OdooSandbox, receiver: Receiver, clean: None) -> None:
    rule_id, _action = rule(odoo, receiver.server.url, trigger="on_create")
    ok(odoo, "utm.campaign", "create", vals_list=[{"name": "Not a partner"}])
    ok(odoo, "base.automation", "write", ids=[rule_id], vals={"active": False})
    ok(odoo, "res.partner", "create", vals_list=[{"name": "Unwatched"}])
    assert receiver.take() == []


def test_unlink_trigger_runs_before_the_record_goes(odoo: OdooSandbox, receiver: Receiver, clean: None) -> None:
    rule(odoo, receiver.server.url, ("name",), trigger="on_unlink")
    [partner] = ok(odoo, "res.partner", "create", vals_list=[{"name": "Leaving"}])
    ok(odoo, "res.partner", "unlink", ids=[partner])
    assert [(b["_id"], b["name"]) for b in receiver.take()] == [(partner, "Leaving")]


def test_a_failed_call_sends_nothing_but_a_failed_load_still_sends(
    odoo: OdooSandbox, receiver: Receiver, clean: None
) -> None:
    """Webhooks are post-commit callbacks: a rolled-back call drops them, while ``load`` only
    rolls back to a savepoint, which keeps what its good rows queued, as in Odoo."""
    rule(odoo, receiver.server.url, ("name",), trigger="on_create")
    refused = call(odoo, "res.partner", "create", vals_list=[{"name": "Fine"}, {"email": "no name"}])
    assert refused.status_code == 422 and receiver.take() == []
    failed = ok(odoo, "res.partner", "load", fields=["name", "is_company"], data=[["Good", "1"], ["Bad", "maybe"]])
    assert failed["ids"] is False
    assert [b["name"] for b in receiver.take()] == ["Good"]
    assert odoo.records("res.partner", [("name", "=", "Good")]) == []


def test_an_action_without_url_fails_the_write(odoo: OdooSandbox, receiver: Receiver, clean: None) -> None:
    rule(odoo, "", trigger="on_create")
    response = call(odoo, "res.partner", "create", vals_list=[{"name": "Nowhere"}])
    assert (response.status_code, response.json()["name"]) == (422, "odoo.exceptions.UserError")
    assert response.json()["message"].startswith("I'll be happy to send a webhook for you")
    assert odoo.records("res.partner", [("name", "=", "Nowhere")]) == []


def test_an_action_on_another_model_has_warnings(odoo: OdooSandbox, receiver: Receiver, clean: None) -> None:
    _rule_id, action_id = rule(odoo, receiver.server.url, trigger="on_create")
    [campaign_model] = ok(odoo, "ir.model", "search", domain=[("model", "=", "utm.campaign")])
    ok(odoo, "ir.actions.server", "write", ids=[action_id], vals={"model_id": campaign_model})
    response = call(odoo, "res.partner", "create", vals_list=[{"name": "Warned"}])
    assert response.json()["name"] == "odoo.addons.base.models.ir_actions.ServerActionWithWarningsError"
    assert response.json()["message"] == "Server action notify has one or more warnings, address them first."


def test_shortcut_hooks_and_rules_coexist(odoo: OdooSandbox, receiver: Receiver, clean: None) -> None:
    rule(odoo, receiver.server.url, ("name",), trigger="on_create")
    odoo.set_webhooks([{"model": "res.partner", "url": receiver.server.url, "fields": ["name"], "on": ["create"]}])
    [partner] = ok(odoo, "res.partner", "create", vals_list=[{"name": "Twice"}])
    actions = sorted(b["_action"] for b in receiver.take() if b["_id"] == partner)
    assert actions[0] == "Send Webhook Notification(#1)" and actions[1].startswith("notify(#")
