"""Bootstrap on a fresh database, again as a no-op, what Odoo's users then see, and uninstall."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared import odoo_owned, odoo_setup
from shared.entities import ENTITIES
from shared.mappers.base import Ref
from shared.mappers.calls import CallMapper
from shared.odoo import OdooClient, version_major
from shared.odoo_check import check
from shared.odoo_owned import CALL_MODEL, FIELD_LABELS, PARTNER_CALLS_FIELD, PREFIX, ArchStyle, owned_records
from shared.odoo_setup import Bootstrap
from shared.upsert import _load_cell
from tests.odoo_contract.conftest import OdooTarget

MODES = ("read", "write", "create", "unlink")


# What the previous version (before outcome, cost, transcript, ...) made: its call fields and views.
V1_FIELDS = {
    "x_name": "char",
    "x_partner_id": "many2one",
    "x_campaign_id": "many2one",
    "x_direction": "char",
    "x_status": "char",
    "x_started_at": "datetime",
    "x_duration_seconds": "integer",
    "x_recording_url": "char",
    "x_summary": "text",
    "x_active": "boolean",
}
V1_LIST = """<list string="Voice calls">
    <field name="x_started_at"/>
    <field name="x_partner_id"/>
    <field name="x_campaign_id" optional="show"/>
    <field name="x_direction"/>
    <field name="x_status"/>
    <field name="x_duration_seconds" optional="show"/>
    <field name="x_summary" optional="hide"/>
    <field name="x_recording_url" widget="url" optional="show"/>
</list>"""
V1_FORM = """<form string="Voice call" create="false">
    <sheet>
        <div class="oe_title"><h1><field name="x_name" readonly="1"/></h1></div>
        <group>
            <group>
                <field name="x_partner_id"/>
                <field name="x_campaign_id"/>
                <field name="x_direction"/>
                <field name="x_status"/>
            </group>
            <group>
                <field name="x_started_at"/>
                <field name="x_duration_seconds"/>
                <field name="x_recording_url" widget="url"/>
                <field name="x_active" invisible="1"/>
            </group>
        </group>
        <notebook><page string="Summary" name="summary"><field name="x_summary"/></page></notebook>
    </sheet>
</form>"""
V1_SEARCH = """<search string="Voice calls">
    <field name="x_partner_id"/>
    <field name="x_campaign_id"/>
    <field name="x_status"/>
    <field name="x_summary"/>
    <filter string="Inbound" name="inbound" domain="[('x_direction', '=', 'inbound')]"/>
    <filter string="Outbound" name="outbound" domain="[('x_direction', '=', 'outbound')]"/>
    <separator/>
    <filter string="Archived" name="archived" domain="[('x_active', '=', False)]"/>
    <group>
        <filter string="Contact" name="by_partner" context="{'group_by': 'x_partner_id'}"/>
        <filter string="Campaign" name="by_campaign" context="{'group_by': 'x_campaign_id'}"/>
        <filter string="Status" name="by_status" context="{'group_by': 'x_status'}"/>
    </group>
</search>"""
V1_PARTNER_TAB = f"""<data>
    <xpath expr="//notebook" position="inside">
        <page string="Voice calls" name="voicesync_calls">
            <field name="{PARTNER_CALLS_FIELD}" readonly="1">
                <list>
                    <field name="x_started_at"/>
                    <field name="x_campaign_id"/>
                    <field name="x_direction"/>
                    <field name="x_status"/>
                    <field name="x_duration_seconds"/>
                    <field name="x_summary"/>
                    <field name="x_recording_url" widget="url"/>
                </list>
            </field>
        </page>
    </xpath>
