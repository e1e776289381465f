"""Our Odoo client on both protocols against the sandbox over HTTP, errors included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.odoo import OdooSandbox
from shared.errors import AuthError, InvalidRequest, NotFound, RetryableError
from shared.odoo import OdooClient, version_major


@pytest.fixture(params=["19.0", "17.0"])
def server(request: pytest.FixtureRequest) -> Iterator[OdooSandbox]:
    with OdooSandbox(version=request.param) as odoo:
        yield odoo


def client_for(odoo: OdooSandbox, protocol: str = "auto", api_key: str | None = None) -> OdooClient:
    return OdooClient(odoo.url, odoo.db, odoo.login, api_key or odoo.api_key, protocol=protocol, timeout=5)


def test_auto_picks_json2_from_19_and_jsonrpc_before(server: OdooSandbox) -> None:
    client = client_for(server)
    partner_id = client.call("res.partner", "create", vals_list=[{"name": "Grace"}])[0]
    assert client.protocol == ("json2" if version_major(client.version()) >= 19 else "jsonrpc")
    assert client.call("res.partner", "read", ids=[partner_id], fields=["name"])[0]["name"] == "Grace"


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
def test_same_answers_over_both_protocols(protocol: str) -> None:
    with OdooSandbox() as odoo:
        client = client_for(odoo, protocol)
        answer = client.call(
            "res.partner", "load", fields=["id", "name", "email"], data=[["voicesync.contact_x", "Ada", "a@x.org"]]
        )
        assert answer["messages"] == [] and len(answer["ids"]) == 1
        rows = client.call("res.partner", "search_read", domain=[("email", "=", "a@x.org")], fields=["name"])
        assert [r["name"] for r in rows] == ["Ada"]
        assert client.call("res.partner", "write", ids=answer["ids"], vals={"name": "Ada L."}) is True


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
def test_errors_map_onto_one_hierarchy(protocol: str) -> None:
    with OdooSandbox() as odoo:
        client = client_for(odoo, protocol)
        with pytest.raises(NotFound):
            client.call("res.partner", "write", ids=[987654], vals={"name": "x"})
        with pytest.raises(InvalidRequest):
            client.call("res.partner", "search_read", domain=[("no_such_field", "=", 1)], fields=["name"])
        with pytest.raises(AuthError) as denied:
            client_for(odoo, protocol, api_key="wrong-key").call("res.partner", "search_count", domain=[])
        assert "wrong-key" not in str(denied.value) and odoo.api_key not in str(denied.value)


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
@pytest.mark.parametrize("fault", ["rate_conflict", "rate_5xx", "rate_429"])
def test_transient_odoo_failures_are_retryable(protocol: str, fault: str) -> None:
    with OdooSandbox() as odoo:
        client = client_for(odoo, protocol)
        client.transport()  # authenticate before the faults start
        odoo.faults.update({fault: 1.0})
        with pytest.raises(RetryableError):
            client.call("res.partner", "create", vals_list=[{"name": "Never"}])
        odoo.faults.update({fault: 0.0})
        assert odoo.records("res.partner", [("name", "=", "Never")], ["id"]) == []


def test_an_unreachable_odoo_is_retryable() -> None:
    with OdooSandbox() as odoo:
        url = odoo.url
    with pytest.raises(RetryableError):
        OdooClient(url, "voicesync", "admin", "k", protocol="json2", timeout=1).call(
            "res.partner", "search_count", domain=[]
        )
