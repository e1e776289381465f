"""The receiver under gunicorn while its broker or its database is cut off (by a TCP proxy in
front of the real service): every 2xx reaches Odoo, and a 503 is retried by the sender."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared.services import Services
from shared.settings import child_environment
from tests.tcp_proxy import TcpProxy

StartWorker = Callable[..., ManagedProcess]


def through_proxy(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    return parts._replace(
        netloc=parts.netloc.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}")
    ).geturl()


def test_broker_outage_loses_nothing(
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    env: dict[str, str],
) -> None:
    broker = urlsplit(env["BROKER_URL"])
    proxy = TcpProxy(str(broker.hostname), int(broker.port or 6379))
    ledger = {"DATABASE_URL": services.settings.ledger_url}
    web = start_receiver({**env, **ledger, "BROKER_URL": through_proxy(env["BROKER_URL"], proxy)})
    start_worker()
    platform.webhook_url = f"{web}/webhooks/voice"
    proxy.cut()
    changed = {}
    for record in platform.records("contacts")[:5]:
        changed[record["id"]] = f"Outage{record['id'][-3:]}"
        delivery = platform.update("contacts", record["id"], {"first_name": changed[record["id"]]})
        assert delivery is not None
    statuses = [d["status"] for d in platform.deliveries()]
    assert statuses == [202] * 5  # accepted while the broker was unreachable
    assert requests.get(f"{web}/readyz", timeout=5).status_code == 503
    assert services.inbox.pending_count() == 5
    proxy.restore()
    relayed = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "relay", "--min-age", "0"],
        env=child_environment({**env, **ledger}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert relayed.returncode == 0 and "pending 5" in relayed.stdout and "sent 5" in relayed.stdout, relayed.stdout
    for record_id, first_name in changed.items():
        wait_for(
            lambda first_name=first_name: bool(odoo.records("res.partner", [("name", "like", f"{first_name} %")], [])),
            30,
            what=f"{record_id} in Odoo",
        )
    wait_for(
        lambda: all(r.status == "processed" for r in services.inbox.by_status("processed", "enqueued", "received")), 30
    )
    assert services.inbox.pending_count() == 0


@pytest.mark.parametrize("ledger_url", ["postgresql"], indirect=True)
def test_database_outage_answers_503_and_the_retry_lands(
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    env: dict[str, str],
) -> None:
    database = urlsplit(services.settings.ledger_url)
    proxy = TcpProxy(str(database.hostname), int(database.port or 5432))
    web = start_receiver({**env, "DATABASE_URL": through_proxy(services.settings.ledger_url, proxy)})
    start_worker()
    platform.webhook_url = f"{web}/webhooks/voice"
    platform.retry_schedule = [1.0, 1.0, 2.0, 2.0, 4.0]
    record = platform.records("contacts")[3]
    proxy.cut()
    platform.update("contacts", record["id"], {"first_name": "AfterOutage"})
    [first] = platform.deliveries()
    assert first["status"] == 503
    assert services.inbox.pending_count() == 0 and services.inbox.by_status("received", "enqueued", "processed") == []
    proxy.restore()
    wait_for(lambda: any(d["status"] == 202 for d in platform.deliveries()), 30, what="the sender's retry")
    wait_for(lambda: bool(odoo.records("res.partner", [("name", "like", "AfterOutage %")], [])), 30, what="Odoo")
    attempts = platform.deliveries()
    assert len({d["id"] for d in attempts}) == 1 and len(services.inbox.by_status("processed")) == 1
