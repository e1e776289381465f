"""The Odoo sandbox over real HTTP: both protocols, their error shapes, load, custom models and
their access rights, active filtering, call counting, faults and outgoing webhooks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.odoo import OdooSandbox
from sandbox.server import BackgroundServer
from tests.sandbox.conftest import sandbox_command

ERROR_KEYS = {"name", "message", "arguments", "context", "debug"}
ACCESS_ERROR = "odoo.exceptions.AccessError"
NO_GROUP = "No group currently allows this operation."


@pytest.fixture(scope="module")
def odoo() -> Iterator[OdooSandbox]:
    with OdooSandbox(seed=1) as sandbox:
        yield sandbox


@pytest.fixture
def faults(odoo: OdooSandbox) -> Iterator[None]:
    yield
    requests.put(
        f"{odoo.url}/_sandbox/faults",
        json={
            "rate_429": 0,
            "rate_5xx": 0,
            "rate_timeout": 0,
            "rate_conflict": 0,
            "latency_ms": 0,
        },
        timeout=5,
    )


def json2(odoo: OdooSandbox, model: str, method: str, **body: Any) -> requests.Response:
    return requests.post(
        f"{odoo.url}/json/2/{model}/{method}",
        json=body,
        timeout=10,
        headers={"Authorization": f"bearer {odoo.api_key}", "X-Odoo-Database": odoo.db},
    )


def ok(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def rpc(odoo: OdooSandbox, service: str, method: str, *args: Any) -> dict[str, Any]:
    response = requests.post(
        f"{odoo.url}/jsonrpc",
        timeout=10,
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 42,
            "params": {"service": service, "method": method, "args": list(args)},
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == 42
    return body


def execute(odoo: OdooSandbox, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
    return rpc(odoo, "object", "execute_kw", odoo.db, 2, odoo.api_key, model, method, list(args), kwargs)


def custom_model(odoo: OdooSandbox, model: str, description: str) -> int:
    """Create a custom model (with ``x_name``) through ``ir.model``; return its id."""
    return ok(json2(odoo, "ir.model", "create", vals_list={"name": description, "model": model, "state": "manual"}))[0]


def internal_user_group(odoo: OdooSandbox) -> int:
    """``base.group_user``'s id, found as a client finds it: through ``ir.model.data``."""
    [xmlid] = ok(
        json2(
            odoo,
            "ir.model.data",
            "search_read",
            domain=[("module", "=", "base"), ("name", "=", "group_user")],
            fields=["model", "res_id"],
        )
    )
    assert xmlid["model"] == "res.groups"
    return int(xmlid["res_id"])


def grant(odoo: OdooSandbox, model_id: int, group_id: int | bool, *operations: str) -> int:
    """Create an ``ir.model.access`` row granting ``operations`` (``read``, ``create``...)."""
    perms = {f"perm_{operation}": True for operation in operations}
    vals = {"name": f"access {model_id}", "model_id": model_id, "group_id": group_id, **perms}
    return ok(json2(odoo, "ir.model.access", "create", vals_list=vals))[0]


def refusal(verb: str, description: str, model: str, groups: str) -> str:
    """Odoo's access refusal, word for word."""
    return (
        f"You are not allowed to {verb} '{description}' ({model}) records.\n\n{groups}\n\n"
        "Contact your administrator to request access if necessary."
    )


@pytest.fixture(scope="module")
def call_model(odoo: OdooSandbox) -> str:
    """A custom model as ``voicesync odoo bootstrap`` makes it: fields, and an access row for
    internal users (without it, every call on the model is refused)."""
    model_id = custom_model(odoo, "x_voicesync_call", "VoiceSync call")
    grant(odoo, model_id, internal_user_group(odoo), "read", "write", "create", "unlink")
    fields = [
        ("x_partner_id", "many2one", "Contact", "res.partner"),
        ("x_active", "boolean", "Active", None),
        ("x_started_at", "datetime", "Started", None),
        ("x_duration", "integer", "Duration", None),
        ("x_score", "float", "Score", None),
        ("x_day", "date", "Day", None),
        ("x_summary", "text", "Summary", None),
    ]
    ok(
        json2(
            odoo,
            "ir.model.fields",
            "create",
            vals_list=[
                {"model_id": model_id, "name": name, "ttype": ttype, "field_description": label, "relation": relation}
                for name, ttype, label, relation in fields
            ],
        )
    )
    return "x_voicesync_call"


# ---------------------------------------------------------------- version


def test_web_version_answers_odoo_release(odoo: OdooSandbox) -> None:
    """The ``rpc`` addon's route: ``odoo.release``'s version, not ``exp_version()``."""
    for path in ("/web/version", "/json/version"):
        response = requests.get(f"{odoo.url}{path}", timeout=5)
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.json() == {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}


def test_version_routes(odoo: OdooSandbox) -> None:
    version = {
        "server_version": "19.0",
        "server_version_info": [19, 0, 0, "final", 0, ""],
        "server_serie": "19.0",
        "protocol_version": 1,
    }
    body = requests.post(
        f"{odoo.url}/web/webclient/version_info",
        timeout=5,
        json={"jsonrpc": "2.0", "method": "call", "params": {}, "id": 3},
    ).json()
    assert body == {"jsonrpc": "2.0", "id": 3, "result": version}
    assert rpc(odoo, "common", "version")["result"] == version


@pytest.mark.parametrize("version", ["16.0", "17.0", "18.0"])
def test_older_versions_have_no_web_version_no_json2_and_rpc_code_200(version: str) -> None:
    """As real Odoo 16, 17 and 18 answer: /web/version and JSON-2 are 404s (the rpc addon came
    with 19), and JSON-RPC tells the version instead."""
    with OdooSandbox(version=version, api_key="k") as old:
        assert requests.get(f"{old.url}/web/version", timeout=5).status_code == 404
        assert requests.get(f"{old.url}/json/version", timeout=5).status_code == 404
        assert rpc(old, "common", "version")["result"]["server_version_info"][0] == int(version[:2])
        assert (
            requests.post(
                f"{old.url}/json/2/res.partner/search",
                json={"domain": []},
                headers={"Authorization": "bearer k"},
                timeout=5,
            ).status_code
            == 404
        )
        error = rpc(old, "object", "execute_kw", old.db, 2, "wrong", "res.partner", "search", [[]])["error"]
        assert (error["code"], error["message"]) == (200, "Odoo Server Error")
        assert error["data"]["name"] == "odoo.exceptions.AccessDenied"


# ---------------------------------------------------------------- JSON-RPC


