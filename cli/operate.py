"""Operator commands: ``resync``, ``status``, ``dlq list|replay``, ``odoo check|bootstrap``."""

from __future__ import annotations

import json
from typing import Any

import click

from cli.progress import counts, watch
from shared.entities import ENTITIES
from shared.ledger.states import RunStatus
from shared.odoo_check import check as odoo_check
from shared.odoo_setup import Bootstrap
from shared.services import Services
from shared.settings import get_settings


def _services() -> Services:
    return Services(get_settings())


@click.command()
@click.argument("entity", type=click.Choice([*ENTITIES, "all"]))
@click.option("--full", is_flag=True, help="Walk every record (archive what is gone, repair drift).")
@click.option("--since", default=None, help="Only records updated since this ISO 8601 instant.")
@click.option("--wait", is_flag=True, help="Show live progress and end with the counts; exit 1 if a run failed.")
@click.option("--timeout", default=3600.0, show_default=True, help="Seconds --wait waits at most.")
def resync(entity: str, full: bool, since: str | None, wait: bool, timeout: float) -> None:
    """Enqueue a reconciliation of ENTITY (or all) and print its run id."""
    from shared.producer.operations import start_resync

    services = _services()
    names = list(ENTITIES) if entity == "all" else [entity]
    if wait:
        _require_workers([ENTITIES[name].queue for name in names])
    run_ids = [start_resync(services, name, full=full, since=since) for name in names]
    for name, run_id in zip(names, run_ids, strict=True):
        click.echo(f"{name}: run {run_id} enqueued")
    if not wait:
        return
    finished = watch(services, run_ids, timeout)
    for run in finished:
        click.echo(counts(run))
    if any(run.status not in (RunStatus.SUCCEEDED, RunStatus.SKIPPED) for run in finished):
        raise SystemExit(1)  # a skipped run is not a failure: another run of the entity is doing the work


def _require_workers(queues: list[str]) -> None:
    """Waiting on a queue nobody consumes would show ``queued`` until the timeout: say so now."""
    from shared.producer.consumers import consumers, no_worker, unconsumed

    missing = unconsumed(queues, consumers())
    if missing:
        raise click.ClickException("; ".join(map(no_worker, missing)) + "; nothing was enqueued")


AMBIGUOUS_SHOWN = 20


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Per entity: last runs, bookmark, bindings, queue length, workers; and the dead letters.
    Exit 1, after the report, when the broker does not answer."""
    from shared.producer.operations import status as gather

    report = gather(_services())
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print_status(report)
    if report["broker_error"] is not None:
        raise click.ClickException(report["broker_error"])


def _print_status(report: dict[str, Any]) -> None:
    for name, entity in report["entities"].items():
        queue = "?" if entity["queue_length"] is None else entity["queue_length"]
        workers = "workers ?" if entity["workers"] is None else f"workers {len(entity['workers'])}"
        click.echo(
            f"{name}: {entity['bindings']} bound, queue {queue}, {workers}, bookmark {entity['bookmark'] or '-'}"
        )
        for run in entity["runs"]:
            click.echo(
                f"  run {run['id']} {run['mode']} {run['status']} started {run['started_at']}: "
                f"created {run['created']}, updated {run['updated']}, unchanged {run['unchanged']}, "
                f"archived {run['archived']}, drift {run['drift_repaired']}, matched {run['matched']}, "
                f"ambiguous {run['ambiguous']}, failed {run['failed']}, retries {run['retries']}"
            )
        if entity["ambiguous"]:
            click.echo(f"  {len(entity['ambiguous'])} bound to no partner: several existing partners could be them")
        for row in entity["ambiguous"][:AMBIGUOUS_SHOWN]:
            click.echo(f"    {row['platform_id']}: partners {row['partner_ids']} share its {row['by']}")
    click.echo(f"dead letters: {report['dead_letters']}")


@click.group()
def dlq() -> None:
    """Dead letters: work that failed for good."""


@dlq.command("list")
def dlq_list() -> None:
    """List the dead letters with their reasons."""
    letters = _services().dead_letters.list(limit=1000)
    for letter in letters:
        replayed = f" (replayed {letter.replayed_at:%Y-%m-%d %H:%M})" if letter.replayed_at else ""
        click.echo(
            f"{letter.id}\t{letter.task_name}\t{json.dumps(letter.task_kwargs)}\t{letter.error_type}: "
            f"{letter.reason}{replayed}"
        )
    click.echo(f"{len(letters)} dead letters")


@dlq.command("replay")
@click.argument("letter_id", required=False, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
def dlq_replay(letter_id: int | None, replay_all: bool) -> None:
    """Send a dead letter's task again; a letter whose task then succeeds leaves the table."""
    from shared.producer.operations import replay_dead_letter

    if (letter_id is None) == (not replay_all):
        raise click.UsageError("give one letter ID or --all")
    services = _services()
    ids = [letter.id for letter in services.dead_letters.list(limit=100000)] if replay_all else [letter_id]
    for one in ids:
        try:
            click.echo(f"letter {one}: task {replay_dead_letter(services, one)} enqueued")
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None