</data>"""
VIEWS = ("view_call_list", "view_call_form", "view_call_search", "view_partner_calls")


def _style(client: OdooClient) -> ArchStyle:
    return ArchStyle.of(version_major(client.version()))


@pytest.fixture
def bootstrapped(client: OdooClient) -> OdooClient:
    Bootstrap(client).run()
    return client


def test_bootstrap_creates_everything_once_then_changes_nothing(client: OdooClient) -> None:
    first = Bootstrap(client).run()
    created = {change.owned.name for change in first.changes if change.verb == "create"}
    adopted = {"field_x_name", "call_model_order"}  # Odoo makes x_name; the order is the model's own
    wanted = {item.name for item in owned_records(_style(client))} - adopted
    assert wanted <= created, sorted(wanted - created)
    assert {change.owned.name for change in first.changes if change.verb == "update"} == adopted
    assert Bootstrap(client).run().changes == []
    findings = check(client)
    assert all(finding.ok for finding in findings), [str(f) for f in findings if not f.ok]


# What the previous versions did not make at all (issue 22 added them), and the rights they gave.
V1_ABSENT = {
    "group_integration",
    "call_access_integration",
    "field_campaign_calls",
    "view_call_kanban",
    "view_call_calendar",
    "view_call_pivot",
    "view_call_graph",
    "view_campaign_calls",
    "view_partner_call_button",
}
V1_ACTION_VIEW_MODE = "{kind},form"
V1_ORDER = "x_started_at desc, id desc"
CURRENT_RECORDS = odoo_owned.owned_records


def _previous_records(kind: str, kanban_card: str = "card", _chatter: str | None = None) -> list[odoo_owned.Owned]:
    """owned_records as the previous version had them: fewer records, everyone writing calls, and
    no chatter (the call model not yet a mail thread)."""
    previous = []
    for item in CURRENT_RECORDS(kind, kanban_card):
        if item.name in V1_ABSENT:
            continue
        changed = {
            "call_access": {"perm_write": True, "perm_create": True, "perm_unlink": True},
            "action_calls": {"view_mode": V1_ACTION_VIEW_MODE.format(kind=kind)},
            "call_model_order": {"order": V1_ORDER},
        }.get(item.name, {})
        previous.append(replace(item, values={**item.values, **changed}) if changed else item)
    return previous


def test_bootstrap_upgrades_a_database_the_previous_version_bootstrapped(client: OdooClient) -> None:
    """The new call fields are added (no field changes type), the new views, group and rights made,
    the old views rewritten, everyone's write access taken away, the calls kept."""
    with pytest.MonkeyPatch.context() as previous:
        previous.setattr(CallMapper, "fields", V1_FIELDS)
        for name, arch in (("LIST_ARCH", V1_LIST), ("FORM_ARCH", V1_FORM), ("SEARCH_ARCH", V1_SEARCH)):
            previous.setattr(odoo_owned, name, arch)
        previous.setattr(odoo_owned, "PARTNER_TAB_ARCH", V1_PARTNER_TAB)
        previous.setattr(odoo_setup, "owned_records", _previous_records)
        Bootstrap(client).run()
        assert Bootstrap(client).run().changes == []
    created = client.call(CALL_MODEL, "create", vals_list=[{"x_name": "old-call", "x_status": "ended"}])
    [call_id] = created if isinstance(created, list) else [created]
    new_fields = set(CallMapper.fields) - set(V1_FIELDS)
    assert not new_fields & set(client.call(CALL_MODEL, "fields_get", attributes=["type"]))

    upgrade = Bootstrap(client).run()
    changes = {(c.verb, c.owned.name): c.fields for c in upgrade.changes}
    assert {name for verb, name in changes if verb == "create"} == {f"field_{n}" for n in new_fields} | V1_ABSENT
    for view in VIEWS:
        assert changes[("update", view)] == ("arch",), view
    assert changes[("update", "call_access")] == ("perm_write", "perm_create", "perm_unlink")
    assert ("add the integration user to", "group_integration") in changes
    described = client.call(CALL_MODEL, "fields_get", attributes=["string", "type"])
    for name in new_fields:
        assert (described[name]["type"], described[name]["string"]) == (CallMapper.fields[name], FIELD_LABELS[name])
    [row] = client.call(CALL_MODEL, "read", ids=[call_id], fields=["x_name", "x_status"])
    assert (row["x_name"], row["x_status"]) == ("old-call", "ended")
    client.call(CALL_MODEL, "write", ids=[call_id], vals={"x_outcome": "answered"})  # the integration user still can
    kind = _style(client).list_view
    views = client.call(CALL_MODEL, "get_views", views=[[False, kind], [False, "form"], [False, "kanban"]])["views"]
    assert 'name="x_outcome"' in views[kind]["arch"] and 'name="x_platform_id"' in views["form"]["arch"]
    partner_form = client.call("res.partner", "get_views", views=[[False, "form"]])["views"]["form"]["arch"]
    assert 'name="x_outcome"' in partner_form and "oe_stat_button" in partner_form
    assert Bootstrap(client).run().changes == []
    findings = check(client)
    assert all(finding.ok for finding in findings), [str(f) for f in findings if not f.ok]