def test_jsonrpc_authentication(odoo: OdooSandbox) -> None:
    assert rpc(odoo, "common", "authenticate", odoo.db, odoo.login, odoo.api_key, {})["result"] == 2
    assert rpc(odoo, "common", "login", odoo.db, odoo.login, odoo.api_key)["result"] == 2
    assert rpc(odoo, "common", "login", odoo.db, odoo.login, "wrong")["result"] is False
    missing = rpc(odoo, "common", "authenticate", "otherdb", odoo.login, odoo.api_key, {})["error"]["data"]
    assert (missing["name"], missing["message"]) == (
        "psycopg2.OperationalError",
        'connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "otherdb" does not exist\n',
    )
    wrong_db = rpc(odoo, "object", "execute_kw", "otherdb", 2, odoo.api_key, "res.partner", "search", [[]])
    assert wrong_db["error"]["data"]["name"] == "psycopg2.OperationalError"
    no_password = rpc(odoo, "object", "execute_kw", "otherdb", 2, "", "res.partner", "search", [[]])
    assert no_password["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"  # checked before the database


def test_json2_with_another_database_gets_the_server_wide_404(odoo: OdooSandbox) -> None:
    response = _json2_raw(odoo, "res.partner/search", json.dumps({"domain": []}), **{"X-Odoo-Database": "other"})
    assert (response.status_code, response.headers["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert "No database is selected" in response.text and "X-Odoo-Database" in response.text


def test_jsonrpc_error_envelope(odoo: OdooSandbox) -> None:
    body = rpc(odoo, "object", "execute_kw", odoo.db, 2, "wrong", "res.partner", "search", [[]])
    assert "result" not in body
    error = body["error"]
    assert (error["code"], error["message"]) == (0, "Odoo Server Error")
    assert set(error["data"]) == ERROR_KEYS
    assert error["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert error["data"]["message"] == "Access Denied"
    assert error["data"]["arguments"] == ["Access Denied"]


def test_jsonrpc_crud(odoo: OdooSandbox) -> None:
    one = execute(odoo, "res.partner", "create", {"name": "Rpc One", "email": "one@rpc.test"})
    assert isinstance(one["result"], int)
    many = execute(odoo, "res.partner", "create", [{"name": "Rpc Two"}, {"name": "Rpc Three"}])
    assert len(many["result"]) == 2
    ids = [one["result"], *many["result"]]
    found = execute(
        odoo,
        "res.partner",
        "search_read",
        [("name", "=like", "Rpc %")],
        fields=["name", "email", "is_company", "display_name"],
        order="id",
    )["result"]
    assert found == [
        {"id": ids[0], "name": "Rpc One", "email": "one@rpc.test", "is_company": False, "display_name": "Rpc One"},
        {"id": ids[1], "name": "Rpc Two", "email": False, "is_company": False, "display_name": "Rpc Two"},
        {"id": ids[2], "name": "Rpc Three", "email": False, "is_company": False, "display_name": "Rpc Three"},
    ]
    assert execute(odoo, "res.partner", "write", ids[1:], {"phone": "+1"})["result"] is True
    assert execute(odoo, "res.partner", "search_count", [("phone", "=", "+1")])["result"] == 2
    assert execute(odoo, "res.partner", "unlink", [ids[2]])["result"] is True
    assert execute(odoo, "res.partner", "read", [ids[2], ids[0]], ["name"])["result"] == [
        {"id": ids[0], "name": "Rpc One"}
    ]  # as Odoo's _read_format: a missing record is left out
    error = execute(odoo, "res.partner", "write", [ids[2]], {"name": "gone"})["error"]["data"]
    assert error["name"] == "odoo.exceptions.MissingError"
    assert error["message"].startswith("Record does not exist or has been deleted.")
    read = execute(odoo, "res.partner", "read", ids[:2], ["create_date", "write_date"])["result"]
    assert all(len(row["write_date"]) == 19 and row["write_date"][10] == " " for row in read)


def test_jsonrpc_create_with_named_vals_list_fails_and_creates_nothing(odoo: OdooSandbox) -> None:
    """``call_kw`` reads ``args[0]`` to shape ``create``'s answer: no positional argument is an
    ``IndexError`` raised after the insert, so the transaction rolls the record back."""
    error = execute(odoo, "res.partner", "create", vals_list=[{"name": "Named Vals"}])["error"]["data"]
    assert (error["name"], error["message"]) == ("builtins.IndexError", "list index out of range")
    assert odoo.records("res.partner", [("name", "=", "Named Vals")], ["id"]) == []
    assert isinstance(execute(odoo, "res.partner", "create", [{"name": "Positional Vals"}])["result"], list)
    assert len(odoo.records("res.partner", [("name", "=", "Positional Vals")], ["id"])) == 1


def test_jsonrpc_record_method_without_ids_is_an_index_error(odoo: OdooSandbox) -> None:
    error = execute(odoo, "res.partner", "read", fields=["name"])["error"]["data"]
    assert (error["name"], error["message"]) == ("builtins.IndexError", "list index out of range")


def test_json2_create_takes_vals_list_by_name(odoo: OdooSandbox) -> None:
    ids = ok(json2(odoo, "res.partner", "create", vals_list=[{"name": "Json2 Named"}]))
    assert odoo.records("res.partner", [("name", "=", "Json2 Named")], ["id"]) == [{"id": ids[0]}]


@pytest.mark.parametrize(
    ("model", "method", "args", "name", "message"),
    [
        ("res.nope", "search", [[]], "odoo.exceptions.UserError", "Object res.nope doesn't exist"),
        ("res.partner", "nope", [[]], "builtins.AttributeError", "The method 'res.partner.nope' does not exist"),
        (
            "res.partner",
            "_where",
            [[]],
            "odoo.exceptions.AccessError",
            "Private methods (such as 'res.partner._where') cannot be called remotely.",
        ),
        (
            "res.partner",
            "search",
            [[("nope", "=", 1)]],
            "builtins.ValueError",
            "Invalid field res.partner.nope in leaf ('nope', '=', 1)",
        ),
        (
            "res.partner",
            "unlink",
            [[999999]],
            "odoo.exceptions.MissingError",
            "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)",
        ),
        (
            "res.partner",
            "create",
            [{"email": "x@y"}],
            "odoo.exceptions.ValidationError",
            "The operation cannot be completed:",
        ),
        (
            "res.users",
            "create",
            [{"login": "bot"}],
            "odoo.exceptions.AccessError",
            "You are not allowed to create 'User' (res.users) records.",
        ),
        (
            "ir.model.data",
            "write",
            [[1], {"name": "renamed"}],
            "odoo.exceptions.AccessError",
            "You are not allowed to modify 'Model Data' (ir.model.data) records.",
        ),
        (
            "res.partner",
            "write",
            [[1], {"nope": 1}],
            "builtins.ValueError",
            "Invalid field 'nope' on model 'res.partner'",
        ),
    ],
)
def test_jsonrpc_errors(odoo: OdooSandbox, model: str, method: str, args: list[Any], name: str, message: str) -> None:
    data = execute(odoo, model, method, *args)["error"]["data"]
    assert data["name"] == name
    assert data["message"].startswith(message)


# ---------------------------------------------------------------- JSON-2


def test_json2_crud(odoo: OdooSandbox) -> None:
    ids = ok(json2(odoo, "res.partner", "create", vals_list={"name": "J2 One"}))
    assert isinstance(ids, list) and len(ids) == 1
    more = ok(
        json2(odoo, "res.partner", "create", vals_list=[{"name": "J2 Two", "is_company": True}, {"name": "J2 Three"}])
    )
    ids += more
    assert ok(json2(odoo, "res.partner", "search", domain=[("name", "ilike", "j2 ")], order="id")) == ids
    assert ok(json2(odoo, "res.partner", "write", ids=ids[:2], vals={"ref": "R"})) is True
    assert ok(json2(odoo, "res.partner", "read", ids=ids, fields=["ref", "is_company"])) == [
        {"id": ids[0], "ref": "R", "is_company": False},
        {"id": ids[1], "ref": "R", "is_company": True},
        {"id": ids[2], "ref": False, "is_company": False},
    ]
    assert ok(
        json2(
            odoo,
            "res.partner",
            "search_read",
            domain=[("id", "in", ids)],
            fields=["name"],
            limit=1,
            offset=1,
            order="id desc",
        )
    ) == [{"id": ids[1], "name": "J2 Two"}]
    assert ok(json2(odoo, "res.partner", "unlink", ids=[ids[2]])) is True
    assert ok(json2(odoo, "res.partner", "search_count", domain=[("id", "in", ids)])) == 2
    assert ok(json2(odoo, "res.users", "context_get")) == {"lang": "en_US", "tz": "UTC", "uid": 2}
    info = ok(json2(odoo, "res.partner", "fields_get", allfields=["name", "active"], attributes=["type", "required"]))
    assert info == {"name": {"type": "char", "required": True}, "active": {"type": "boolean", "required": False}}


def _json2_raw(odoo: OdooSandbox, path: str, data: str, **headers: str) -> requests.Response:
    base = {"Authorization": f"Bearer {odoo.api_key}", "Content-Type": "application/json"}
    return requests.post(f"{odoo.url}/json/2/{path}", data=data, headers={**base, **headers}, timeout=10)


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "name", "message"),
    [
        (
            "res.partner/search",
            {"domain": []},
            {"Authorization": "bearer wrong"},
            401,
            "werkzeug.exceptions.Unauthorized",
            "Invalid apikey",
        ),
        (
            "res.partner/search",
            {"domain": []},
            {"Authorization": ""},
            401,
            "werkzeug.exceptions.Unauthorized",
            "User not authenticated",
        ),
        (
            "res.nope/search",
            {"domain": []},
            {},
            404,
            "werkzeug.exceptions.NotFound",
            "the model 'res.nope' does not exist",
        ),
        (
            "res.partner/nope",
            {},
            {},
            404,
            "werkzeug.exceptions.NotFound",
            "The method 'res.partner.nope' does not exist",
        ),
        ("res.partner/_where", {}, {}, 403, "odoo.exceptions.AccessError", "Private methods"),
        (
            "res.partner/write",
            {"ids": [999999], "vals": {"name": "x"}},
            {},
            404,
            "odoo.exceptions.MissingError",
            "Record does not exist or has been deleted.",
        ),
        (
            "res.partner/unlink",
            {"ids": [999999]},
            {},
            404,
            "odoo.exceptions.MissingError",
            "Record does not exist or has been deleted.",
        ),
        (
            "res.partner/create",
            {"vals_list": {"email": "x"}},
            {},
            422,
            "odoo.exceptions.ValidationError",
            "The operation cannot be completed:",
        ),
        (
            "res.users/create",
            {"vals_list": {"login": "x"}},
            {},
            403,
            "odoo.exceptions.AccessError",
            "You are not allowed to create 'User'",
        ),
        (
            "res.partner/search",
            {"domian": []},
            {},
            422,
            "werkzeug.exceptions.UnprocessableEntity",
            "missing a required argument: 'domain'",
        ),
        (
            "res.partner/search",
            {"domain": [], "bogus": 1},
            {},
            422,
            "werkzeug.exceptions.UnprocessableEntity",
            "got an unexpected keyword argument 'bogus'",
        ),
        (
            "res.partner/search",
            {"ids": [1], "domain": []},
            {},
            422,
            "werkzeug.exceptions.UnprocessableEntity",
            "cannot call res.partner.search with ids",
        ),
        (
            "res.partner/search",
            {"domain": [["nope", "=", 1]]},
            {},
            500,
            "builtins.ValueError",
            "Invalid field res.partner.nope in leaf ('nope', '=', 1)",
        ),
        (
            "res.partner/search",
            "{not json",
            {},
            400,
            "werkzeug.exceptions.BadRequest",
            "could not parse the body as json",
        ),
        ("res.partner", {}, {}, 404, "werkzeug.exceptions.NotFound", "Did you mean POST /json/2/<model>/<method>?"),
    ],
)
def test_json2_errors(
    odoo: OdooSandbox, path: str, body: Any, headers: dict[str, str], status: int, name: str, message: str
) -> None:
    response = _json2_raw(odoo, path, body if isinstance(body, str) else json.dumps(body), **headers)
    assert response.status_code == status
    error = response.json()
    assert set(error) == ERROR_KEYS
    assert error["name"] == name
    assert error["message"].startswith(message)
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert error["arguments"] == [error["message"], 401]


def test_doc_bearer_describes_signatures(odoo: OdooSandbox) -> None:
    response = requests.get(
        f"{odoo.url}/doc-bearer/res.partner.json", timeout=5, headers={"Authorization": f"bearer {odoo.api_key}"}
    )
    methods = ok(response)["methods"]
    assert list(methods["search_read"]["parameters"])[:3] == ["domain", "fields", "offset"]
    assert "model" in methods["search_read"]["api"]
    assert list(methods["write"]["parameters"]) == ["vals"] and methods["write"]["api"] == []
    assert "_where" not in methods and "browse" not in methods
    assert requests.get(f"{odoo.url}/doc-bearer/res.partner.json", timeout=5).status_code == 401


# ---------------------------------------------------------------- load


def test_load_creates_then_updates_by_external_id(odoo: OdooSandbox) -> None:
    fields = ["id", "name", "email", "is_company"]
    first = ok(
        json2(
            odoo,
            "res.partner",
            "load",
            fields=fields,
            data=[
                ["voicesync.contact_a1", "Ada", "ada@x.test", "yes"],
                ["voicesync.contact_a2", "Ben", "", "0"],
            ],
        )
    )
    assert first["messages"] == [] and len(first["ids"]) == 2
    xmlids = ok(
        json2(
            odoo,
            "ir.model.data",
            "search_read",
            fields=["complete_name", "res_id"],
            domain=[("module", "=", "voicesync"), ("name", "in", ["contact_a1", "contact_a2"])],
            order="name",
        )
    )
    assert [(x["complete_name"], x["res_id"]) for x in xmlids] == [
        ("voicesync.contact_a1", first["ids"][0]),
        ("voicesync.contact_a2", first["ids"][1]),
    ]
    again = ok(
        json2(
            odoo,
            "res.partner",
            "load",
            fields=fields,
            data=[
                ["voicesync.contact_a2", "Ben B", "ben@x.test", "true"],
            ],
        )
    )
    assert again["ids"] == [first["ids"][1]]
    assert odoo.records("res.partner", [("id", "in", first["ids"])], ["name", "email", "is_company"]) == [
        {"id": first["ids"][0], "name": "Ada", "email": "ada@x.test", "is_company": True},
        {"id": first["ids"][1], "name": "Ben B", "email": "ben@x.test", "is_company": True},
    ]


def test_load_is_all_or_nothing(odoo: OdooSandbox) -> None:
    before = len(odoo.records("res.partner"))
    result = ok(
        json2(
            odoo,
            "res.partner",
            "load",
            fields=["id", "name"],
            data=[
                ["voicesync.contact_ok", "Fine"],
                ["voicesync.contact_bad", ""],
            ],
        )
    )
    assert result["ids"] is False
    assert result["messages"] == [
        {
            "rows": {"from": 1, "to": 1},
            "record": 1,
            "type": "error",
            "field": "name",
            "message": "Missing required value for the field 'Name' (name)",
        }
    ]
    assert len(odoo.records("res.partner")) == before
    assert odoo.records("ir.model.data", [("name", "in", ["contact_ok", "contact_bad"])]) == []


def test_load_converts_values_and_resolves_external_ids(odoo: OdooSandbox, call_model: str) -> None:
    contact = ok(json2(odoo, "res.partner", "load", fields=["id", "name"], data=[["voicesync.contact_c1", "Cleo"]]))[
        "ids"
    ][0]
    result = ok(
        json2(
            odoo,
            call_model,
            "load",
            fields=[
                "id",
                "x_name",
                "x_partner_id/id",
                "x_started_at",
                "x_duration",
                "x_score",
                "x_day",
                "x_active",
            ],
            data=[
                [
                    "voicesync.call_c1",
                    "First",
                    "voicesync.contact_c1",
                    "2024-05-06 07:08:09",
                    "61",
                    "0.5",
                    "2024-05-06",
                    "1",
                ],
                ["voicesync.call_c2", "Second", "", "", "", "", "", "no"],
            ],
        )
    )
    assert result["messages"] == []
    rows = odoo.records(
        call_model,
        [("id", "in", result["ids"])],
        ["x_name", "x_partner_id", "x_started_at", "x_duration", "x_score", "x_day", "x_active", "display_name"],
    )
    assert rows == [
        {
            "id": result["ids"][0],
            "x_name": "First",
            "x_partner_id": [contact, "Cleo"],
            "x_started_at": "2024-05-06 07:08:09",
            "x_duration": 61,
            "x_score": 0.5,
            "x_day": "2024-05-06",
            "x_active": True,
            "display_name": "First",
        },
        {
            "id": result["ids"][1],
            "x_name": "Second",
            "x_partner_id": False,
            "x_started_at": False,
            "x_duration": 0,
            "x_score": 0.0,
            "x_day": False,
            "x_active": False,
            "display_name": "Second",
        },
    ]


def test_load_resolves_many2one_by_name_and_database_id(odoo: OdooSandbox, call_model: str) -> None:
    dana, _older, newer = ok(
        json2(odoo, "res.partner", "create", vals_list=[{"name": "Dana Unique"}, {"name": "Twin"}, {"name": "Twin"}])
    )
    by_name = ok(
        json2(odoo, call_model, "load", fields=["x_name", "x_partner_id"], data=[["a", "Dana Unique"], ["b", "Twin"]])
    )
    assert [(m["type"], m["record"], m["message"]) for m in by_name["messages"]] == [
        ("warning", 1, "Found multiple matches for value 'Twin' in field 'Contact' (2 matches)")
    ]
    by_id = ok(json2(odoo, call_model, "load", fields=["x_name", "x_partner_id/.id"], data=[["c", str(dana)]]))
    rows = odoo.records(call_model, [("id", "in", by_name["ids"] + by_id["ids"])], ["x_partner_id"])
    assert [row["x_partner_id"][0] for row in rows] == [dana, newer, dana]  # partners sort "name, id desc"


@pytest.mark.parametrize(
    ("column", "value", "field", "message"),
    [
        (
            "x_partner_id/id",
            "voicesync.contact_missing",
            "x_partner_id",
            "No matching record found for external id 'voicesync.contact_missing' in field 'Contact'",
        ),
        ("x_active", "maybe", "x_active", "Unknown value 'maybe' for boolean field 'Active'"),
        ("x_duration", "1.5", "x_duration", "'1.5' does not seem to be an integer for field 'Duration'"),
        (
            "x_started_at",
            "06/05/2024",
            "x_started_at",
            "'06/05/2024' does not seem to be a valid datetime for field 'Started'",
        ),
    ],
)
def test_load_conversion_errors(
    odoo: OdooSandbox, call_model: str, column: str, value: str, field: str, message: str
) -> None:
    result = ok(json2(odoo, call_model, "load", fields=["x_name", column], data=[["fine", ""], ["bad", value]]))
    assert result["ids"] is False
    [error] = result["messages"]
    assert (error["type"], error["record"], error["field"]) == ("error", 1, field)
    assert error["message"] == message


def test_load_recreates_a_dangling_external_id(odoo: OdooSandbox) -> None:
    ok(
        json2(
            odoo,
            "ir.model.data",
            "create",
            vals_list={"module": "voicesync", "name": "contact_gone", "model": "res.partner", "res_id": 987654},
        )
    )
    result = ok(json2(odoo, "res.partner", "load", fields=["id", "name"], data=[["voicesync.contact_gone", "Back"]]))
    [new_id] = result["ids"]
    assert odoo.records("ir.model.data", [("name", "=", "contact_gone")], ["res_id"]) == [
        {"id": odoo.records("ir.model.data", [("name", "=", "contact_gone")])[0]["id"], "res_id": new_id}
    ]


# ---------------------------------------------------------------- models, archiving


def test_active_filtering(odoo: OdooSandbox, call_model: str) -> None:
    [live, archived] = ok(
        json2(odoo, "res.partner", "create", vals_list=[{"name": "Arch Live"}, {"name": "Arch Gone", "active": False}])
    )
    domain = [("name", "=like", "Arch %")]
    assert ok(json2(odoo, "res.partner", "search", domain=domain)) == [live]
    assert ok(json2(odoo, "res.partner", "search_count", domain=domain)) == 1
    assert sorted(ok(json2(odoo, "res.partner", "search", domain=domain, context={"active_test": False}))) == [
        live,
        archived,
    ]
    assert ok(json2(odoo, "res.partner", "search", domain=[*domain, ("active", "=", False)])) == [archived]
    assert ok(json2(odoo, "res.partner", "read", ids=[archived], fields=["active"])) == [
        {"id": archived, "active": False}
    ]
    calls = ok(json2(odoo, call_model, "create", vals_list=[{"x_name": "kept", "x_active": True}, {"x_name": "old"}]))
    assert ok(json2(odoo, call_model, "search", domain=[("id", "in", calls)])) == [
        calls[0]
    ]  # no default: born archived
    assert execute(odoo, call_model, "search", [("id", "in", calls)], context={"active_test": False})["result"] == calls


def test_ir_default_gives_a_custom_field_its_default(odoo: OdooSandbox, call_model: str) -> None:
    assert ok(json2(odoo, "ir.default", "set", model_name=call_model, field_name="x_active", value=True)) is True
    [default] = ok(
        json2(odoo, "ir.default", "search_read", domain=[], fields=["field_id", "json_value", "display_name"])
    )
    assert (default["json_value"], default["display_name"]) == ("true", "Active")
    [born] = ok(json2(odoo, call_model, "create", vals_list=[{"x_name": "born active"}]))
    [archived] = ok(
        json2(odoo, call_model, "create", vals_list=[{"x_name": "by context"}], context={"default_x_active": False})
    )
    rows = ok(json2(odoo, call_model, "read", ids=[born, archived], fields=["x_active"]))
    assert [row["x_active"] for row in rows] == [True, False]
    bad = json2(odoo, "ir.default", "write", ids=[default["id"]], vals={"json_value": "yes"})
    assert bad.json()["message"] == "Invalid JSON format in Default Value field."
    assert ok(json2(odoo, "ir.default", "unlink", ids=[default["id"]])) is True


def test_custom_model_rules(odoo: OdooSandbox, call_model: str) -> None:
    bad_model = json2(odoo, "ir.model", "create", vals_list={"name": "X", "model": "voicesync.x"})
    assert bad_model.status_code == 422
    assert bad_model.json()["message"] == "The model name must start with 'x_'."
    model_id = ok(json2(odoo, "ir.model", "search", domain=[("model", "=", call_model)]))[0]
    bad_field = json2(
        odoo,
        "ir.model.fields",
        "create",
        vals_list={"model_id": model_id, "name": "summary", "ttype": "char", "field_description": "S"},
    )
    assert bad_field.status_code == 422
    assert bad_field.json()["message"] == "Custom fields must have a name that starts with 'x_' !"
    described = ok(
        json2(
            odoo,
            "ir.model.fields",
            "search_read",
            fields=["name", "ttype", "relation"],
            domain=[("model", "=", call_model), ("name", "like", "x_")],
            order="id",
        )
    )
    assert [f["name"] for f in described][:3] == ["x_name", "x_partner_id", "x_active"]
    assert described[1]["relation"] == "res.partner"
    assert ok(
        json2(odoo, "ir.model", "search_read", domain=[("model", "=", "res.partner")], fields=["name", "state"])
    ) == [
        {
            "id": ok(json2(odoo, "ir.model", "search", domain=[("model", "=", "res.partner")]))[0],
            "name": "Contact",
            "state": "base",
        }
    ]


def test_deleting_a_partner_clears_its_links_and_external_ids(odoo: OdooSandbox, call_model: str) -> None:
    partner = ok(json2(odoo, "res.partner", "load", fields=["id", "name"], data=[["voicesync.contact_del", "Del"]]))[
        "ids"
    ][0]
    [call] = ok(json2(odoo, call_model, "create", vals_list={"x_partner_id": partner}))
    ok(json2(odoo, "res.partner", "unlink", ids=[partner]))
    assert odoo.records(call_model, [("id", "=", call)], ["x_partner_id"])[0]["x_partner_id"] is False
    assert odoo.records("ir.model.data", [("name", "=", "contact_del")]) == []


# ---------------------------------------------------------------- access rights


@pytest.fixture(scope="module")
def locked_model(odoo: OdooSandbox) -> str:
    """A custom model nobody was granted: creating it through ``ir.model`` adds no access row."""
    model_id = custom_model(odoo, "x_locked", "Locked thing")
    assert ok(json2(odoo, "ir.model.access", "search", domain=[("model_id", "=", model_id)])) == []
    return "x_locked"


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "verb"),
    [
        ("search", [[]], {"domain": []}, "access"),
        ("search_count", [[]], {"domain": []}, "access"),
        ("search_read", [[], ["x_name"]], {"domain": [], "fields": ["x_name"]}, "access"),
        ("read", [[1], ["x_name"]], {"ids": [1], "fields": ["x_name"]}, "access"),
        ("create", [{"x_name": "no"}], {"vals_list": {"x_name": "no"}}, "create"),
        ("write", [[1], {"x_name": "no"}], {"ids": [1], "vals": {"x_name": "no"}}, "modify"),
        ("unlink", [[1]], {"ids": [1]}, "delete"),
    ],
)
def test_custom_model_without_access_row_is_refused(
    odoo: OdooSandbox, locked_model: str, method: str, args: list[Any], kwargs: dict[str, Any], verb: str
) -> None:
    message = refusal(verb, "Locked thing", locked_model, NO_GROUP)
    response = json2(odoo, locked_model, method, **kwargs)
    assert (response.status_code, response.json()["name"], response.json()["message"]) == (403, ACCESS_ERROR, message)
    data = execute(odoo, locked_model, method, *args)["error"]["data"]
    assert (data["name"], data["message"]) == (ACCESS_ERROR, message)


