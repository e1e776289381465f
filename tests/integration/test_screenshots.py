"""``voicesync odoo screenshots`` on the stand-in Odoo, which has no web client: which contact and
call it shows, and one line, no traceback, when it cannot sign in. The pictures themselves are
taken from a real Odoo (``tests/odoo_contract/test_screenshots.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.screenshots import subjects
from sandbox.odoo import OdooSandbox
from shared.errors import VoicesyncError
from shared.odoo_owned import CALL_MODEL
from shared.odoo_setup import bootstrap
from shared.services import Services
from shared.settings import child_environment


def test_it_shows_the_contact_with_the_most_calls_and_its_latest(services: Services, odoo: OdooSandbox) -> None:
    bootstrap(services.odoo)
    with pytest.raises(VoicesyncError, match="sync calls first"):
        subjects(services.odoo, None)
    few, many = (odoo.create("res.partner", {"name": name}) for name in ("Few Calls", "Many Calls"))
    calls = ((few, "2026-12-01 09:00:00"), (many, "2026-12-02 09:00:00"), (many, "2026-12-03 09:00:00"))
    for partner, started in calls:
        odoo.create(CALL_MODEL, {"x_name": started, "x_partner_id": partner, "x_started_at": started})
    [latest] = odoo.records(CALL_MODEL, [("x_started_at", "=", "2026-12-03 09:00:00")], ["id"])
    [only] = odoo.records(CALL_MODEL, [("x_partner_id", "=", few)], ["id"])
    assert subjects(services.odoo, None) == (many, latest["id"], None)  # no CRM: no opportunity to show
    assert subjects(services.odoo, few) == (few, only["id"], None)


def test_no_web_sign_in_is_one_line(env: dict[str, str], odoo: OdooSandbox, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "odoo", "screenshots", "--login", "admin",
         "--password", "admin", "--out", str(tmp_path / "png")],
        env=child_environment(env), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert result.stderr.strip() == (
        f"Error: no web sign-in at {odoo.url}/web/session/authenticate (HTTP 404): is ODOO_URL Odoo's address?"
    )
    assert not (tmp_path / "png").exists()
