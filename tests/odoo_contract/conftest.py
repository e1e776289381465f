"""The Odoo a contract test talks to: the stand-in by default, a real Odoo when told.

``VOICESYNC_CONTRACT_ODOO_URL`` (with ``_USER``, ``_API_KEY``, and ``_DB`` or ``_TEMPLATE``) points
the suite at a real Odoo. With ``_TEMPLATE`` every test gets a fresh database, copied from it
through Odoo's own database service (``_MASTER_PASSWORD`` is the server's ``admin_passwd``) and
dropped afterwards; with ``_DB`` only, every test runs on that database, which it changes: use a
staging copy. Each test runs over JSON-2 and JSON-RPC; on an Odoo before 19, JSON-2 is skipped.
Without a real Odoo, each test runs against the stand-in at every version it emulates.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from sandbox.odoo import OdooSandbox
from sandbox.odoo.catalog import DEFAULT_MODULES
from sandbox.odoo.release import SUPPORTED
from shared.odoo import JSON2_SINCE_MAJOR, OdooClient, version_major
from shared.odoo_setup import WEBHOOK_ACTIONS_SINCE_MAJOR
from tests.integration.conftest import services, start_worker  # noqa: F401  (fixtures)

PREFIX = "VOICESYNC_CONTRACT_ODOO_"
EDITOR_LOGIN = "voicesync-contract-editor"
EDITOR_GROUPS = ("base.group_user", "base.group_partner_manager")
PLAIN_LOGIN = "voicesync-contract-plain"
CRM_MODULE = "crm"
DROP_WAIT_SECONDS = 60.0


def contract_setting(name: str) -> str:
    return os.environ.get(PREFIX + name, "").strip()


def real_odoo() -> bool:
    return bool(contract_setting("URL"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "odoo_contract" in item.nodeid:
            item.add_marker(pytest.mark.odoo_contract)


@dataclass
class OdooTarget:
    """One database of the Odoo under test, and what a test needs to drive it from outside."""

    url: str
    db: str
    login: str
    api_key: str
    sandbox: OdooSandbox | None = None
    _editor_password: str = field(default="", repr=False)

    def client(self, protocol: str, **options: Any) -> OdooClient:
        return OdooClient(self.url, self.db, self.login, self.api_key, protocol=protocol, timeout=120, **options)

    def edit_as_someone_else(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        """An edit made by an Odoo user other than the integration user, as people make them."""
        if self.sandbox is not None:
            self.sandbox.write(model, ids, values)
            return
        editor = OdooClient(self.url, self.db, EDITOR_LOGIN, self.editor_password(), protocol="jsonrpc", timeout=60)
        editor.call(model, "write", ids=ids, vals=values)
        editor.close()

    def editor_password(self) -> str:
        """The password of the second internal user (made on first use): a person's sign-in."""
        if not self._editor_password:
            self._editor_password = self._make_editor()
        return self._editor_password

    def user_partner(self, login: str, name: str) -> int:
        """The partner of a new internal user, made as an administrator makes one."""
        if self.sandbox is not None:
            user = self.sandbox.create("res.users", {"login": login, "name": name})
            [row] = self.sandbox.records("res.users", [("id", "=", user)], ["partner_id"])
        else:
            admin = self.client("jsonrpc")
            [user] = admin.call("res.users", "create", vals_list=[{"login": login, "name": name}])
            [row] = admin.call("res.users", "read", ids=[user], fields=["partner_id"])
            admin.close()
        return int(row["partner_id"][0])

    def install(self, module: str) -> None:
        """Install ``module`` unless it is (what an administrator does from the Apps menu)."""
        admin = self.client("jsonrpc")
        [row] = admin.call("ir.module.module", "search_read", domain=[("name", "=", module)], fields=["state"])
        if row["state"] != "installed":
            admin.call("ir.module.module", "button_immediate_install", ids=[row["id"]])
        admin.close()

    def _make_editor(self) -> str:
        """A second internal user who may edit contacts; made once per database."""
        return self.make_user(EDITOR_LOGIN, "Contract editor", EDITOR_GROUPS)

    def plain_user(self) -> OdooClient:
        """A client signed in as an internal user in no group but ``base.group_user`` (JSON-RPC,
        with a password, as a person's session is; JSON-2 takes API keys only)."""
        if self.sandbox is not None:
            password = uuid.uuid4().hex
            uid = self.sandbox.create("res.users", {"login": PLAIN_LOGIN, "name": "Plain user", "password": password})
            [group] = self.sandbox.records(
                "ir.model.data", [("module", "=", "base"), ("name", "=", "group_user")], ["res_id"]
            )
            members = "user_ids" if version_major(self.client("jsonrpc").version()) >= 19 else "users"
            self.sandbox.write("res.groups", [group["res_id"]], {members: [(4, uid)]})
        else:
            password = self.make_user(PLAIN_LOGIN, "Plain user", ("base.group_user",))
        return OdooClient(self.url, self.db, PLAIN_LOGIN, password, protocol="jsonrpc", timeout=60)

    def make_user(self, login: str, name: str, groups: tuple[str, ...]) -> str:
        """An internal user of ``groups`` with a new password (made, or reset), as an administrator
        makes one; returns the password."""
        admin = self.client("jsonrpc")
        password = uuid.uuid4().hex
        group_ids = [
            admin.call("ir.model.data", "check_object_reference", module=m, xml_id=n)[1]
            for m, n in (g.split(".") for g in groups)
        ]
        found = admin.call("res.users", "search", domain=[("login", "=", login)])
        groups_field = "group_ids" if version_major(admin.version()) >= JSON2_SINCE_MAJOR else "groups_id"
        values = {"password": password, groups_field: [(6, 0, group_ids)]}
        if found:
            admin.call("res.users", "write", ids=found, vals=values)
        else:
            admin.call("res.users", "create", vals_list=[{"name": name, "login": login, **values}])
        admin.close()
        return password


