"""``voicesync demo``: the whole system on embedded defaults, from nothing to parity, then clean up.

It starts an embedded Redis and a SQLite ledger under ``var/demo``, both sandboxes, the receiver,
a worker pool per entity, beat and Flower; runs a full reconciliation of every entity with live
progress bars; has the platform send a burst of signed webhooks of every type; waits until Odoo
matches the platform; and prints a summary. ``--keep-running`` leaves it all up until Ctrl-C.
Whatever happens, everything it started is stopped. Exit status 0 only when every record matches.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click

from cli.counts import COUNT_WORDS, counts
from cli.processes import ManagedProcess, celery_worker, stop_all
from cli.progress import watch
from cli.sandbox import sandbox_settings
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from sandbox.platform.vendors import NAMES
from sandbox.server import BackgroundServer
from shared import embedded_redis
from shared.entities import ENTITIES
from shared.odoo_setup import bootstrap
from shared.parity import ParityReport, check
from shared.ports import free_port
from shared.services import Services
from shared.settings import get_settings, use_environment

PID_FILE = "demo.pid"


def _burst(api: PlatformSandbox) -> int:
    """Platform changes of every kind; returns how many webhooks the platform sent about them
    (Vapi announces calls only)."""
    before = {delivery["id"] for delivery in api.deliveries()}
    for n in range(3):
        contact = api.create("contacts", {"first_name": f"Demo{n}", "last_name": "Created"})
        api.update("contacts", contact["id"], {"last_name": "Updated"})
        campaign = api.create("campaigns", {"name": f"Demo campaign {n}"})
        api.update("campaigns", campaign["id"], {"name": f"Demo campaign {n} (renamed)"})
        call = api.create("calls", {"contact_id": contact["id"], "campaign_id": campaign["id"]})
        api.update("calls", call["id"], {"status": "in_progress"})
        api.complete_call(call["id"], {"duration_seconds": 60 + n, "summary": "demo call"})
        gone_contact = api.create("contacts", {"first_name": f"Gone{n}"})
        api.delete("contacts", gone_contact["id"])
        gone_campaign = api.create("campaigns", {"name": f"Gone campaign {n}"})
        api.delete("campaigns", gone_campaign["id"])
    return len({delivery["id"] for delivery in api.deliveries()} - before)


def _summary(
    reports: dict[str, ParityReport], services: Services, run_ids: list[int], calls: int, seconds: float
) -> str:
    retries = sum(run.retries for run in (services.runs.get(i) for i in run_ids) if run)
    lines = [f"{'entity':<10} {'records':>8} {'bound':>7}  parity", "-" * 40]
    for name, report in reports.items():
        parity = "ok" if report.ok else "MISMATCH"
        lines.append(f"{name:<10} {report.platform_records:>8} {services.binder.count(name):>7}  {parity}")
    lines.append("-" * 40)
    lines.append(f"Odoo calls {calls}, retries {retries}, {seconds:.1f} s")
    return "\n".join(lines)


@click.command()
@click.option(
    "--platform", "vendor", default="generic", show_default=True, type=click.Choice(NAMES), help="Platform to emulate."
)
@click.option("--contacts", default=500, show_default=True, help="Contacts on the sandbox platform.")
@click.option("--campaigns", default=20, show_default=True, help="Campaigns on the sandbox platform.")
@click.option("--calls", default=1000, show_default=True, help="Calls on the sandbox platform.")
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for parity.")
@click.option("--keep-running", is_flag=True, help="Leave everything up until Ctrl-C.")
def demo(vendor: str, contacts: int, campaigns: int, calls: int, timeout: float, keep_running: bool) -> None:
    """Run voicesync end to end against the sandboxes and check parity."""
    _stop_on_signals()
    started = time.monotonic()
    var_dir = demo_dir(get_settings().var_dir)
    shutil.rmtree(var_dir, ignore_errors=True)
    with ExitStack() as stack:
        var_dir.mkdir(parents=True)
        (var_dir / PID_FILE).write_text(str(os.getpid()))
        stack.callback((var_dir / PID_FILE).unlink, missing_ok=True)
        broker = embedded_redis.ensure_running(var_dir)
        stack.callback(embedded_redis.stop, var_dir)
        api = stack.enter_context(
            PlatformSandbox(contacts=contacts, campaigns=campaigns, calls=calls, seed=7, vendor=vendor)
        )
        odoo = stack.enter_context(OdooSandbox())
        flower_user, flower_password = "demo", secrets.token_urlsafe(9)
        flower_auth = f"{flower_user}:{flower_password}"
        env = {
            **sandbox_settings(api, odoo),
            "VOICESYNC_VAR_DIR": str(var_dir),
            "BROKER_URL": broker,
            "VOICESYNC_RETRY_BACKOFF": "1.5",
            "VOICESYNC_RETRY_CAP": "10",
            "VOICESYNC_LOG_FORMAT": "json",
        }
        settings = use_environment(env)
        services = Services(settings)
        services.ledger.upgrade()
        bootstrap(services.odoo)
        logs = var_dir / "logs"
        processes = _processes(env, logs, flower_auth)
        stack.callback(stop_all, processes)
        for process in processes:
            process.start()
        from shared.producer.operations import start_resync
        from web import create_app

        receiver = stack.enter_context(BackgroundServer(create_app(settings)))
        api.webhook_url = f"{receiver.url}/webhooks/voice"
        click.echo(f"embedded Redis {broker}; ledger and logs under {var_dir}")
        click.echo(f"platform {api.url}  Odoo {odoo.url}  receiver {receiver.url}")
        flower = f"{_flower_url(env)}  (user {flower_user}, password {flower_password})"
        click.echo(f"Flower {flower}")

        click.echo("\nfull reconciliation of every entity:")
        run_ids = [start_resync(services, entity, full=True) for entity in ENTITIES]
        for run in watch(services, run_ids, timeout):
            click.echo(counts(run))
        click.echo(COUNT_WORDS)

        click.echo(f"\nthe platform changes records of every kind and sends {_burst(api)} signed webhooks about them")
        click.echo("an incremental reconciliation (beat runs one every few minutes) catches what none announced:")
        for run in watch(services, [start_resync(services, entity, full=False) for entity in ENTITIES], timeout):
            click.echo(counts(run))
        reports = _await_parity(services, timeout)
        click.echo("")
        click.echo(_summary(reports, services, run_ids, sum(odoo.call_counts().values()), time.monotonic() - started))
        click.echo(_next_steps(var_dir, {"Odoo stand-in": odoo.url, "Flower": flower} if keep_running else None))
        if keep_running:
            _wait_for_interrupt()
        if not all(r.ok for r in reports.values()):
            raise SystemExit(1)


def demo_dir(var_dir: Path) -> Path:
    """Where the demo keeps its embedded Redis, ledger and logs (emptied by each demo)."""
    return var_dir / "demo"


def _await_parity(services: Services, timeout: float) -> dict[str, ParityReport]:
    """Read both systems in full and compare, entity by entity, until they match or ``timeout``
    passes; each entity's verdict is shown as it comes (a round takes seconds per thousand records)."""
    click.echo("\nparity (every record read from the platform and from Odoo, and compared):")
    deadline = time.monotonic() + timeout
    while True:
        reports: dict[str, ParityReport] = {}
        for name, spec in ENTITIES.items():
            reports[name] = check(spec, services.platform, services.odoo, on_page=_reading(name))
            click.echo(f"  {reports[name].summary()}")
        pending = services.inbox.pending_count()
        if all(r.ok for r in reports.values()) and pending == 0:
            return reports
        if time.monotonic() > deadline:
            click.echo(f"  gave up after {timeout:.0f} s")
            return reports
        click.echo(f"  not yet ({pending} webhooks still being handled); checking again")
        time.sleep(0.5)