def test_load_on_a_locked_model_reports_the_refusal_per_row(odoo: OdooSandbox, locked_model: str) -> None:
    """As Odoo's ``load``: the refused ``create`` is each row's error message, not the call's."""
    result = ok(json2(odoo, locked_model, "load", fields=["id", "x_name"], data=[["voicesync.lk1", "a"], ["", "b"]]))
    assert result["ids"] is False
    assert [(m["record"], m["type"]) for m in result["messages"]] == [(0, "error"), (1, "error")]
    assert result["messages"][0]["message"].endswith(refusal("create", "Locked thing", locked_model, NO_GROUP))
    assert odoo.records(locked_model) == []


def test_locked_model_still_describes_its_fields(odoo: OdooSandbox, locked_model: str) -> None:
    assert ok(json2(odoo, locked_model, "fields_get", allfields=["x_name"], attributes=["type"])) == {
        "x_name": {"type": "char"}
    }


def test_access_row_for_internal_users_opens_the_model(odoo: OdooSandbox) -> None:
    model_id = custom_model(odoo, "x_granted", "Granted thing")
    assert json2(odoo, "x_granted", "create", vals_list={"x_name": "before"}).status_code == 403
    group = internal_user_group(odoo)
    perms = {"perm_read": True, "perm_write": True, "perm_create": True, "perm_unlink": True}
    access = execute(
        odoo, "ir.model.access", "create", {"name": "granted", "model_id": model_id, "group_id": group, **perms}
    )["result"]
    assert execute(odoo, "ir.model.access", "search", [("model_id", "=", model_id)])["result"] == [access]
    assert ok(
        json2(
            odoo, "ir.model.access", "read", ids=[access], fields=["model_id", "group_id", "perm_read", "perm_unlink"]
        )
    ) == [
        {
            "id": access,
            "model_id": [model_id, "Granted thing"],
            "group_id": [group, "Internal User"],
            "perm_read": True,
            "perm_unlink": True,
        }
    ]
    # Odoo's cached allowed models: creating the row refilled our 'create' set without it
    stale = json2(odoo, "x_granted", "create", vals_list={"x_name": "stale"})
    internal = "This operation is allowed for the following groups:\n\t- Internal User"
    assert (stale.status_code, stale.json()["message"]) == (
        403,
        refusal("create", "Granted thing", "x_granted", internal),
    )
    assert ok(json2(odoo, "ir.model.access", "write", ids=[access], vals={"perm_read": True})) is True
    [record] = ok(json2(odoo, "x_granted", "create", vals_list={"x_name": "after"}))
    assert execute(odoo, "x_granted", "write", [record], {"x_name": "renamed"})["result"] is True
    assert execute(odoo, "x_granted", "search_read", [], ["x_name"])["result"] == [{"id": record, "x_name": "renamed"}]
    assert ok(json2(odoo, "x_granted", "load", fields=["x_name"], data=[["loaded"]]))["messages"] == []
    assert ok(json2(odoo, "x_granted", "unlink", ids=[record])) is True


