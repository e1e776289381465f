"""The protocol shapes voicesync relies on: ``/web/version``, ``execute_kw``'s arguments, and the
error names and statuses its one classifier maps."""

from __future__ import annotations

import pytest
import requests

from shared.errors import ApiError, AuthError, InvalidRequest, NotFound
from shared.odoo import JSON2_SINCE_MAJOR, OdooClient, version_major
from tests.odoo_contract.conftest import OdooTarget


def test_web_version_answers_its_own_shape(odoo: OdooTarget) -> None:
    answer = requests.get(f"{odoo.url}/web/version", headers={"X-Odoo-Database": odoo.db}, timeout=30).json()
    assert set(answer) == {"version_info", "version"}
    assert isinstance(answer["version_info"][0], int) and answer["version"].startswith(str(answer["version_info"][0]))
    client = odoo.client("auto")
    client.transport()
    assert client.protocol == ("json2" if version_major(answer) >= JSON2_SINCE_MAJOR else "jsonrpc")


def test_execute_kw_takes_create_records_positionally(odoo: OdooTarget) -> None:
    uid = odoo.client("jsonrpc").uid()

    def execute_kw(args: list, kwargs: dict) -> dict:
        params = [odoo.db, uid, odoo.api_key, "res.partner", "create", args, kwargs]
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": "object", "method": "execute_kw", "args": params},
        }
        return requests.post(f"{odoo.url}/jsonrpc", json=payload, timeout=60).json()

    named = execute_kw([], {"vals_list": [{"name": "Named"}]})
    assert named["error"]["data"]["name"] == "builtins.IndexError"
    positional = execute_kw([[{"name": "Positional"}]], {})
    assert isinstance(positional["result"], list) and len(positional["result"]) == 1
    client = odoo.client("jsonrpc")
    assert not client.call("res.partner", "search", domain=[("name", "=", "Named")])
    assert len(client.call("res.partner", "create", vals_list=[{"name": "Through voicesync"}])) == 1


@pytest.mark.parametrize(
    ("model", "method", "arguments", "expected"),
    [
        ("res.partner", "write", {"ids": [987654321], "vals": {"name": "Gone"}}, NotFound),
        ("res.partner", "search_read", {"domain": [], "fields": ["no_such_field"]}, InvalidRequest),
        ("ir.model", "create", {"vals_list": [{"name": "Bad", "model": "not_custom"}]}, InvalidRequest),
        ("res.partner", "_read_group", {"domain": []}, AuthError),
    ],
    ids=["missing record", "unknown field", "validation", "private method"],
)
def test_odoo_errors_are_classified_alike_on_both_protocols(
    client: OdooClient, model: str, method: str, arguments: dict, expected: type[ApiError]
) -> None:
    arguments = dict(arguments)
    ids = arguments.pop("ids", None)
    with pytest.raises(ApiError) as caught:
        client.call(model, method, ids=ids, **arguments)
    assert type(caught.value) is expected, f"{caught.value.name}: {caught.value}"
    assert not caught.value.retryable


def test_reading_a_record_that_is_gone_answers_nothing(client: OdooClient) -> None:
    """Odoo's ``read`` leaves out records that do not exist (only writes raise MissingError)."""
    [existing] = client.call("res.partner", "search", domain=[], limit=1)
    assert [row["id"] for row in client.call("res.partner", "read", ids=[existing, 987654321], fields=["name"])] == [
        existing
    ]


def test_a_wrong_key_and_a_wrong_database_are_fatal(odoo: OdooTarget, protocol: str) -> None:
    wrong_key = OdooClient(odoo.url, odoo.db, odoo.login, "0" * 40, protocol=protocol, timeout=30)
    with pytest.raises(AuthError):
        wrong_key.call("res.partner", "search", domain=[], limit=1)
    wrong_db = OdooClient(odoo.url, f"{odoo.db}_missing", odoo.login, odoo.api_key, protocol=protocol, timeout=30)
    with pytest.raises(NotFound):
        wrong_db.call("res.partner", "search", domain=[], limit=1)