def _reading(entity: str, every: float = 2.0) -> Callable[[int], None]:
    """Say how far reading ``entity`` from the platform is, at most once every ``every`` seconds."""
    last = time.monotonic()

    def say(records: int) -> None:
        nonlocal last
        if time.monotonic() - last >= every:
            click.echo(f"  {entity}: {records} read from the platform so far")
            last = time.monotonic()

    return say


def _next_steps(var_dir: Path, urls: dict[str, str] | None) -> str:
    """What to look at now: the demo's ledger and logs, its runs through ``voicesync status``,
    and while it stays up, the Odoo stand-in and Flower."""
    command = _command()
    lines = [
        "\nwhat to open next:",
        f"  VOICESYNC_VAR_DIR={var_dir} {command} status    the demo's runs and counts",
        f"  ledger {var_dir / 'voicesync.db'} (SQLite); logs {var_dir / 'logs'}",
    ]
    if urls is None:
        lines.append(f"  {command} demo --keep-running    leaves the stand-ins, workers and Flower up to look at")
        return "\n".join(lines)
    for name, url in urls.items():
        lines.append(f"  {name} {url}")
    lines.append("  (the Odoo stand-in speaks Odoo's API, with no web pages; in a real Odoo the calls are under")
    lines.append("  the menu Voice Calls, and on each contact's form under the tab Voice calls)")
    lines.append(f"  {command} stop    stops it all from another terminal")
    return "\n".join(lines)


def _command() -> str:
    """How to run voicesync from here: ``voicesync`` when the shell finds this one, else its path
    (after ``make demo`` it lives in ``.venv/bin``, which is not on a newcomer's PATH)."""
    script, found = Path(sys.argv[0]), shutil.which("voicesync")
    if script.name != "voicesync" or (found is not None and Path(found).resolve() == script.resolve()):
        return "voicesync"
    try:
        return str(script.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(script.resolve())


def _flower_port(env: dict[str, str]) -> str:
    return env.setdefault("VOICESYNC_DEMO_FLOWER_PORT", str(free_port()))


def _flower_url(env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{_flower_port(env)}"


def _processes(env: dict[str, str], logs: Path, flower_auth: str) -> list[ManagedProcess]:
    """A worker pool per entity, beat and Flower, as production runs them."""
    celery = [sys.executable, "-m", "celery", "-A", "workers"]
    flower = [*celery, "flower", f"--port={_flower_port(env)}", "--address=127.0.0.1", f"--basic-auth={flower_auth}"]
    return [
        *(celery_worker(entity, env, logs) for entity in ENTITIES),
        ManagedProcess("beat", [*celery, "beat"], env, logs),
        ManagedProcess("flower", flower, env, logs),
    ]


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop everything cleanly, even when the demo was started with
    SIGINT ignored (as a shell does for a background job)."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C; the caller's ExitStack then stops everything."""
    try:
        click.echo("\neverything stays up; Ctrl-C stops it all")
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
