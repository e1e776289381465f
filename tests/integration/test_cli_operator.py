"""An operator's first hour with the CLI: the version, ``--json`` on every report, dead letters as a
table, a bootstrap that shows what it would do and asks before it deletes, ``voicesync stop``.
Each command runs as a subprocess, as an operator runs it, in a directory of its own."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from sandbox.odoo import OdooSandbox
from shared import embedded_redis
from shared.ledger.db import Ledger
from shared.ledger.dead_letters import DeadLetters
from tests.integration.test_cli_first_minutes import VOICESYNC, newcomer_env, voicesync

UNINSTALL_REFUSED = (
    "Error: --uninstall deletes 2 call records from Odoo: add --yes to go ahead (--dry-run lists what it removes)"
)


def on_a_terminal(argv: list[str], answer: str = "", **popen: Any) -> tuple[int, str]:
    """Run ``argv`` with a terminal for stdin, stdout and stderr, typing ``answer``; its exit code
    and what it showed."""
    screen, terminal = pty.openpty()
    process = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, **popen)
    os.close(terminal)
    os.write(screen, answer.encode())
    shown = b""
    while True:
        try:
            chunk = os.read(screen, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(screen)
    return process.wait(60), shown.decode()


def uninstall_on_a_terminal(cwd: Path, answer: str, **env: str) -> tuple[int, str]:
    argv = [*VOICESYNC, "odoo", "bootstrap", "--uninstall"]
    return on_a_terminal(argv, answer, cwd=cwd, env=newcomer_env(**env))


def test_version_is_the_installed_package_s(tmp_path: Path) -> None:
    shown = voicesync(["--version"], tmp_path)
    assert (shown.returncode, shown.stdout) == (0, f"voicesync {version('voicesync')}\n")


def test_dead_letters_are_a_table_in_100_columns_and_json_has_every_field(tmp_path: Path) -> None:
    assert voicesync(["db", "upgrade"], tmp_path).returncode == 0
    letters = DeadLetters(Ledger(f"sqlite:///{tmp_path / 'var' / 'voicesync.db'}"))
    reason = "Odoo refused the write: " + "the field x_summary is too long; " * 20
    first = letters.add(
        "calls.sync_one",
        {"platform_id": "call_8f3a"},
        error_type="InvalidRequest",
        reason=reason,
        record_id="call_8f3a",
    )
    second = letters.add(
        "contacts.sync_many", {"platform_ids": ["c1", "c2", "c3"]}, error_type="AuthError", reason="401"
    )
    third = letters.add("campaigns.reconcile", {"full": True, "run_id": 12}, error_type="DataError", reason="bad\npage")
    letters.mark_replayed(second)
    listed = voicesync(["dlq", "list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "id    created     replayed    task                record         error"
    assert all(len(line) <= 100 for line in lines), lines
    rows = {int(line.split()[0]): line for line in lines[1:-1]}
    assert set(rows) == {first, second, third} and lines[-1] == "3 dead letters"
    assert rows[first][18:].startswith("-           calls.sync_one      call_8f3a      InvalidRequest: Odoo refused")
    assert rows[first].endswith("...") and len(rows[first]) == 100
    assert rows[second][18:19] != "-" and "contacts.sync_many  c1,c2,c3       AuthError: 401" in rows[second]
    assert rows[third].endswith("campaigns.reconcile run 12         DataError: bad")
    as_json = json.loads(voicesync(["dlq", "list", "--json"], tmp_path).stdout)
    assert [letter["id"] for letter in as_json] == [first, second, third]
    assert as_json[0]["reason"] == reason and as_json[0]["kwargs"] == {"platform_id": "call_8f3a"}
    assert as_json[0]["replayed_at"] is None and as_json[1]["replayed_at"].endswith("Z")


def test_replaying_all_of_no_dead_letters_says_so(tmp_path: Path) -> None:
    assert voicesync(["db", "upgrade"], tmp_path).returncode == 0
    replayed = voicesync(["dlq", "replay", "--all"], tmp_path)
    assert (replayed.returncode, replayed.stdout, replayed.stderr) == (0, "no dead letters to replay\n", "")


def test_reports_as_json(tmp_path: Path) -> None:
    upgraded = voicesync(["db", "upgrade", "--json"], tmp_path)
    assert json.loads(upgraded.stdout) == {
        "ledger": f"sqlite:///{tmp_path.resolve() / 'var' / 'voicesync.db'}",
        "up_to_date": True,
    }
    relayed = voicesync(["relay", "--json"], tmp_path)
    assert relayed.returncode == 0, relayed.stderr
    assert json.loads(relayed.stdout) == {"pending": 0, "stuck": 0, "sent": 0, "pruned": 0}
    with OdooSandbox() as odoo:
        settings = {"ODOO_URL": odoo.url, "ODOO_DB": odoo.db, "ODOO_USER": odoo.login, "ODOO_API_KEY": odoo.api_key}
        checked = voicesync(["odoo", "check", "--json"], tmp_path, **settings)
        findings = json.loads(checked.stdout)
        assert checked.returncode == 1 and findings[0] == {"ok": True, "text": f"Odoo 19.0 at {odoo.url}, over json2"}
        assert {
            "ok": False,
            "text": "the call model x_voicesync_call does not exist: run `voicesync odoo bootstrap`",
        } in (findings)
        planned = json.loads(voicesync(["odoo", "bootstrap", "--dry-run", "--json"], tmp_path, **settings).stdout)
        assert planned["dry_run"] is True and planned["notes"] == []
        assert [line.endswith("CRM is not installed") for line in planned["skipped"]] == [True]
        model = {"verb": "create", "model": "ir.model", "name": "call_model", "title": "model x_voicesync_call"}
        assert planned["changes"][0] == {**model, "fields": []}


def test_bootstrap_dry_runs_change_nothing_and_uninstall_asks_before_deleting_calls(tmp_path: Path) -> None:
    assert voicesync(["db", "upgrade"], tmp_path).returncode == 0
    with OdooSandbox() as odoo:
        settings = {"ODOO_URL": odoo.url, "ODOO_DB": odoo.db, "ODOO_USER": odoo.login, "ODOO_API_KEY": odoo.api_key}

        def call_model_exists() -> bool:
            return bool(odoo.records("ir.model", [("model", "=", "x_voicesync_call")], ["id"]))

        planned = voicesync(["odoo", "bootstrap", "--dry-run"], tmp_path, **settings)
        skipped, *changes, total = planned.stdout.splitlines()
        assert skipped.endswith("skipped, CRM is not installed")  # what this Odoo cannot hold comes first
        assert changes[0] == "would create model x_voicesync_call"
        assert all(line.startswith("would ") for line in changes)
        assert total == f"dry run: {len(changes)} changes, nothing written"
        assert not call_model_exists()
        made = voicesync(["odoo", "bootstrap"], tmp_path, **settings)
        assert made.stdout.splitlines()[-1] == f"done: {len(changes)} changes", made.stdout
        for name in ("call 1", "call 2"):
            odoo.create("x_voicesync_call", {"x_name": name})

        refused = voicesync(["odoo", "bootstrap", "--uninstall"], tmp_path, **settings)
        assert (refused.returncode, refused.stdout, refused.stderr.strip()) == (1, "", UNINSTALL_REFUSED)
        listed = voicesync(["odoo", "bootstrap", "--uninstall", "--dry-run"], tmp_path, **settings)
        removals = listed.stdout.splitlines()
        assert "would remove model x_voicesync_call" in removals and removals[-1].startswith("dry run: ")
        assert call_model_exists() and len(odoo.records("x_voicesync_call", None, ["id"])) == 2

        code, screen = uninstall_on_a_terminal(tmp_path, "n\n", **settings)
        assert code == 1 and "Remove everything bootstrap made from Odoo, 2 call records included? [y/N]" in screen
        assert "Aborted!" in screen and call_model_exists()
        code, screen = uninstall_on_a_terminal(tmp_path, "y\n", **settings)
        assert code == 0 and screen.splitlines()[-1] == f"removed: {len(removals) - 1} changes", screen
        assert not call_model_exists()
        again = voicesync(["odoo", "bootstrap", "--uninstall", "--yes"], tmp_path, **settings)
        assert (again.returncode, again.stdout) == (0, "nothing to remove\n")


def test_stop_stops_the_embedded_redis_or_says_nothing_was_running(tmp_path: Path) -> None:
    var = tmp_path / "var"
    port = int(embedded_redis.ensure_running(var).rsplit(":", 1)[1].split("/")[0])
    stopped = voicesync(["stop"], tmp_path)
    assert (stopped.returncode, stopped.stdout) == (
        0,
        f"stopped the embedded Redis under {var.resolve() / 'redis'} (port {port})\n",
    )
    assert embedded_redis.stop(var) is None  # it no longer answers
    again = voicesync(["stop"], tmp_path)
    assert (again.returncode, again.stdout) == (0, f"nothing was running (no demo, no embedded Redis under {var})\n")


@pytest.mark.parametrize("args", [["dlq", "list"], ["status"]])
def test_json_is_the_whole_output(tmp_path: Path, args: list[str], redis_url: str) -> None:
    """What a script reads is JSON alone: no progress, no count lines, no escape codes."""
    assert voicesync(["db", "upgrade"], tmp_path).returncode == 0
    shown = voicesync([*args, "--json"], tmp_path, BROKER_URL=redis_url)  # status asks the broker too
    assert shown.returncode == 0, shown.stderr
    json.loads(shown.stdout)
