"""What an operator runs: the CLI, the health endpoint, beat, and the poison-message guard."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa

from cli.counts import COUNT_WORDS
from cli.processes import ManagedProcess, die_with_parent, wait_for
from sandbox.server import BackgroundServer
from shared.services import Services
from shared.settings import child_environment

VOICESYNC = [sys.executable, "-c", "from cli import main; main()"]


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VOICESYNC, *args], env=child_environment(env), capture_output=True, text=True, timeout=timeout
    )


def test_db_upgrade_creates_the_ledger(ledger_url: str, tmp_path: Path) -> None:
    done = run_cli(["db", "upgrade"], {"DATABASE_URL": ledger_url, "VOICESYNC_VAR_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    tables = set(sa.inspect(sa.create_engine(ledger_url)).get_table_names())
    assert {"inbox", "bindings", "sync_runs", "bookmarks", "dead_letters", "alembic_version"} <= tables
    again = run_cli(["db", "upgrade"], {"DATABASE_URL": ledger_url, "VOICESYNC_VAR_DIR": str(tmp_path)})
    assert again.returncode == 0, again.stderr


def test_sandbox_command_prints_settings_that_work(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*VOICESYNC, "sandbox", "--contacts", "7"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    try:
        assert process.stdout is not None
        settings = dict(process.stdout.readline().strip().split("=", 1) for _ in range(8))
        assert set(settings) == {f"VOICE_{k}" for k in ("PLATFORM", "API_URL", "API_KEY", "WEBHOOK_SECRET")} | {
            f"ODOO_{k}" for k in ("URL", "DB", "USER", "API_KEY")
        }
        listed = requests.get(
            f"{settings['VOICE_API_URL']}/v1/contacts",
            headers={"Authorization": f"Bearer {settings['VOICE_API_KEY']}"},
            timeout=5,
        )
        assert listed.status_code == 200 and listed.json()["total"] == 7
        assert requests.get(f"{settings['ODOO_URL']}/web/version", timeout=5).status_code == 200
        assert settings["VOICE_WEBHOOK_SECRET"].startswith("whsec_")
    finally:
        process.terminate()
        process.wait(10)


DEMO_SIZE = ["--contacts", "60", "--campaigns", "4", "--calls", "80"]
COUNT_LINE = re.compile(r"^run \d+ (\w+) \((\w+)\): \w+; (\d+) records(?:: ([^;\n]*))?", re.M)
PARITY_LINE = re.compile(r"^  (\w+): (\d+) records, all in Odoo", re.M)


def assert_counts_add_up(stdout: str) -> None:
    """Every run's line: its parts (``342 created, 158 unchanged``) add up to its total, and a
    full run counts no more records than the platform holds (a person many calls name, once)."""
    lines = COUNT_LINE.findall(stdout)
    assert len(lines) == 6, stdout  # a full and an incremental run of each entity
    platform = {entity: int(records) for entity, records in PARITY_LINE.findall(stdout)}
    for entity, mode, total, parts in lines:
        assert sum(int(part.split()[0]) for part in parts.split(", ") if part) == int(total), (total, parts)
        assert mode != "full" or int(total) <= platform[entity], (entity, total, platform)


def test_demo_runs_end_to_end_and_exits_zero(tmp_path: Path) -> None:
    done = run_cli(["demo", *DEMO_SIZE], {"VOICESYNC_VAR_DIR": str(tmp_path)}, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    for entity, records in (("contacts", 63), ("campaigns", 7), ("calls", 83)):
        assert f"{entity}: {records} records, all in Odoo with current values" in done.stdout
    assert "Flower http://127.0.0.1:" in done.stdout and "password" in done.stdout
    assert_counts_add_up(done.stdout)
    assert done.stdout.count(COUNT_WORDS) == 1
    assert f"  VOICESYNC_VAR_DIR={tmp_path / 'demo'} voicesync status    the demo's runs and counts\n" in done.stdout
    assert not (tmp_path / "demo" / "redis" / "redis.port").exists()  # its Redis was stopped


@pytest.mark.parametrize("vendor", ["vapi", "retell", "bland"])
def test_the_demo_runs_on_each_vendor_s_emulator(vendor: str, tmp_path: Path) -> None:
    done = run_cli(["demo", "--platform", vendor, *DEMO_SIZE], {"VOICESYNC_VAR_DIR": str(tmp_path)}, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    for entity in ("contacts", "campaigns", "calls"):
        assert re.search(rf"{entity}: [1-9]\d* records, all in Odoo with current values", done.stdout), done.stdout
    assert_counts_add_up(done.stdout)  # a person many calls name counts once


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:  # a thread or process that ended meanwhile
            continue
        for child in children:
            found |= {int(child)} | descendants(int(child))
    return found


@pytest.mark.parametrize("stop", ["ctrl-c", "voicesync stop"])
def test_demo_keep_running_stops_everything_on_ctrl_c_or_voicesync_stop(tmp_path: Path, stop: str) -> None:
    demo = subprocess.Popen(
        [*VOICESYNC, "demo", *DEMO_SIZE, "--keep-running"],
        env=child_environment({"VOICESYNC_VAR_DIR": str(tmp_path)}),
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    assert demo.stdout is not None
    shown = []
    for line in demo.stdout:
        shown.append(line)
        if "Ctrl-C stops it all" in line:
            break
    assert any(line.startswith("  Odoo stand-in http://127.0.0.1:") for line in shown), shown
    assert "  voicesync stop    stops it all from another terminal\n" in shown
    started = descendants(demo.pid)
    assert len(started) >= 5  # three worker pools, beat, Flower (and their pool children)
    if stop == "ctrl-c":
        demo.send_signal(signal.SIGINT)
    else:
        stopped = run_cli(["stop"], {"VOICESYNC_VAR_DIR": str(tmp_path)})
        assert stopped.stdout == f"stopped the demo (process {demo.pid}) and everything it started\n", stopped.stderr
    assert demo.wait(120) == 0
    time.sleep(0.5)
    assert [pid for pid in started if Path(f"/proc/{pid}").exists()] == []
    assert not (tmp_path / "demo" / "redis" / "redis.port").exists()


def test_healthz(receiver: BackgroundServer) -> None:
    answer = requests.get(f"{receiver.url}/healthz", timeout=5)
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_a_message_that_keeps_killing_its_worker_is_dead_lettered(
    services: Services, start_worker: Callable[..., ManagedProcess], redis_url: str
) -> None:
    """Simulated by its delivery count: as if five workers had died running it."""
    from workers.app import app

    task_id = str(uuid.uuid4())
    redis.Redis.from_url(redis_url).set(f"voicesync:deliveries:{task_id}:0", services.settings.max_deliveries)
    start_worker()
    app.send_task("contacts.sync_one", kwargs={"platform_id": "ct_00000001"}, task_id=task_id, queue="contacts")
    wait_for(lambda: services.dead_letters.count() == 1, 30, what="a dead letter")
    [letter] = services.dead_letters.list()
    assert letter.error_type == "Undeliverable" and "6 times" in letter.reason
    assert services.binder.count("contacts") == 0  # it did not run


def test_beat_runs_the_scheduled_reconciliation(
    services: Services, start_worker: Callable[..., ManagedProcess], env: dict[str, str], tmp_path: Path
) -> None:
    start_worker()
    beat_env = {**env, "DATABASE_URL": services.settings.ledger_url, "VOICESYNC_INCREMENTAL_EVERY": "1"}
    argv = [sys.executable, "-m", "celery", "-A", "workers", "beat", "-s", str(tmp_path / "beat-schedule")]
    beat = ManagedProcess("beat", argv, beat_env, tmp_path / "logs").start()
    try:
        wait_for(lambda: bool(services.runs.recent("contacts")), 30, what="a scheduled run")
        time.sleep(0.5)
        wait_for(
            lambda: any(r.status == "succeeded" for r in services.runs.recent("contacts", limit=20)),
            30,
            what="a scheduled run to succeed",
        )
    finally:
        beat.stop()
    assert services.binder.count("contacts") == 60
