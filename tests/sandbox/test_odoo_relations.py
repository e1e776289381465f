"""The Odoo sandbox's relational fields: custom one2many fields through ``ir.model.fields``, their
commands and reads, many2many commands, indexes and writable labels of custom fields."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from sandbox.odoo import OdooSandbox
from tests.sandbox.json2 import call, ok, sandbox_per_module  # noqa: F401  (the module-wide odoo fixture)


def indexes(odoo: OdooSandbox, table: str) -> set[str]:
    with sqlite3.connect(odoo.path) as cr:
        return {row[1] for row in cr.execute(f'PRAGMA index_list("{table}")')}


@pytest.fixture(scope="module")
def lines(odoo: OdooSandbox) -> int:
    """``x_line`` (``x_partner_id`` indexed, ``x_active``) and ``res.partner.x_line_ids``."""
    [model_id] = ok(odoo, "ir.model", "create", vals_list=[{"name": "Line", "model": "x_line"}])
    access = {"name": "line", "model_id": model_id, "perm_read": True, "perm_write": True, "perm_create": True}
    [access_id] = ok(odoo, "ir.model.access", "create", vals_list=[{**access, "perm_unlink": True}])
    base = {"model_id": model_id, "state": "manual"}
    ok(
        odoo,
        "ir.model.fields",
        "create",
        vals_list=[
            {**base, "name": "x_partner_id", "ttype": "many2one", "relation": "res.partner", "index": True},
            {**base, "name": "x_active", "ttype": "boolean"},
            {**base, "name": "x_note", "ttype": "char", "index": False},
        ],
    )
    [partner_model] = ok(odoo, "ir.model", "search", domain=[("model", "=", "res.partner")])
    ok(
        odoo,
        "ir.model.fields",
        "create",
        vals_list=[
            {
                "model_id": partner_model,
                "name": "x_line_ids",
                "ttype": "one2many",
                "relation": "x_line",
                "relation_field": "x_partner_id",
                "field_description": "Lines",
            }
        ],
    )
    ok(odoo, "ir.default", "set", model_name="x_line", field_name="x_active", value=True)  # Odoo gives none
    ok(odoo, "ir.model.access", "write", ids=[access_id], vals={"perm_read": True})
    return model_id


def field_vals(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "field_description": name, **extra}


def test_custom_one2many_reads_its_lines_in_order_without_archived_ones(odoo: OdooSandbox, lines: int) -> None:
    info = ok(odoo, "res.partner", "fields_get", allfields=["x_line_ids"])["x_line_ids"]
    assert (info["type"], info["relation"], info["relation_field"], info["string"], info["manual"]) == (
        "one2many",
        "x_line",
        "x_partner_id",
        "Lines",
        True,
    )
    [partner] = ok(odoo, "res.partner", "create", vals_list=[{"name": "Owner"}])
    first, second, archived = ok(
        odoo,
        "x_line",
        "create",
        vals_list=[
            {"x_name": "b", "x_partner_id": partner},
            {"x_name": "a", "x_partner_id": partner},
            {"x_name": "c", "x_partner_id": partner, "x_active": False},
        ],
    )
    assert ok(odoo, "res.partner", "read", ids=[partner], fields=["x_line_ids"]) == [
        {"id": partner, "x_line_ids": [first, second]}
    ]
    every = ok(odoo, "res.partner", "read", ids=[partner], fields=["x_line_ids"], context={"active_test": False})
    assert every[0]["x_line_ids"] == [first, second, archived]


def test_one2many_commands(odoo: OdooSandbox, lines: int) -> None:
    [partner, other] = ok(odoo, "res.partner", "create", vals_list=[{"name": "Commands"}, {"name": "Other"}])
    [spare] = ok(odoo, "x_line", "create", vals_list=[{"x_name": "spare", "x_partner_id": other}])
    ok(odoo, "res.partner", "write", ids=[partner], vals={"x_line_ids": [(0, 0, {"x_name": "new"}), (4, spare)]})
    [new] = ok(odoo, "x_line", "search", domain=[("x_name", "=", "new")])
    [read] = ok(odoo, "res.partner", "read", ids=[partner], fields=["x_line_ids"])
    assert sorted(read["x_line_ids"]) == sorted([new, spare])
    ok(odoo, "res.partner", "write", ids=[partner], vals={"x_line_ids": [(3, spare)]})
    assert ok(odoo, "x_line", "read", ids=[spare], fields=["x_partner_id"])[0]["x_partner_id"] is False
    ok(odoo, "res.partner", "write", ids=[partner], vals={"x_line_ids": [(6, 0, [spare])]})
    assert ok(odoo, "res.partner", "read", ids=[partner], fields=["x_line_ids"])[0]["x_line_ids"] == [spare]
    assert ok(odoo, "x_line", "read", ids=[new], fields=["x_partner_id"])[0]["x_partner_id"] is False


def test_one2many_needs_an_existing_many2one_inverse(odoo: OdooSandbox, lines: int) -> None:
    [partner_model] = ok(odoo, "ir.model", "search", domain=[("model", "=", "res.partner")])
    wrong = {"model_id": partner_model, "ttype": "one2many", "relation": "x_line", "relation_field": "x_note"}
    refused = call(odoo, "ir.model.fields", "create", vals_list=[field_vals("x_wrong_ids", **wrong)])
    assert (refused.status_code, refused.json()["name"], refused.json()["message"]) == (
        422,
        "odoo.exceptions.UserError",
        "Many2one x_note on model x_line does not exist!",
    )


def test_many2one_custom_field_is_indexed_only_when_asked(odoo: OdooSandbox, lines: int) -> None:
    assert "x_line__x_partner_id_index" in indexes(odoo, "x_line")
    assert "x_line__x_note_index" not in indexes(odoo, "x_line")
    [note] = ok(odoo, "ir.model.fields", "search", domain=[("model", "=", "x_line"), ("name", "=", "x_note")])
    ok(odoo, "ir.model.fields", "write", ids=[note], vals={"index": True, "field_description": "Remark"})
    assert "x_line__x_note_index" in indexes(odoo, "x_line")
    info = ok(odoo, "x_line", "fields_get", allfields=["x_note"], attributes=["string"])
    assert info == {"x_note": {"string": "Remark"}}
    [read] = ok(odoo, "ir.model.fields", "read", ids=[note], fields=["index", "help", "display_name"])
    assert read == {"id": note, "index": True, "help": False, "display_name": "Remark"}
    ok(odoo, "ir.model.fields", "write", ids=[note], vals={"index": False})
    assert "x_line__x_note_index" not in indexes(odoo, "x_line")


def test_changing_a_fields_type_is_refused_but_repeating_it_is_not(odoo: OdooSandbox, lines: int) -> None:
    [note] = ok(odoo, "ir.model.fields", "search", domain=[("model", "=", "x_line"), ("name", "=", "x_note")])
    assert ok(odoo, "ir.model.fields", "write", ids=[note], vals={"ttype": "char", "model_id": lines}) is True
    refused = call(odoo, "ir.model.fields", "write", ids=[note], vals={"ttype": "text"})
    assert refused.json()["message"].startswith("Changing the type of a field is not yet supported.")


def test_many2many_commands_and_plain_lists(odoo: OdooSandbox) -> None:
    """``ir.actions.server.webhook_field_ids``: a many2many to ``ir.model.fields``."""
    [partner_model] = ok(odoo, "ir.model", "search", domain=[("model", "=", "res.partner")])
    fields = ok(
        odoo,
        "ir.model.fields",
        "search",
        domain=[("model", "=", "res.partner"), ("name", "in", ["name", "email", "phone"])],
    )
    action = {"name": "hook", "model_id": partner_model, "state": "webhook", "webhook_url": "http://127.0.0.1:9"}
    [server] = ok(odoo, "ir.actions.server", "create", vals_list=[{**action, "webhook_field_ids": [(6, 0, fields)]}])

    def current() -> list[int]:
        return ok(odoo, "ir.actions.server", "read", ids=[server], fields=["webhook_field_ids"])[0]["webhook_field_ids"]

    assert sorted(current()) == sorted(fields)
    ok(odoo, "ir.actions.server", "write", ids=[server], vals={"webhook_field_ids": [(3, fields[0])]})
    assert sorted(current()) == sorted(fields[1:])
    ok(odoo, "ir.actions.server", "write", ids=[server], vals={"webhook_field_ids": [(4, fields[0]), (5,)]})
    assert current() == []
    ok(odoo, "ir.actions.server", "write", ids=[server], vals={"webhook_field_ids": fields[:2]})
    assert sorted(current()) == sorted(fields[:2])
    missing = call(odoo, "ir.actions.server", "write", ids=[server], vals={"webhook_field_ids": [(4, 999999)]})
    assert missing.json()["name"] == "odoo.exceptions.ValidationError"


def test_x2many_fields_cannot_be_searched_or_sorted_here(odoo: OdooSandbox) -> None:
    """A sandbox limit (Odoo can): a clear ValueError instead of an SQL error."""
    refused = call(odoo, "res.partner", "search", domain=[("message_ids", "=", False)])
    assert (refused.status_code, refused.json()["name"]) == (500, "builtins.ValueError")
    assert refused.json()["message"].startswith("The sandbox cannot search on the one2many field")
    unsorted = call(odoo, "res.partner", "search", domain=[], order="message_ids")
    assert unsorted.json()["message"] == "Invalid field 'message_ids' on model 'res.partner'"
