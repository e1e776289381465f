"""The Odoo sandbox's window actions, menus, server actions, automation rules as records, and
installing ``base_automation`` through ``ir.module.module``."""

from __future__ import annotations

from typing import Any

from sandbox.odoo import OdooSandbox
from tests.sandbox.json2 import call, ok, sandbox_per_module  # noqa: F401  (the module-wide odoo fixture)


def model_id(odoo: OdooSandbox, model: str) -> int:
    [found] = ok(odoo, "ir.model", "search", domain=[("model", "=", model)])
    return int(found)


def field_ids(odoo: OdooSandbox, model: str, *names: str) -> list[int]:
    return sorted(ok(odoo, "ir.model.fields", "search", domain=[("model", "=", model), ("name", "in", list(names))]))


def install_automation(odoo: OdooSandbox) -> Any:
    [module] = ok(odoo, "ir.module.module", "search", domain=[("name", "=", "base_automation")])
    return ok(odoo, "ir.module.module", "button_immediate_install", ids=[module])


def test_modules_are_listed_with_their_state(odoo: OdooSandbox) -> None:
    rows = ok(odoo, "ir.module.module", "search_read", domain=[], fields=["name", "state", "shortdesc"])
    states = {row["name"]: row["state"] for row in rows}
    assert states == {
        "base": "installed",
        "web": "installed",
        "mail": "installed",
        "contacts": "installed",
        "utm": "installed",
        "base_automation": "uninstalled",
        "crm": "uninstalled",
    }
    assert {row["name"]: row["shortdesc"] for row in rows}["base_automation"] == "Automation Rules"


def test_window_action_defaults_and_checks(odoo: OdooSandbox) -> None:
    [action] = ok(odoo, "ir.actions.act_window", "create", vals_list=[{"name": "Partners", "res_model": "res.partner"}])
    fields = ["type", "view_mode", "context", "target", "limit", "domain", "path", "search_view_id", "view_id"]
    [read] = ok(odoo, "ir.actions.act_window", "read", ids=[action], fields=fields)
    assert read == {
        "id": action,
        "type": "ir.actions.act_window",
        "view_mode": "list,form",
        "context": "{}",
        "target": "current",
        "limit": 80,
        "domain": False,
        "path": False,
        "search_view_id": False,
        "view_id": False,
    }
    for vals, message in [
        ({"res_model": "x_nope"}, "Invalid model name “x_nope” in action definition."),
        ({"view_mode": "list,list"}, "The modes in view_mode must not be duplicated: ['list', 'list']"),
        ({"path": "Bad Path"}, "The path should contain only lowercase alphanumeric characters"),
        ({"path": "action-x"}, "'action-' is a reserved prefix."),
    ]:
        response = call(odoo, "ir.actions.act_window", "write", ids=[action], vals=vals)
        assert response.json()["name"] == "odoo.exceptions.ValidationError"
        assert response.json()["message"].startswith(message)


def test_actions_share_one_id_sequence(odoo: OdooSandbox) -> None:
    """All action tables inherit ``ir_actions`` in Odoo, so their ids never collide."""
    [window] = ok(odoo, "ir.actions.act_window", "create", vals_list=[{"name": "W", "res_model": "res.partner"}])
    vals = {"name": "S", "model_id": model_id(odoo, "res.partner"), "state": "code"}
    [server] = ok(odoo, "ir.actions.server", "create", vals_list=[vals])
    assert server == window + 1


def test_menus_point_at_actions_through_a_reference(odoo: OdooSandbox) -> None:
    [action] = ok(odoo, "ir.actions.act_window", "create", vals_list=[{"name": "Calls", "res_model": "res.partner"}])
    reference = f"ir.actions.act_window,{action}"
    [root] = ok(odoo, "ir.ui.menu", "create", vals_list=[{"name": "Voice", "sequence": 60, "action": reference}])
    [child] = ok(odoo, "ir.ui.menu", "create", vals_list=[{"name": "Calls", "parent_id": root, "action": reference}])
    [read] = ok(odoo, "ir.ui.menu", "read", ids=[child], fields=["display_name", "action", "sequence", "active"])
    assert read == {"id": child, "display_name": "Voice/Calls", "action": reference, "sequence": 10, "active": True}
    wrong = call(odoo, "ir.ui.menu", "write", ids=[child], vals={"action": f"res.partner,{action}"})
    assert (wrong.status_code, wrong.json()["name"]) == (500, "builtins.ValueError")
    ok(odoo, "ir.ui.menu", "write", ids=[child], vals={"action": "ir.actions.act_window,999999"})
    assert ok(odoo, "ir.ui.menu", "read", ids=[child], fields=["action"])[0]["action"] is False
    assert ok(odoo, "ir.ui.menu", "unlink", ids=[root]) is True  # the child becomes a root menu
    assert ok(odoo, "ir.ui.menu", "read", ids=[child], fields=["parent_id"])[0]["parent_id"] is False


