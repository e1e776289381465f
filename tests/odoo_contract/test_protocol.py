"""The protocol shapes voicesync relies on: the version answers, ``execute_kw``'s arguments, and the
error names and statuses its one classifier maps."""

from __future__ import annotations

import pytest
import requests

from shared.errors import ApiError, AuthError, ConfigError, InvalidRequest, NotFound
from shared.odoo import JSON2_SINCE_MAJOR, OdooClient, version_major
from tests.odoo_contract.conftest import OdooTarget


def _common_version(url: str) -> dict:
    payload = {"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}}
    return dict(requests.post(f"{url}/jsonrpc", json=payload, timeout=30).json()["result"])


def test_every_version_tells_its_version_and_only_19_has_web_version(odoo: OdooTarget) -> None:
    """``common.version`` answers on every Odoo; ``/web/version`` only from 19 on (a 404 before,
    which is what Odoo 17 and 18 answered voicesync's first version check)."""
    common = _common_version(odoo.url)
    major = common["server_version_info"][0]
    assert isinstance(major, int) and common["server_version"].startswith(str(major))
    web = requests.get(f"{odoo.url}/web/version", headers={"X-Odoo-Database": odoo.db}, timeout=30)
    if major >= JSON2_SINCE_MAJOR:
        assert set(web.json()) == {"version_info", "version"} and web.json()["version_info"][0] == major
    else:
        assert web.status_code == 404
    client = odoo.client("auto")
    assert version_major(client.version()) == major
    client.transport()
    assert client.protocol == ("json2" if major >= JSON2_SINCE_MAJOR else "jsonrpc")


def test_json2_asked_of_an_odoo_before_19_is_refused_in_one_line(odoo: OdooTarget) -> None:
    client = odoo.client("json2")
    if version_major(client.version()) >= JSON2_SINCE_MAJOR:
        assert client.call("res.partner", "search_count", domain=[]) >= 0
        return
    with pytest.raises(ConfigError) as refused:
        client.call("res.partner", "search_count", domain=[])
    assert "ODOO_PROTOCOL=json2 needs Odoo 19" in str(refused.value) and "\n" not in str(refused.value)


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
