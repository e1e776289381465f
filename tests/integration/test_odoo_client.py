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


def test_json_rpc_authenticates_once_per_process_and_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Odoo spends most of a second of CPU hashing the key on ``authenticate``: each worker
    process does it once, however many clients it builds (a spy counts the real calls)."""
    from shared.odoo import JsonRpcTransport

    services: list[str] = []
    real_rpc = JsonRpcTransport.rpc

    def spy(self: JsonRpcTransport, service: str, method: str, args: list) -> object:
        services.append(f"{service}.{method}")
        return real_rpc(self, service, method, args)

    monkeypatch.setattr(JsonRpcTransport, "rpc", spy)
    with OdooSandbox() as odoo:
        for _ in range(3):
            client_for(odoo, "jsonrpc").call("res.partner", "search", domain=[], limit=1)
        with pytest.raises(AuthError):
            client_for(odoo, "jsonrpc", api_key="0" * 40).call("res.partner", "search", domain=[], limit=1)
    assert services.count("common.authenticate") == 2  # one for the key, one for the wrong key
    assert services.count("object.execute_kw") == 3


def test_execute_kw_gets_ids_then_the_leading_parameters_positionally() -> None:
    from shared.odoo import execute_kw_args

    assert execute_kw_args("create", None, {"vals_list": [{"name": "A"}], "context": {"x": 1}}) == (
        [[{"name": "A"}]],
        {"context": {"x": 1}},
    )
    assert execute_kw_args("write", [4], {"vals": {"name": "B"}}) == ([[4], {"name": "B"}], {})
    assert execute_kw_args("search_read", None, {"fields": ["name"], "limit": 1}) == (
        [],
        {"fields": ["name"], "limit": 1},
    )
    assert execute_kw_args("load", None, {"fields": ["id"], "data": [["x"]]}) == ([["id"], [["x"]]], {})