def test_server_action_name_defaults_to_its_type(odoo: OdooSandbox) -> None:
    vals = {"model_id": model_id(odoo, "res.partner"), "state": "webhook", "webhook_url": "http://127.0.0.1:9"}
    [action] = ok(odoo, "ir.actions.server", "create", vals_list=[vals])
    fields = ["name", "type", "usage", "sequence", "webhook_field_ids"]
    assert ok(odoo, "ir.actions.server", "read", ids=[action], fields=fields) == [
        {
            "id": action,
            "name": "Send Webhook Notification",
            "type": "ir.actions.server",
            "usage": "ir_actions_server",
            "sequence": 5,
            "webhook_field_ids": [],
        }
    ]
    ok(odoo, "ir.actions.server", "write", ids=[action], vals={"state": "code"})
    assert ok(odoo, "ir.actions.server", "read", ids=[action], fields=["name"])[0]["name"] == "Execute Code"


def test_automation_needs_its_module() -> None:
    with OdooSandbox() as odoo:
        assert call(odoo, "base.automation", "search", domain=[]).status_code == 404
        assert "base_automation_id" not in ok(odoo, "ir.actions.server", "fields_get")
        usage = ok(odoo, "ir.actions.server", "fields_get", allfields=["usage"])["usage"]["selection"]
        assert ["base_automation", "Automation Rule"] not in usage
        assert install_automation(odoo) == {"type": "ir.actions.act_url", "target": "self", "url": "/odoo"}
        [state] = ok(
            odoo, "ir.module.module", "search_read", domain=[("name", "=", "base_automation")], fields=["state"]
        )
        assert state["state"] == "installed"
        info = ok(odoo, "ir.actions.server", "fields_get", allfields=["base_automation_id", "usage"])
        assert info["base_automation_id"]["relation"] == "base.automation"
        assert ["base_automation", "Automation Rule"] in info["usage"]["selection"]
        xmlid = ok(
            odoo, "ir.model.data", "search_read", domain=[("name", "=", "model_base_automation")], fields=["module"]
        )
        assert xmlid[0]["module"] == "base_automation"
        assert install_automation(odoo)["type"] == "ir.actions.act_url"  # installing again changes nothing


def test_automation_rule_records() -> None:
    with OdooSandbox(modules=["contacts", "utm", "base_automation"]) as odoo:
        partner = model_id(odoo, "res.partner")
        tracked = field_ids(odoo, "res.partner", "name", "email")
        base = {"name": "push", "model_id": partner, "trigger": "on_create_or_write"}
        [given] = ok(odoo, "base.automation", "create", vals_list=[{**base, "trigger_field_ids": [(6, 0, tracked)]}])
        [computed] = ok(
            odoo, "base.automation", "create", vals_list=[{**base, "filter_domain": "[('email', '!=', False)]"}]
        )
        [plain] = ok(odoo, "base.automation", "create", vals_list=[{**base, "trigger": "on_write"}])
        fields = ["trigger_field_ids", "filter_domain", "filter_pre_domain", "active", "action_server_ids"]
        rows = {
            row["id"]: row for row in ok(odoo, "base.automation", "read", ids=[given, computed, plain], fields=fields)
        }
        assert sorted(rows[given]["trigger_field_ids"]) == tracked
        assert rows[computed]["trigger_field_ids"] == field_ids(odoo, "res.partner", "email")
        assert (rows[plain]["trigger_field_ids"], rows[plain]["filter_domain"], rows[plain]["active"]) == (
            [],
            False,
            True,
        )
        action = {
            "name": "notify",
            "model_id": partner,
            "state": "webhook",
            "usage": "base_automation",
            "base_automation_id": given,
            "webhook_url": "http://127.0.0.1:9/hook",
        }
        [server] = ok(odoo, "ir.actions.server", "create", vals_list=[action])
        assert ok(odoo, "base.automation", "read", ids=[given], fields=["action_server_ids"])[0] == {
            "id": given,
            "action_server_ids": [server],
        }
        # a mail.thread: the rule's creation is logged like a partner's
        notes = ok(odoo, "mail.message", "search_read", domain=[("model", "=", "base.automation")], fields=["body"])
        assert {"body": "<p>Automation Rule created</p>"} in [{"body": n["body"]} for n in notes]
        mismatch = call(
            odoo,
            "base.automation",
            "write",
            ids=[given],
            vals={"model_id": model_id(odoo, "utm.campaign"), "trigger": "on_write"},
        )
        assert mismatch.json()["message"] == "Target model of actions notify are different from rule model."
        assert ok(odoo, "base.automation", "unlink", ids=[given]) is True
        assert ok(odoo, "ir.actions.server", "search", domain=[("id", "=", server)]) == []  # ondelete cascade