@click.group()
def odoo() -> None:
    """The Odoo side: check the connection, create what voicesync needs."""


def _webhook_url(receiver_url: str | None) -> str | None:
    """The URL Odoo's automation rule posts to, from the receiver's public URL and the token."""
    settings = get_settings()
    base = receiver_url or settings.public_url
    if not base:
        return None
    if not settings.odoo_webhook_token:
        raise click.ClickException("Odoo -> platform needs ODOO_WEBHOOK_TOKEN: set it, then run this again")
    return f"{base.rstrip('/')}/webhooks/odoo/{settings.odoo_webhook_token}"


RECEIVER_URL = click.option(
    "--receiver-url",
    default=None,
    help="The receiver's public URL (default VOICESYNC_PUBLIC_URL); with it, Odoo -> platform is set up.",
)


@odoo.command()
@RECEIVER_URL
def check(receiver_url: str | None) -> None:
    """Whether a sync would work: server, database, key, rights, what bootstrap still lacks."""
    findings = odoo_check(_services().odoo, _webhook_url(receiver_url))
    for finding in findings:
        click.echo(str(finding))
    if not all(finding.ok for finding in findings):
        raise SystemExit(1)


@odoo.command("bootstrap")
@RECEIVER_URL
@click.option("--uninstall", is_flag=True, help="Remove everything bootstrap made (the call records included).")
def odoo_bootstrap(receiver_url: str | None, uninstall: bool) -> None:
    """Create or update in Odoo what voicesync needs: the call model, its views and menu (idempotent)."""
    services = _services()
    setup = Bootstrap(services.odoo)
    if uninstall:
        report = setup.uninstall()
        services.binder.forget(ENTITIES["calls"].name)
        verb = "removed"
    else:
        report = setup.run(_webhook_url(receiver_url))
        verb = "done"
    for line in [*report.notes, *report.skipped, *map(str, report.changes)]:
        click.echo(line)
    click.echo(f"{verb}: {len(report.changes)} changes" if report.changes else "nothing to do: already up to date")


@click.command()
@click.option(
    "--min-age", type=float, default=0.0, show_default=True, help="Only rows pending at least this many seconds."
)
def relay(min_age: float) -> None:
    """Enqueue every inbox row a broker outage left pending, now (beat runs it on a schedule, and
    there waits VOICESYNC_RELAY_AFTER before it takes a row the receiver may still be sending)."""
    from workers.relay import relay_pending

    counts = relay_pending(_services(), min_age=min_age)
    click.echo(
        f"pending {counts['pending']}, stuck {counts['stuck']}, sent {counts['sent']}, pruned {counts['pruned']}"
    )
    if counts["sent"] < counts["pending"] + counts["stuck"]:
        raise SystemExit(1)