def test_access_row_creator_is_refused_until_the_cache_is_cleared() -> None:
    """Odoo's ``_get_allowed_models`` cache: ``ir.model.access.create`` clears it, then checks the
    caller's create right, which refills it before the row exists."""
    with OdooSandbox() as odoo:
        model_id = custom_model(odoo, "x_cached", "Cached thing")
        fields = {"model_id": model_id, "name": "x_note", "ttype": "char", "field_description": "Note"}
        ok(json2(odoo, "ir.model.fields", "create", vals_list=fields))
        access = grant(odoo, model_id, internal_user_group(odoo), "read", "write", "create", "unlink")
        refused = execute(odoo, "x_cached", "create", {"x_name": "first"})["error"]["data"]
        internal = "This operation is allowed for the following groups:\n\t- Internal User"
        assert (refused["name"], refused["message"]) == (
            ACCESS_ERROR,
            refusal("create", "Cached thing", "x_cached", internal),
        )
        assert ok(json2(odoo, "x_cached", "search", domain=[])) == []  # 'read' was not cached stale
        assert ok(json2(odoo, "ir.model.access", "write", ids=[access], vals={"perm_read": True})) is True
        assert isinstance(execute(odoo, "x_cached", "create", {"x_name": "second"})["result"], int)


def test_schema_change_clears_the_access_cache() -> None:
    with OdooSandbox() as odoo:
        model_id = custom_model(odoo, "x_reset", "Reset thing")
        grant(odoo, model_id, internal_user_group(odoo), "create")
        assert json2(odoo, "x_reset", "create", vals_list={"x_name": "no"}).status_code == 403
        fields = {"model_id": model_id, "name": "x_note", "ttype": "char", "field_description": "Note"}
        ok(json2(odoo, "ir.model.fields", "create", vals_list=fields))  # sets the models up again
        assert len(ok(json2(odoo, "x_reset", "create", vals_list={"x_name": "yes"}))) == 1


