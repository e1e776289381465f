"""The Odoo sandbox's ``ir.ui.view``: Odoo's defaults, the seeded partner form, inheritance, and
the arch checks ``_check_xml`` makes at create and write."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.odoo import OdooSandbox
from tests.sandbox.json2 import call, ok, sandbox_per_module  # noqa: F401  (the module-wide odoo fixture)

PARTNER_TAB = """<data>
    <xpath expr="//notebook" position="inside">
        <page string="Voice calls" name="voicesync_calls">
            <field name="x_call_ids" readonly="1">
                <list>
                    <field name="x_name"/>
                    <field name="x_duration"/>
                </list>
            </field>
        </page>
    </xpath>
    <div name="button_box" position="inside">
        <field name="ref" string="Reference"/>
    </div>
</data>"""


def refused(odoo: OdooSandbox, model: str, method: str, **body: Any) -> str:
    response = call(odoo, model, method, **body)
    assert (response.status_code, response.json()["name"]) == (422, "odoo.exceptions.ValidationError"), response.text
    return str(response.json()["message"])


@pytest.fixture(scope="module")
def partner_form(odoo: OdooSandbox) -> int:
    [xmlid] = ok(
        odoo,
        "ir.model.data",
        "search_read",
        domain=[("module", "=", "base"), ("name", "=", "view_partner_form")],
        fields=["model", "res_id"],
    )
    assert xmlid["model"] == "ir.ui.view"
    return int(xmlid["res_id"])


@pytest.fixture(scope="module")
def calls(odoo: OdooSandbox) -> str:
    """``x_call`` with ``x_duration``, and ``res.partner.x_call_ids``."""
    [model_id] = ok(odoo, "ir.model", "create", vals_list=[{"name": "Call", "model": "x_call"}])
    partner_id = ok(odoo, "res.partner", "create", vals_list=[{"name": "unused"}])  # keeps ids apart
    assert partner_id
    fields = [
        {"model_id": model_id, "name": "x_duration", "ttype": "integer", "field_description": "Duration"},
        {"model_id": model_id, "name": "x_partner_id", "ttype": "many2one", "relation": "res.partner"},
    ]
    ok(odoo, "ir.model.fields", "create", vals_list=fields)
    [partner_model] = ok(odoo, "ir.model", "search", domain=[("model", "=", "res.partner")])
    inverse = {"relation": "x_call", "relation_field": "x_partner_id", "field_description": "Calls"}
    ok(
        odoo,
        "ir.model.fields",
        "create",
        vals_list=[{"model_id": partner_model, "name": "x_call_ids", "ttype": "one2many", **inverse}],
    )
    return "x_call"


def test_the_partner_form_is_seeded(odoo: OdooSandbox, partner_form: int) -> None:
    [view] = ok(odoo, "ir.ui.view", "read", ids=[partner_form], fields=["model", "type", "mode", "arch", "inherit_id"])
    assert (view["model"], view["type"], view["mode"], view["inherit_id"]) == ("res.partner", "form", "primary", False)
    assert "<notebook" in view["arch"] and '<div class="oe_button_box" name="button_box"/>' in view["arch"]
    info = ok(odoo, "ir.ui.view", "fields_get", allfields=["arch", "type", "mode"], attributes=["type", "store"])
    assert info["arch"] == {"type": "text", "store": False}
    assert ["list", "List"] in ok(odoo, "ir.ui.view", "fields_get", allfields=["type"])["type"]["selection"]


def test_create_fills_type_name_mode_and_priority(odoo: OdooSandbox, calls: str) -> None:
    arch = '<list string="Calls"><field name="x_name"/><field name="x_duration"/></list>'
    [view] = ok(odoo, "ir.ui.view", "create", vals_list=[{"model": calls, "arch": arch}])
    [read] = ok(odoo, "ir.ui.view", "read", ids=[view], fields=["name", "type", "mode", "priority", "active", "arch"])
    assert read == {
        "id": view,
        "name": "x_call list",
        "type": "list",
        "mode": "primary",
        "priority": 16,
        "active": True,
        "arch": arch,
    }


@pytest.mark.parametrize(
    ("vals", "message"),
    [
        (
            {"arch": '<list><field name="x_name"/><field name="nope"/></list>'},
            'Field "nope" does not exist in model "x_call"',
        ),
        ({"arch": '<list><field name="x_name"></list>'}, "Error while parsing or validating view:\n\n"),
        ({"type": "form", "arch": "<list/>"}, "The root node of a form view should be a <form>, not a <list>"),
        ({"arch": '<list><div class="x"/></list>'}, "List child can only have one of field, button"),
        ({"arch": '<form><field name="x_name" attrs="{}"/></form>'}, 'the "attrs" and "states" attributes'),
        (
            {"arch": '<search><filter name="f" string="F" domain="[(\'x_nope\', \'=\', 1)]"/></search>'},
            'Unknown field "x_call.x_nope" in domain of <filter name="f">',
        ),
        (
            {"arch": '<search><filter name="g" string="G" context="{\'group_by\': \'x_nope:day\'}"/></search>'},
            "Unknown field “x_nope” in \"group_by\" value in context=“{'group_by': 'x_nope:day'}”",
        ),
        (
            {"arch": '<search><filter name="g" string="G" context="{\'group_by\': 1}"/></search>'},
            "\"group_by\" value must be a string context=“{'group_by': 1}”",
        ),
        ({"arch": "<form/>", "mode": "extension"}, "Invalid inheritance mode: if the mode is 'extension'"),
    ],
)
def test_invalid_views_are_refused(odoo: OdooSandbox, calls: str, vals: dict[str, Any], message: str) -> None:
    assert message in refused(odoo, "ir.ui.view", "create", vals_list=[{"name": "bad", "model": calls, **vals}])


def test_an_unknown_root_tag_is_an_invalid_type(odoo: OdooSandbox, calls: str) -> None:
    message = refused(odoo, "ir.ui.view", "create", vals_list=[{"model": calls, "arch": "<tree/>"}])
    assert message.startswith("Invalid view type: 'tree'.")


def test_an_extension_of_the_partner_form(odoo: OdooSandbox, partner_form: int, calls: str) -> None:
    """The subview's fields belong to the one2many's comodel; the button box and notebook exist."""
    vals = {"name": "partner calls", "model": "res.partner", "inherit_id": partner_form, "arch": PARTNER_TAB}
    [view] = ok(odoo, "ir.ui.view", "create", vals_list=[vals])
    [read] = ok(odoo, "ir.ui.view", "read", ids=[view], fields=["type", "mode", "inherit_id"])
    assert (read["type"], read["mode"], read["inherit_id"][0]) == ("form", "extension", partner_form)
    bad = PARTNER_TAB.replace('name="x_duration"', 'name="x_nope"')
    assert 'Field "x_nope" does not exist in model "x_call"' in refused(
        odoo, "ir.ui.view", "write", ids=[view], vals={"arch": bad}
    )
    lost = '<xpath expr="//page[@name=\'nope\']" position="after"><page name="p"/></xpath>'
    message = refused(odoo, "ir.ui.view", "create", vals_list=[{**vals, "name": "lost", "arch": lost}])
    assert message == (
        "Error while parsing or validating view:\n\n"
        "Element '<xpath expr=\"//page[@name='nope']\">' cannot be located in parent view"
    )
    by_label = '<page string="Internal Notes" position="after"><page name="p"/></page>'
    message = refused(odoo, "ir.ui.view", "create", vals_list=[{**vals, "name": "by label", "arch": by_label}])
    assert message.endswith("View inheritance may not use attribute 'string' as a selector.")


def test_fields_still_in_views_cannot_be_deleted(odoo: OdooSandbox, partner_form: int, calls: str) -> None:
    vals = {"name": "partner duration", "model": "res.partner", "inherit_id": partner_form, "arch": PARTNER_TAB}
    [view] = ok(odoo, "ir.ui.view", "create", vals_list=[vals])
    [duration] = ok(odoo, "ir.model.fields", "search", domain=[("model", "=", calls), ("name", "=", "x_duration")])
    response = call(odoo, "ir.model.fields", "unlink", ids=[duration])
    assert (response.status_code, response.json()["name"]) == (422, "odoo.exceptions.UserError")
    assert response.json()["message"].startswith(
        "Cannot rename/delete fields that are still present in views:\nFields: x_call.x_duration\nView: "
    )
    [partner_field] = ok(
        odoo, "ir.model.fields", "search", domain=[("model", "=", calls), ("name", "=", "x_partner_id")]
    )
    response = call(odoo, "ir.model.fields", "unlink", ids=[partner_field])
    assert response.json()["message"] == (
        "The field 'x_call.x_partner_id' cannot be removed because the field 'res.partner.x_call_ids' depends on it."
    )
    assert ok(odoo, "ir.ui.view", "unlink", ids=[view]) is True


def test_get_views_combines_the_inheriting_views(odoo: OdooSandbox, partner_form: int, calls: str) -> None:
    vals = {"name": "partner calls tab", "model": "res.partner", "inherit_id": partner_form, "arch": PARTNER_TAB}
    [view] = ok(odoo, "ir.ui.view", "create", vals_list=[vals])
    answer = ok(odoo, "res.partner", "get_views", views=[[False, "form"], [False, "list"]])
    form = answer["views"]["form"]
    assert (form["id"], form["model"]) == (partner_form, "res.partner")
    assert 'name="x_call_ids"' in form["arch"] and 'string="Voice calls"' in form["arch"]
    assert answer["views"]["list"]["id"] is False  # none: Odoo's generated default
    assert answer["views"]["list"]["arch"] == '<list string="Contact"><field name="name" /></list>'
    fields = answer["models"]
    assert {"x_call_ids", "name", "id", "write_date"} <= set(fields["res.partner"]["fields"])
    assert set(fields["x_call"]["fields"]) >= {"x_name", "x_duration"}
    assert fields["res.partner"]["fields"]["x_call_ids"]["relation_field"] == "x_partner_id"
    single = ok(odoo, "res.partner", "get_view", view_type="form")
    assert single["arch"] == form["arch"]
    extensions = ok(odoo, "ir.ui.view", "search", domain=[("inherit_id", "=", partner_form)])
    assert view in extensions
    ok(odoo, "ir.ui.view", "write", ids=extensions, vals={"active": False})
    assert 'name="x_call_ids"' not in ok(odoo, "res.partner", "get_view", view_type="form")["arch"]


def test_get_view_without_any_view_of_a_type(odoo: OdooSandbox, calls: str) -> None:
    refused = call(odoo, calls, "get_view", view_type="form")
    assert (refused.status_code, refused.json()["name"]) == (403, "odoo.exceptions.AccessError")  # it reads
    [model_id] = ok(odoo, "ir.model", "search", domain=[("model", "=", calls)])
    ok(odoo, "ir.model.access", "create", vals_list=[{"name": "read calls", "model_id": model_id, "perm_read": True}])
    form = ok(odoo, calls, "get_view", view_type="form")
    assert form["arch"].startswith('<form><sheet string="Call"><group><group><field name="x_name" />')
    response = call(odoo, calls, "get_view", view_type="kanban")
    assert response.json()["message"] == "No default view of type 'kanban' could be found!"
