"""JSON logs that follow one change from webhook id to task id to Odoo record, with no secret."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared.services import Services


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def test_a_change_is_traceable_from_webhook_to_odoo_and_no_secret_is_logged(
    services: Services,
    start_worker: Callable[..., ManagedProcess],
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    worker = start_worker()
    web = start_receiver({**env, "DATABASE_URL": services.settings.ledger_url})
    platform.webhook_url = f"{web}/webhooks/voice"
    record = platform.update("contacts", platform.records("contacts")[1]["id"], {"first_name": "Traced"})
    wait_for(lambda: bool(odoo.records("res.partner", [("name", "like", "Traced %")], [])), 30, what="Odoo")
    [delivery] = platform.deliveries()
    correlation = f"voice:{delivery['id']}"

    def synced_line() -> dict[str, Any] | None:
        return next((line for line in json_lines(worker.log_path) if line.get("platform_id") == record["id"]), None)

    wait_for(lambda: synced_line() is not None, 10, what="the worker's log line")
    synced = synced_line()
    assert synced is not None
    [partner] = odoo.records("res.partner", [("name", "like", "Traced %")], ["id"])
    assert (synced["correlation_id"], synced["odoo_id"], synced["level"]) == (correlation, partner["id"], "INFO")
    web_lines = json_lines(tmp_path / "logs" / "web0.log")
    accepted = [line for line in web_lines if line.get("correlation_id") == correlation]
    assert [line["message"] for line in accepted] == ["webhook contact.updated accepted"]
    [enqueued] = [line for line in web_lines if correlation in line.get("correlation_ids", [])]
    assert enqueued["celery_task_id"] == synced["task_id"] and accepted[0]["inbox_id"] in enqueued["inbox_ids"]
    everything = "".join(path.read_text() for path in (tmp_path / "logs").iterdir())
    for secret in (env["VOICE_API_KEY"], env["ODOO_API_KEY"], env["VOICE_WEBHOOK_SECRET"]):
        assert secret not in everything


def test_the_access_log_holds_no_token_and_no_query_string(
    services: Services, start_receiver: Callable[[dict[str, str]], str], env: dict[str, str], tmp_path: Path
) -> None:
    """Under gunicorn, as deployed: the Odoo token was in every access line, and a query string
    (``/admin/status?token=...``) was logged verbatim."""
    import requests

    token, admin = "odoo-token-in-the-path-0123456789", "admin-token-for-the-test-0123456789"
    web = start_receiver({**env, "DATABASE_URL": services.settings.ledger_url, "ODOO_WEBHOOK_TOKEN": token,
                          "ADMIN_TOKEN": admin})  # fmt: skip
    note = {"_id": 5, "_model": "x_other", "write_date": "2026-01-01 10:00:00"}
    assert requests.post(f"{web}/webhooks/odoo/{token}", json=note, timeout=5).status_code == 202
    guessed = "pasted-into-a-query-string-by-mistake"
    requests.get(f"{web}/admin/status?token={guessed}", timeout=5)
    requests.get(f"{web}/admin/status", headers={"Authorization": f"Bearer {admin}"}, timeout=5)
    log = tmp_path / "logs" / "web0.log"
    wait_for(lambda: log.read_text().count("/admin/status") >= 2, 10, what="the access lines")
    text = log.read_text()
    assert "POST /webhooks/odoo/*** " in text  # the line is there, its token is not
    assert token not in text and guessed not in text and admin not in text