def test_rolled_back_transaction_that_cleared_the_cache_clears_it_again(tmp_path: Any) -> None:
    """As Odoo's ``registry.reset_changes``: nothing read from uncommitted rows survives."""
    from sandbox.odoo.orm import Env
    from sandbox.odoo.store import Store

    store = Store(str(tmp_path / "odoo.sqlite3"), "admin")
    try:
        with pytest.raises(RuntimeError), store.transaction(write=True) as cr:
            env = Env(cr, store)
            [model_id] = env.sudo()["ir.model"].create({"name": "Ghost", "model": "x_ghost"}).ids
            env.sudo()["ir.model.access"].create({"name": "ghost", "model_id": model_id, "perm_create": True})
            assert "x_ghost" in env.allowed_models("create")  # filled from the uncommitted row
            raise RuntimeError("rollback")
        assert store.allowed.cached(2, "create") is None
    finally:
        store.close()


def test_read_only_access_row_refuses_create(odoo: OdooSandbox) -> None:
    model_id = custom_model(odoo, "x_read_only", "Read-only thing")
    grant(odoo, model_id, internal_user_group(odoo), "read")
    assert ok(json2(odoo, "x_read_only", "search_read", domain=[], fields=["x_name"])) == []
    refused = json2(odoo, "x_read_only", "create", vals_list={"x_name": "no"})
    assert refused.status_code == 403
    assert refused.json()["message"] == refusal("create", "Read-only thing", "x_read_only", NO_GROUP)
    data = execute(odoo, "x_read_only", "create", {"x_name": "no"})["error"]["data"]
    assert (data["name"], data["message"]) == (ACCESS_ERROR, refused.json()["message"])
    assert odoo.records("x_read_only") == []


