"""Odoo's official client library, ``odoolib``, against the sandbox: if it can read and write
through both its ``jsonrpc`` and ``json2`` modes, the sandbox speaks the real protocols."""

from __future__ import annotations

from collections.abc import Iterator

import odoolib
import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

from sandbox.odoo import OdooSandbox


@pytest.fixture(scope="module")
def odoo() -> Iterator[OdooSandbox]:
    with OdooSandbox(db="clientlib", login="integration") as sandbox:
        yield sandbox


def connect(odoo: OdooSandbox, protocol: str, password: str | None = None) -> object:
    return odoolib.get_connection(
        hostname="127.0.0.1",
        protocol=protocol,
        port=odoo.port,
        database=odoo.db,
        login=odoo.login,
        password=password or odoo.api_key,
    )


def test_jsonrpc_mode(odoo: OdooSandbox) -> None:
    connection = connect(odoo, "jsonrpc")
    connection.check_login()
    assert connection.user_id == 2
    assert connection.get_user_context()["uid"] == 2
    partners = connection.get_model("res.partner")
    pid = partners.create({"name": "Lib RPC", "email": "rpc@lib.test"})
    assert isinstance(pid, int)
    assert partners.search_read([("email", "=", "rpc@lib.test")], ["name"]) == [{"id": pid, "name": "Lib RPC"}]
    assert partners.write([pid], {"phone": "123"}) is True
    assert partners.read(pid, ["phone"]) == {"id": pid, "phone": "123"}
    result = partners.load(["id", "name"], [["voicesync.contact_lib", "Loaded by lib"]])
    assert result["messages"] == [] and len(result["ids"]) == 1
    assert partners.search_count([("name", "=", "Loaded by lib")]) == 1
    assert partners.read(999999, ["name"]) == []  # Odoo's read leaves missing records out
    with pytest.raises(JsonRPCException) as raised:
        partners.write([999999], {"name": "gone"})
    assert raised.value.error["data"]["name"] == "odoo.exceptions.MissingError"


def test_jsonrpc_mode_rejects_a_wrong_key(odoo: OdooSandbox) -> None:
    with pytest.raises(AuthenticationError):
        connect(odoo, "jsonrpc", password="wrong").check_login()


def test_json2_mode(odoo: OdooSandbox) -> None:
    connection = connect(odoo, "json2")
    assert connection.check_login() is True
    partners = connection.get_model("res.partner")
    ids = partners.create({"name": "Lib J2"})
    assert isinstance(ids, list) and len(ids) == 1
    # positional calls: the library maps them to names through /doc-bearer/<model>.json
    assert partners.search_read([("id", "in", ids)], ["name", "active"]) == [
        {"id": ids[0], "name": "Lib J2", "active": True}
    ]
    assert partners.write(ids, {"email": "j2@lib.test"}) is True
    assert partners.read(ids, ["email"]) == {"id": ids[0], "email": "j2@lib.test"}
    assert partners.search([("email", "=", "j2@lib.test")]) == ids
    result = partners.load(fields=["id", "name"], data=[["voicesync.contact_lib", "Renamed"]])
    assert result["messages"] == []
    assert partners.search_count(domain=[("name", "=", "Renamed")]) == 1
    assert partners.unlink(ids) is True
    assert partners.read(ids, ["name"]) == []  # Odoo's read leaves missing records out
    with pytest.raises(ValueError, match="Unexpected status code 404"):
        partners.write(ids, {"name": "gone"})


def test_json2_mode_rejects_a_wrong_key(odoo: OdooSandbox) -> None:
    connection = connect(odoo, "json2", password="wrong")
    assert connection.check_login() is False
    with pytest.raises(AuthenticationError):
        connection.get_model("res.partner").search_count(domain=[])
