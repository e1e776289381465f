"""Odoo -> platform as bootstrap sets it up: the automation rule posts Odoo's outgoing-webhook
payload for a person's edit of a pushed field, and never for the integration user's own writes."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox.server import BackgroundServer
from shared.odoo import OdooClient
from shared.odoo_check import check
from shared.odoo_setup import Bootstrap
from tests.odoo_contract.conftest import OdooTarget


class Listener:
    """A stand-in receiver that keeps every body Odoo posts."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.server = BackgroundServer(self)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        with self._lock:
            self.bodies.append(json.loads(environ["wsgi.input"].read(size) or b"{}"))
        start_response("202 Accepted", [("Content-Type", "application/json")])
        return [b"{}"]

    def settled(self, seconds: float = 2.0) -> list[dict[str, Any]]:
        """What arrived, after giving a late post time to land."""
        time.sleep(seconds)
        with self._lock:
            return list(self.bodies)


@pytest.fixture
def listener() -> Iterator[Listener]:
    hooks = Listener()
    with hooks.server:
        yield hooks


@pytest.fixture
def with_rule(client: OdooClient, listener: Listener, webhook_actions: None) -> OdooClient:
    report = Bootstrap(client).run(f"{listener.server.url}/webhooks/odoo/token")
    assert any(change.owned.name == "automation_partner_push" for change in report.changes)
    return client


def _partners(client: OdooClient, count: int) -> list[int]:
    rows = [[f"voicesync.contact_auto{uuid.uuid4().hex[:8]}", f"Auto {n}", f"+1 555 02{n:02d}"] for n in range(count)]
    answer = client.write_quietly("res.partner", "load", fields=["id", "name", "phone"], data=rows)
    client.write_quietly(
        "res.partner", "load", fields=["id", "name", "phone"], data=[[r[0], r[1] + "!", r[2]] for r in rows]
    )
    return list(answer["ids"])


def test_the_integration_users_own_writes_trigger_nothing(with_rule: OdooClient, listener: Listener) -> None:
    ids = _partners(with_rule, 5)
    with_rule.write_quietly("res.partner", "write", ids=ids[:2], vals={"active": False})
    assert listener.settled() == []


def test_a_persons_edit_of_a_pushed_field_posts_the_payload(
    with_rule: OdooClient, listener: Listener, odoo: OdooTarget
) -> None:
    [partner] = _partners(with_rule, 1)
    odoo.edit_as_someone_else("res.partner", [partner], {"phone": "+1 555 0299"})
    odoo.edit_as_someone_else("res.partner", [partner], {"comment": "not a field voicesync owns"})
    bodies = listener.settled()
    assert len(bodies) == 1, bodies
    [body] = bodies
    assert set(body) == {"_action", "_id", "_model", "id", "write_date"}
    assert (body["_model"], body["_id"], body["id"]) == ("res.partner", partner, partner)
    assert body["write_date"]


def test_bootstrap_keeps_the_rule_up_to_date(with_rule: OdooClient, listener: Listener) -> None:
    url = f"{listener.server.url}/webhooks/odoo/token"
    assert Bootstrap(with_rule).run(url).changes == []
    moved = Bootstrap(with_rule).run(url.replace("token", "rotated"))
    assert [(c.verb, c.owned.name, c.fields) for c in moved.changes] == [
        ("update", "action_partner_push", ("webhook_url",))
    ]


def test_before_17_bootstrap_skips_the_rule_in_one_line_and_makes_the_rest(
    client: OdooClient, listener: Listener, odoo_major: int
) -> None:
    report = Bootstrap(client).run(f"{listener.server.url}/webhooks/odoo/token")
    made = {change.owned.name for change in report.changes}
    rule = [line for line in report.skipped if "Odoo -> platform" in line]  # (CRM is not installed here)
    if odoo_major >= 17:
        assert rule == [] and "automation_partner_push" in made
        return
    [skipped] = rule
    assert "needs Odoo 17 or later" in skipped and "\n" not in skipped
    assert "call_model" in made and not made & {"automation_partner_push", "action_partner_push"}
    assert Bootstrap(client).run(f"{listener.server.url}/webhooks/odoo/token").changes == []
    assert all(finding.ok for finding in check(client, f"{listener.server.url}/webhooks/odoo/token"))