def test_other_groups_do_not_grant_and_a_groupless_row_grants_everyone(odoo: OdooSandbox) -> None:
    model_id = custom_model(odoo, "x_managed", "Managed thing")
    [managers] = ok(json2(odoo, "res.groups", "create", vals_list={"name": "VoiceSync managers"}))
    grant(odoo, model_id, managers, "create")
    data = execute(odoo, "x_managed", "create", {"x_name": "no"})["error"]["data"]
    groups = "This operation is allowed for the following groups:\n\t- VoiceSync managers"
    assert (data["name"], data["message"]) == (ACCESS_ERROR, refusal("create", "Managed thing", "x_managed", groups))
    everyone = grant(odoo, model_id, False, "create")
    ok(json2(odoo, "ir.model.access", "write", ids=[everyone], vals={"perm_read": False}))  # clears the cache
    created = execute(odoo, "x_managed", "create", {"x_name": "yes"})["result"]
    assert odoo.records("x_managed", [], ["x_name"]) == [{"id": created, "x_name": "yes"}]


def test_inactive_access_row_grants_nothing(odoo: OdooSandbox) -> None:
    model_id = custom_model(odoo, "x_switched", "Switched thing")
    access = grant(odoo, model_id, internal_user_group(odoo), "read")
    assert ok(json2(odoo, "x_switched", "search", domain=[])) == []
    assert ok(json2(odoo, "ir.model.access", "write", ids=[access], vals={"active": False})) is True
    refused = json2(odoo, "x_switched", "search", domain=[])
    assert (refused.status_code, refused.json()["message"]) == (
        403,
        refusal("access", "Switched thing", "x_switched", NO_GROUP),
    )
    assert ok(json2(odoo, "ir.model.access", "search", domain=[("model_id", "=", model_id)])) == []
    hidden = {"active_test": False}
    assert ok(json2(odoo, "ir.model.access", "search", domain=[("model_id", "=", model_id)], context=hidden)) == [
        access
    ]