FULL_CALL = {
    "id": "cl_full",
    "updated_at": "2026-01-02T00:00:00Z",
    "contact_id": "ct_full",
    "direction": "outbound",
    "status": "ended",
    "started_at": "2026-01-02T03:04:05Z",
    "ended_at": "2026-01-02T03:05:47.5+01:00",
    "duration_seconds": 102,
    "ended_reason": "customer-ended-call",
    "summary": "Line one.\nLine two.",
    "transcript": "AI: Hello, Ada — how are you?\nUser: Fine.\r\n\n  indented\tline\nAI: «Bye» 👋\x00",
    "recording_url": "https://example.com/r.wav",
    "success_evaluation": "true",
    "structured_data": {"z": 1, "a": {"y": [3, 1], "b": None}, "note": "line1\nline2"},
    "assistant_id": "asst_7",
    "assistant_name": "Riley",
}


def _load_call(client: OdooClient, values: dict[str, object]) -> dict[str, object]:
    """``values`` written as the upsert engine writes them (one ``load`` row), then ``read`` back."""
    types = CallMapper.fields
    columns = ["id", *(f"{name}/id" if types[name] == "many2one" else name for name in types)]
    row = [ENTITIES["calls"].xmlid(str(values["x_platform_id"])), *(_load_cell(values[n], types[n]) for n in types)]
    answer = client.call(CALL_MODEL, "load", fields=columns, data=[row])
    assert answer["ids"], answer["messages"]
    [read] = client.call(CALL_MODEL, "read", ids=answer["ids"], fields=list(types))
    return {k: v[0] if isinstance(v, list) else v for k, v in read.items() if k != "id"}


@pytest.mark.parametrize("cost", [0.1234, 12345.678901234567, 1e-05, None])
def test_a_loaded_call_reads_back_as_mapped(bootstrapped: OdooClient, cost: float | None) -> None:
    """Floats unrounded (no digits on a manual field), text with its lines, JSON text as written:
    what the drift check compares."""
    answer = bootstrapped.call(
        "res.partner", "load", fields=["id", "name"], data=[[ENTITIES["contacts"].xmlid("ct_full"), "Ada"]]
    )
    values = CallMapper().map({**FULL_CALL, "cost": cost})
    expected = {k: answer["ids"][0] if isinstance(v, Ref) else v for k, v in values.items()}
    assert _load_call(bootstrapped, values) == expected
    assert isinstance(expected["x_cost"], float) and "\n" in str(expected["x_transcript"])


def test_load_refuses_a_nul_which_the_mapper_drops(bootstrapped: OdooClient) -> None:
    row = [ENTITIES["calls"].xmlid("cl_nul"), "cl_nul", "a\x00b"]
    answer = bootstrapped.call(CALL_MODEL, "load", fields=["id", "x_name", "x_transcript"], data=[row])
    assert answer["ids"] is False
    assert [m["message"] for m in answer["messages"]] == [
        "Unknown error during import: <class 'ValueError'>: A string literal cannot contain NUL (0x00) characters."
    ]


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
    kind = _style(bootstrapped).list_view
    views = bootstrapped.call(CALL_MODEL, "get_views", views=[[False, kind], [False, "form"], [False, "search"]])
    shown = ((kind, "x_cost"), ("form", "x_transcript"), ("form", "x_summary"), ("search", "x_ended_reason"))
    for view_type, field_name in shown:
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
