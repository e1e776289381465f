"""Bootstrap on a fresh database, again as a no-op, what Odoo's users then see, and uninstall."""

from __future__ import annotations

import pytest

from shared.odoo import OdooClient, version_major
from shared.odoo_check import check
from shared.odoo_owned import CALL_MODEL, FIELD_LABELS, PARTNER_CALLS_FIELD, PREFIX, owned_records
from shared.odoo_setup import Bootstrap
from tests.odoo_contract.conftest import OdooTarget

MODES = ("read", "write", "create", "unlink")


def _list_type(client: OdooClient) -> str:
    return "list" if version_major(client.version()) >= 18 else "tree"


@pytest.fixture
def bootstrapped(client: OdooClient) -> OdooClient:
    Bootstrap(client).run()
    return client


def test_bootstrap_creates_everything_once_then_changes_nothing(client: OdooClient) -> None:
    first = Bootstrap(client).run()
    created = {change.owned.name for change in first.changes if change.verb == "create"}
    adopted = {"field_x_name", "call_model_order"}  # Odoo makes x_name; the order is the model's own
    wanted = {item.name for item in owned_records(_list_type(client))} - adopted
    assert wanted <= created, sorted(wanted - created)
    assert {change.owned.name for change in first.changes if change.verb == "update"} == adopted
    assert Bootstrap(client).run().changes == []
    findings = check(client)
    assert all(finding.ok for finding in findings), [str(f) for f in findings if not f.ok]


def test_the_integration_user_can_use_the_call_model_right_after_bootstrap(bootstrapped: OdooClient) -> None:
    for mode in MODES:
        allowed = bootstrapped.call("ir.model.access", "check", model=CALL_MODEL, mode=mode, raise_exception=False)
        assert allowed, f"{mode} refused"
    created = bootstrapped.call(CALL_MODEL, "create", vals_list=[{"x_name": "contract-call", "x_status": "ended"}])
    ids = created if isinstance(created, list) else [created]
    bootstrapped.call(CALL_MODEL, "write", ids=ids, vals={"x_status": "analyzed"})
    [row] = bootstrapped.call(CALL_MODEL, "read", ids=ids, fields=["x_name", "x_status", "x_active"])
    assert (row["x_name"], row["x_status"], row["x_active"]) == ("contract-call", "analyzed", True)


def test_a_second_bootstrap_repairs_what_voicesync_owns_and_nothing_else(bootstrapped: OdooClient) -> None:
    [label] = bootstrapped.call(
        "ir.model.fields", "search", domain=[("model", "=", CALL_MODEL), ("name", "=", "x_summary")]
    )
    bootstrapped.call("ir.model.fields", "write", ids=[label], vals={"field_description": "Edited by hand"})
    partner_label = bootstrapped.call(
        "ir.model.fields",
        "search_read",
        domain=[("model", "=", "res.partner"), ("name", "=", "phone")],
        fields=["field_description"],
    )[0]
    report = Bootstrap(bootstrapped).run()
    assert [(c.verb, c.owned.name, c.fields) for c in report.changes] == [
        ("update", "field_x_summary", ("field_description",))
    ]
    [after] = bootstrapped.call("ir.model.fields", "read", ids=[label], fields=["field_description"])
    assert after["field_description"] == FIELD_LABELS["x_summary"]
    assert (
        bootstrapped.call("ir.model.fields", "read", ids=[partner_label["id"]], fields=["field_description"])[0][
            "field_description"
        ]
        == partner_label["field_description"]
    )


def test_calls_have_labels_an_indexed_partner_link_views_an_action_and_a_menu(bootstrapped: OdooClient) -> None:
    described = bootstrapped.call(CALL_MODEL, "fields_get", attributes=["string", "type", "relation"])
    for name, label in FIELD_LABELS.items():
        assert described[name]["string"] == label, name
    assert described["x_partner_id"]["relation"] == "res.partner"
    [link] = bootstrapped.call(
        "ir.model.fields",
        "search_read",
        domain=[("model", "=", CALL_MODEL), ("name", "=", "x_partner_id")],
        fields=["index"],
    )
    assert link["index"] is True
    kind = _list_type(bootstrapped)
    views = bootstrapped.call(CALL_MODEL, "get_views", views=[[False, kind], [False, "form"], [False, "search"]])
    for view_type, field_name in ((kind, "x_recording_url"), ("form", "x_summary"), ("search", "x_partner_id")):
        assert f'name="{field_name}"' in views["views"][view_type]["arch"], view_type
    [action] = bootstrapped.call(
        "ir.actions.act_window", "search_read", domain=[("res_model", "=", CALL_MODEL)], fields=["view_mode"]
    )
    assert action["view_mode"].split(",")[0] == kind
    menus = bootstrapped.call("ir.ui.menu", "search_read", domain=[("name", "=", "Calls")], fields=["action"])
    assert f"ir.actions.act_window,{action['id']}" in [m["action"] for m in menus]


def test_the_partner_form_shows_the_partners_calls(bootstrapped: OdooClient) -> None:
    form = bootstrapped.call("res.partner", "get_views", views=[[False, "form"]])["views"]["form"]["arch"]
    assert f'name="{PARTNER_CALLS_FIELD}"' in form and "Voice calls" in form
    described = bootstrapped.call("res.partner", "fields_get", allfields=[PARTNER_CALLS_FIELD], attributes=["type"])
    assert described[PARTNER_CALLS_FIELD]["type"] == "one2many"


def test_uninstall_removes_everything_bootstrap_made(bootstrapped: OdooClient, odoo: OdooTarget) -> None:
    report = Bootstrap(bootstrapped).uninstall()
    removed = {change.owned.name for change in report.changes}
    assert {"call_model", "view_partner_calls", "action_calls", "menu_root"} <= removed
    assert not bootstrapped.call("ir.model", "search", domain=[("model", "=", CALL_MODEL)])
    assert not bootstrapped.call(
        "ir.model.data", "search", domain=[("module", "=", "voicesync"), ("name", "=like", f"{PREFIX}%")]
    )
    assert not bootstrapped.call("ir.ui.view", "search", domain=[("name", "=like", "voicesync.%")])
    assert PARTNER_CALLS_FIELD not in bootstrapped.call("res.partner", "fields_get", attributes=["type"])
    assert Bootstrap(bootstrapped).uninstall().changes == []
    again = Bootstrap(bootstrapped).run()
    assert any(change.owned.name == "call_model" and change.verb == "create" for change in again.changes)