def test_deleting_a_custom_model_deletes_its_access_rows(odoo: OdooSandbox) -> None:
    model_id = custom_model(odoo, "x_doomed", "Doomed thing")
    access = grant(odoo, model_id, internal_user_group(odoo), "read")
    assert ok(json2(odoo, "ir.model", "unlink", ids=[model_id])) is True
    assert ok(json2(odoo, "ir.model.access", "search", domain=[("id", "=", access)])) == []


def test_deleting_a_group_drops_its_members() -> None:
    with OdooSandbox() as odoo:
        model_id = custom_model(odoo, "x_members", "Members")
        group = internal_user_group(odoo)
        assert ok(json2(odoo, "res.groups", "unlink", ids=[group])) is True
        [reborn] = ok(json2(odoo, "res.groups", "create", vals_list={"name": "Reborn"}))
        assert reborn == group  # SQLite hands the freed highest id out again
        grant(odoo, model_id, reborn, "read")
        assert json2(odoo, "x_members", "search", domain=[]).status_code == 403


def test_utm_campaign_unknown_field_is_refused(odoo: OdooSandbox) -> None:
    assert "nope" not in ok(json2(odoo, "utm.campaign", "fields_get"))
    campaign = ok(json2(odoo, "utm.campaign", "create", vals_list={"name": "Without nope"}))
    written = json2(odoo, "utm.campaign", "write", ids=campaign, vals={"nope": False})
    assert (written.status_code, written.json()["name"], written.json()["message"]) == (
        500,
        "builtins.ValueError",
        "Invalid field 'nope' on model 'utm.campaign'",
    )
    data = execute(odoo, "utm.campaign", "search", [("nope", "=", False)])["error"]["data"]
    assert (data["name"], data["message"]) == (
        "builtins.ValueError",
        "Invalid field utm.campaign.nope in leaf ('nope', '=', False)",
    )


def test_utm_campaign_is_archivable(odoo: OdooSandbox) -> None:
    """Odoo 19's ``utm.campaign`` has ``active`` (default True): archived campaigns are hidden."""
    info = ok(json2(odoo, "utm.campaign", "fields_get", allfields=["active"], attributes=["type", "string"]))
    assert info == {"active": {"type": "boolean", "string": "Active"}}
    kept, archived = ok(
        json2(odoo, "utm.campaign", "create", vals_list=[{"name": "Kept campaign"}, {"name": "Archived campaign"}])
    )
    assert ok(json2(odoo, "utm.campaign", "read", ids=[kept], fields=["active"])) == [{"id": kept, "active": True}]
    assert ok(json2(odoo, "utm.campaign", "write", ids=[archived], vals={"active": False})) is True
    domain = [("name", "in", ["Kept campaign", "Archived campaign"])]
    assert ok(json2(odoo, "utm.campaign", "search", domain=domain)) == [kept]
    every = ok(json2(odoo, "utm.campaign", "search", domain=domain, context={"active_test": False}))
    assert sorted(every) == [kept, archived]


def test_utm_campaign_name_and_title_fill_each_other(odoo: OdooSandbox) -> None:
    named, titled = ok(json2(odoo, "utm.campaign", "create", vals_list=[{"name": "By name"}, {"title": "By title"}]))
    assert ok(json2(odoo, "utm.campaign", "read", ids=[named, titled], fields=["name", "title", "display_name"])) == [
        {"id": named, "name": "By name", "title": "By name", "display_name": "By name"},
        {"id": titled, "name": "By title", "title": "By title", "display_name": "By title"},
    ]


# ---------------------------------------------------------------- counts, faults


def test_call_counts(odoo: OdooSandbox) -> None:
    assert requests.delete(f"{odoo.url}/_sandbox/calls", timeout=5).status_code == 204
    json2(odoo, "res.partner", "search", domain=[])
    json2(odoo, "res.partner", "search", domain=[])
    execute(odoo, "ir.model.data", "search_read", [], fields=["name"], limit=1)
    rpc(odoo, "common", "version")
    odoo.records("res.partner")
    expected = {"res.partner.search": 2, "ir.model.data.search_read": 1}
    assert odoo.call_counts() == expected
    assert requests.get(f"{odoo.url}/_sandbox/calls", timeout=5).json() == expected
    odoo.reset_call_counts()
    assert odoo.call_counts() == {}


