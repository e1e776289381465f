"""``has_access`` and ``ir.model.access.check`` in the Odoo sandbox: both read through the cached
allowed models, so both see the stale entry an access row's creation leaves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.odoo import OdooSandbox


@pytest.fixture
def odoo() -> Iterator[OdooSandbox]:
    with OdooSandbox() as sandbox:
        yield sandbox


def call(odoo: OdooSandbox, model: str, method: str, /, **body: Any) -> requests.Response:
    return requests.post(
        f"{odoo.url}/json/2/{model}/{method}",
        json=body,
        timeout=10,
        headers={"Authorization": f"bearer {odoo.api_key}"},
    )


def ok(odoo: OdooSandbox, model: str, method: str, /, **body: Any) -> Any:
    response = call(odoo, model, method, **body)
    assert response.status_code == 200, response.json().get("message")
    return response.json()


def execute(odoo: OdooSandbox, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
    params = {
        "service": "object",
        "method": "execute_kw",
        "args": [odoo.db, 2, odoo.api_key, model, method, args, kwargs],
    }
    body = requests.post(f"{odoo.url}/jsonrpc", json={"jsonrpc": "2.0", "params": params, "id": 1}, timeout=10).json()
    return body.get("result", body.get("error"))


@pytest.fixture
def opened(odoo: OdooSandbox) -> int:
    """``x_open`` with a full access row for internal users, just created (cache stale)."""
    [model_id] = ok(odoo, "ir.model", "create", vals_list=[{"name": "Open thing", "model": "x_open"}])
    [group] = ok(odoo, "ir.model.data", "search_read", domain=[("name", "=", "group_user")], fields=["res_id"])
    perms = {"perm_read": True, "perm_write": True, "perm_create": True, "perm_unlink": True}
    [access] = ok(
        odoo,
        "ir.model.access",
        "create",
        vals_list=[{"name": "open", "model_id": model_id, "group_id": group["res_id"], **perms}],
    )
    return int(access)


def test_has_access_sees_the_stale_cache_until_it_is_cleared(odoo: OdooSandbox, opened: int) -> None:
    assert ok(odoo, "x_open", "has_access", operation="create") is False
    assert ok(odoo, "x_open", "has_access", operation="read") is True
    assert execute(odoo, "x_open", "has_access", [], "create") is False
    ok(odoo, "ir.model.access", "write", ids=[opened], vals={"perm_read": True})
    assert ok(odoo, "x_open", "has_access", operation="create") is True
    assert execute(odoo, "x_open", "has_access", [], "create") is True


def test_check_answers_raises_and_asserts_as_odoo(odoo: OdooSandbox, opened: int) -> None:
    assert ok(odoo, "ir.model.access", "check", model="x_open", mode="create", raise_exception=False) is False
    refused = call(odoo, "ir.model.access", "check", model="x_open", mode="create")
    assert (refused.status_code, refused.json()["name"]) == (403, "odoo.exceptions.AccessError")
    assert refused.json()["message"].startswith("You are not allowed to create 'Open thing' (x_open) records.")
    assert execute(odoo, "ir.model.access", "check", "x_open") is True  # mode defaults to read
    assert execute(odoo, "ir.model.access", "check", "res.partner", "unlink") is True
    bad_mode = call(odoo, "ir.model.access", "check", model="x_open", mode="delete")
    assert (bad_mode.status_code, bad_mode.json()["name"], bad_mode.json()["message"]) == (
        500,
        "builtins.AssertionError",
        "Invalid access mode",
    )
    not_a_name = call(odoo, "ir.model.access", "check", model=7)
    assert (not_a_name.json()["name"], not_a_name.json()["message"]) == (
        "builtins.AssertionError",
        "Not a model name: 7",
    )
    missing = call(odoo, "ir.model.access", "check", model="x_missing", mode="read")
    assert missing.json()["message"].startswith("You are not allowed to access 'x_missing' (x_missing) records.")


def test_has_access_on_records_applies_record_rules(odoo: OdooSandbox) -> None:
    [base_xmlid] = ok(odoo, "ir.model.data", "search", domain=[("module", "=", "base")], limit=1)
    [own] = ok(
        odoo,
        "ir.model.data",
        "create",
        vals_list=[{"module": "voicesync", "name": "mine", "model": "res.partner", "res_id": 1}],
    )
    assert ok(odoo, "ir.model.data", "has_access", ids=[base_xmlid], operation="write") is False
    assert ok(odoo, "ir.model.data", "has_access", ids=[base_xmlid], operation="read") is True
    assert ok(odoo, "ir.model.data", "has_access", ids=[own], operation="unlink") is True
    assert ok(odoo, "ir.model.data", "has_access", operation="write") is True  # the model itself is allowed


def test_the_integration_user_may_not_manage_users(odoo: OdooSandbox) -> None:
    assert ok(odoo, "res.users", "has_access", operation="create") is False
    assert ok(odoo, "res.users", "has_access", operation="read") is True
    refused = call(odoo, "ir.model.access", "check", model="res.users", mode="write")
    assert "\t- Administration/Access Rights" in refused.json()["message"]
