"""``voicesync demo``: the whole path on embedded defaults, from nothing to parity, then clean up.

It starts an embedded Redis, a SQLite ledger under ``var/demo``, both sandboxes, the receiver and
the worker pools; runs a full reconciliation with live progress; has the platform change records
and send their webhooks; waits until Odoo matches the platform; prints a summary and stops
everything it started. Exit status 0 only when every record matches.
"""

from __future__ import annotations

import shutil
import time
from contextlib import ExitStack

import click

from cli.processes import celery_worker, wait_for
from cli.progress import counts, watch
from cli.sandbox import sandbox_settings
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared import embedded_redis
from shared.entities import ENTITIES
from shared.parity import check
from shared.services import Services
from shared.settings import get_settings, use_environment

DEMO_ENTITIES = ("contacts",)
CHANGED_RECORDS = 5


@click.command()
@click.option("--contacts", default=500, show_default=True, help="Contacts on the sandbox platform.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for parity.")
def demo(contacts: int, timeout: float) -> None:
    """Run voicesync end to end against the sandboxes and check parity."""
    started = time.monotonic()
    var_dir = get_settings().var_dir / "demo"
    shutil.rmtree(var_dir, ignore_errors=True)
    with ExitStack() as stack:
        broker = embedded_redis.ensure_running(var_dir)
        stack.callback(embedded_redis.stop, var_dir)
        click.echo(f"embedded Redis at {broker}; ledger under {var_dir}")
        api = stack.enter_context(PlatformSandbox(contacts=contacts, campaigns=0, calls=0, seed=7))
        odoo = stack.enter_context(OdooSandbox())
        env = {
            **sandbox_settings(api, odoo),
            "VOICESYNC_VAR_DIR": str(var_dir),
            "BROKER_URL": broker,
            "VOICESYNC_RETRY_BACKOFF": "1.5",
            "VOICESYNC_RETRY_CAP": "10",
        }
        settings = use_environment(env)
        services = Services(settings)
        services.ledger.upgrade()
        for entity in DEMO_ENTITIES:
            worker = celery_worker(entity, env, var_dir / "logs").start()
            stack.callback(worker.stop)
        from web import create_app
        from workers.operations import start_resync

        receiver = stack.enter_context(BackgroundServer(create_app(settings)))
        api.webhook_url = f"{receiver.url}/webhooks/voice"
        click.echo(f"platform {api.url}, Odoo {odoo.url}, receiver {receiver.url}")

        click.echo("\nfull reconciliation:")
        run_ids = [start_resync(services, entity, full=True) for entity in DEMO_ENTITIES]
        for run in watch(services, run_ids, timeout):
            click.echo(counts(run))

        changed = [r["id"] for r in api.records("contacts")[:CHANGED_RECORDS]]
        click.echo(f"\nthe platform changes {len(changed)} contacts and sends their webhooks")
        for record_id in changed:
            api.update("contacts", record_id, {"last_name": f"Changed-{int(time.time())}"})

        reports = {}

        def in_parity() -> bool:
            reports.update({e: check(ENTITIES[e], services.platform, services.odoo) for e in DEMO_ENTITIES})
            return all(r.ok for r in reports.values())

        try:
            wait_for(in_parity, timeout, interval=0.5, what="parity")
        except TimeoutError as exc:
            click.echo(str(exc))
        click.echo("\nparity:")
        for report in reports.values():
            click.echo(f"  {report.summary()}")
        calls = odoo.call_counts()
        click.echo(
            f"\nsummary: {sum(r.platform_records for r in reports.values())} records, "
            f"{sum(calls.values())} Odoo calls ({', '.join(f'{k} {v}' for k, v in sorted(calls.items()))}), "
            f"{time.monotonic() - started:.1f} s"
        )
        if not all(r.ok for r in reports.values()):
            raise SystemExit(1)