def test_fault_settings_route(odoo: OdooSandbox, faults: None) -> None:
    put = requests.put(f"{odoo.url}/_sandbox/faults", json={"latency_ms": 30}, timeout=5)
    assert put.json()["latency_ms"] == 30 and odoo.faults.latency_ms == 30
    started = time.monotonic()
    ok(json2(odoo, "res.partner", "search_count", domain=[]))
    assert time.monotonic() - started >= 0.03
    bad = requests.put(f"{odoo.url}/_sandbox/faults", json={"rate_bogus": 1}, timeout=5)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("setting", "status", "content_type"),
    [
        ("rate_429", 429, "text/html"),
        ("rate_5xx", 502, "text/html"),
        ("rate_timeout", 504, "text/html"),
    ],
)
def test_proxy_faults_write_nothing(
    odoo: OdooSandbox, faults: None, setting: str, status: int, content_type: str
) -> None:
    odoo.faults.update({setting: 1, "timeout_seconds": 0.05, "retry_after": 7})
    before = len(odoo.records("res.partner"))
    response = json2(odoo, "res.partner", "create", vals_list={"name": "Faulted"})
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith(content_type)
    if status == 429:
        assert response.headers["Retry-After"] == "7"
    legacy = requests.post(
        f"{odoo.url}/jsonrpc",
        timeout=5,
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [odoo.db, 2, odoo.api_key, "res.partner", "create", [{"name": "F"}]],
            },
        },
    )
    assert legacy.status_code == status
    assert len(odoo.records("res.partner")) == before


def test_conflict_fault_is_odoos_serialization_failure(odoo: OdooSandbox, faults: None) -> None:
    odoo.faults.rate_conflict = 1.0
    before = len(odoo.records("res.partner"))
    response = json2(odoo, "res.partner", "create", vals_list={"name": "Conflicted"})
    assert response.status_code == 500
    assert response.json()["name"] == "psycopg2.errors.SerializationFailure"
    assert response.json()["message"] == "could not serialize access due to concurrent update\n"
    data = execute(odoo, "res.partner", "create", {"name": "Conflicted"})["error"]["data"]
    assert data["name"] == "psycopg2.errors.SerializationFailure"
    assert len(odoo.records("res.partner")) == before
    odoo.faults.rate_conflict = 0.0
    assert ok(json2(odoo, "res.partner", "search_count", domain=[])) >= 0


# ---------------------------------------------------------------- webhooks


class Receiver:
    """A tiny HTTP endpoint recording the JSON bodies posted to it."""

    def __init__(self, delay: float = 0.0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.delay = delay
        self.received = threading.Condition()
        self.server = BackgroundServer(self.app)

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        time.sleep(self.delay)
        with self.received:
            self.bodies.append(json.loads(body))
            self.received.notify_all()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    def wait_for(self, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        with self.received:
            self.received.wait_for(lambda: len(self.bodies) >= count, timeout)
            return list(self.bodies)


@pytest.fixture
def receiver(odoo: OdooSandbox) -> Iterator[Receiver]:
    hook = Receiver()
    with hook.server:
        yield hook
    odoo.set_webhooks([])


def test_webhooks_post_odoos_payload_after_each_change(odoo: OdooSandbox, receiver: Receiver) -> None:
    put = requests.put(
        f"{odoo.url}/_sandbox/webhooks",
        timeout=5,
        json=[
            {
                "model": "res.partner",
                "url": f"{receiver.server.url}/hook",
                "fields": ["name", "email", "write_date"],
                "on": ["create", "write"],
            }
        ],
    )
    assert put.status_code == 200 and put.json()[0]["model"] == "res.partner"
    [pid] = ok(json2(odoo, "res.partner", "create", vals_list={"name": "Hooked", "email": "h@x.test"}))
    [created] = receiver.wait_for(1)
    assert created == {
        "_action": "Send Webhook Notification(#1)",
        "_id": pid,
        "_model": "res.partner",
        "id": pid,
        "name": "Hooked",
        "email": "h@x.test",
        "write_date": created["write_date"],
    }
    odoo.write("res.partner", [pid], {"email": "hand@x.test"})
    [loaded] = ok(
        json2(odoo, "res.partner", "load", fields=["id", "name"], data=[["voicesync.contact_hook", "Loaded"]])
    )["ids"]
    bodies = receiver.wait_for(3)
    assert {(b["_id"], b["name"], b["email"]) for b in bodies} == {
        (pid, "Hooked", "h@x.test"),
        (pid, "Hooked", "hand@x.test"),
        (loaded, "Loaded", False),
    }
    ok(json2(odoo, "utm.campaign", "create", vals_list={"name": "Not hooked"}))
    deliveries = requests.get(f"{odoo.url}/_sandbox/webhook-deliveries", timeout=5).json()
    assert [d["status"] for d in deliveries][-3:] == [200, 200, 200]
    assert len(receiver.wait_for(4, timeout=0.3)) == 3


def test_webhook_is_posted_after_commit_before_the_answer_with_a_one_second_timeout(odoo: OdooSandbox) -> None:
    """As Odoo's ``cr.postcommit``: the request's own thread POSTs once the transaction has
    committed, so a slow receiver delays the answer by up to the timeout, and is not retried."""
    slow = Receiver(delay=1.5)
    with slow.server:
        odoo.set_webhooks([{"model": "res.partner", "url": slow.server.url, "fields": ["name"]}])
        before = len(odoo.webhook_deliveries())
        started = time.monotonic()
        ok(json2(odoo, "res.partner", "create", vals_list={"name": "Slow hook"}))
        elapsed = time.monotonic() - started
        odoo.set_webhooks([])
        assert 1.0 <= elapsed < 1.4
        [attempt] = odoo.webhook_deliveries()[before:]  # logged before the answer, once
    assert attempt["status"] is None and "Timeout" in attempt["error"]


def test_hand_edit_bumps_write_date(odoo: OdooSandbox) -> None:
    admin = 3  # the seeded "Administrator" partner, written when the sandbox started
    [before] = odoo.records("res.partner", [("id", "=", admin)], ["write_date"])
    while datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S") <= before["write_date"]:
        time.sleep(0.05)  # write_date has second precision, as in Odoo
    odoo.write("res.partner", admin, {"phone": "+32 2 000"})
    [after] = odoo.records("res.partner", [("id", "=", admin)], ["phone", "write_date"])
    assert after["phone"] == "+32 2 000"
    assert after["write_date"] > before["write_date"]
    assert ok(
        json2(odoo, "res.partner", "search", domain=[("write_date", ">", before["write_date"]), ("id", "=", admin)])
    ) == [admin]


@pytest.mark.parametrize("version", ["16", "17", "18"])
def test_voicesync_sandbox_answers_as_the_odoo_version_asked(tmp_path: Path, version: str) -> None:
    with sandbox_command(tmp_path, "--odoo-version", version) as printed:
        url = printed["ODOO_URL"]
        assert requests.get(f"{url}/web/version", timeout=5).status_code == 404
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}}
        answer = requests.post(f"{url}/jsonrpc", json=payload, timeout=5).json()["result"]
        assert answer["server_version"] == f"{version}.0"