def _rpc(url: str, service: str, method: str, args: list[Any]) -> Any:
    payload = {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}}
    body = requests.post(f"{url}/jsonrpc", json=payload, timeout=300).json()
    if body.get("error"):
        raise RuntimeError(f"Odoo's {service}.{method} failed: {body['error'].get('data', {}).get('message')}")
    return body.get("result")


def _drop(url: str, master: str, db: str) -> None:
    """Drop a test's database; Odoo 19's job runner looks into every database about once a minute,
    and a database it holds open cannot be dropped until it lets go."""
    deadline = time.monotonic() + DROP_WAIT_SECONDS
    while True:
        try:
            _rpc(url, "db", "drop", [master, db])
            return
        except RuntimeError as exc:
            if "being accessed by other users" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(1)


@pytest.fixture(params=["json2", "jsonrpc"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The stand-in's versions (the real Odoo has one: its own)."""
    if "odoo_version" in metafunc.fixturenames:
        versions = ["real"] if real_odoo() else [f"{major}.0" for major in SUPPORTED]
        metafunc.parametrize("odoo_version", versions, ids=[f"odoo{v.split('.')[0]}" for v in versions])


@pytest.fixture
def odoo(protocol: str, odoo_version: str, request: pytest.FixtureRequest) -> Iterator[OdooTarget]:
    """A fresh database (the stand-in, a copy of the template, or the named staging database);
    with CRM installed for a test marked ``crm``."""
    crm = request.node.get_closest_marker("crm") is not None
    if not real_odoo():
        modules = (*DEFAULT_MODULES, CRM_MODULE) if crm else DEFAULT_MODULES
        with OdooSandbox(version=odoo_version, modules=modules) as sandbox:
            target = OdooTarget(sandbox.url, sandbox.db, sandbox.login, sandbox.api_key, sandbox)
            _skip_json2_before_19(target, protocol)
            yield target
        return
    url = contract_setting("URL").rstrip("/")
    login, key = contract_setting("USER") or "admin", contract_setting("API_KEY")
    template, master = contract_setting("TEMPLATE"), contract_setting("MASTER_PASSWORD")
    if crm and contract_setting("CRM_TEMPLATE"):
        template = contract_setting("CRM_TEMPLATE")
    if not template:
        target = OdooTarget(url, contract_setting("DB"), login, key)
        _skip_json2_before_19(target, protocol)
        if crm:
            target.install(CRM_MODULE)
        yield target
        return
    db = f"voicesync_contract_{uuid.uuid4().hex[:8]}"
    _rpc(url, "db", "duplicate_database", [master, template, db])
    target = OdooTarget(url, db, login, key)
    try:
        _skip_json2_before_19(target, protocol)
        if crm:
            target.install(CRM_MODULE)
        yield target
    finally:
        _drop(url, master, db)


@pytest.fixture
def odoo_major(odoo: OdooTarget) -> int:
    """The major version of the Odoo under test."""
    return version_major(odoo.client("jsonrpc").version())


@pytest.fixture
def webhook_actions(odoo_major: int) -> None:
    """Skips a test of Odoo -> platform on an Odoo without webhook actions (before 17)."""
    if odoo_major < WEBHOOK_ACTIONS_SINCE_MAJOR:
        pytest.skip(f"Odoo {odoo_major} has no webhook actions: Odoo -> platform needs Odoo 17 or later")


@pytest.fixture
def newest_stand_in_only(odoo: OdooTarget, odoo_major: int) -> None:
    """Skips the stand-in's older versions for a test whose records reach nothing they change
    (a vendor's records: the Odoo side they touch is the generic full sync's, run at every version)."""
    if odoo.sandbox is not None and odoo_major != max(SUPPORTED):
        pytest.skip(f"the stand-in at {odoo_major} differs from {max(SUPPORTED)} in nothing this test reaches")


def _skip_json2_before_19(target: OdooTarget, protocol: str) -> None:
    if protocol == "json2" and version_major(target.client("jsonrpc").version()) < JSON2_SINCE_MAJOR:
        pytest.skip("JSON-2 arrived in Odoo 19")


@pytest.fixture
def client(odoo: OdooTarget, protocol: str) -> Iterator[OdooClient]:
    odoo_client = odoo.client(protocol)
    yield odoo_client
    odoo_client.close()


@pytest.fixture
def env(env: dict[str, str], odoo: OdooTarget, protocol: str) -> dict[str, str]:
    """The integration fixtures' settings, with the protocol under test forced."""
    return {**env, "ODOO_PROTOCOL": protocol, "ODOO_TIMEOUT": "120"}
