"""Operator commands: ``resync``, ``status``, ``dlq list|replay``, ``odoo check|bootstrap|screenshots``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cli.counts import COUNT_WORDS, counts
from cli.output import JSON_OPTION, echo_json, echo_table
from cli.progress import watch
from shared.call_pipeline import describe
from shared.consumers import consumers, no_worker, unconsumed
from shared.entities import ENTITIES
from shared.ledger.models import DeadLetter
from shared.ledger.states import RunStatus
from shared.odoo_check import check as odoo_check
from shared.odoo_setup import Bootstrap, SetupReport
from shared.services import Services
from shared.settings import get_settings
from shared.timeutil import iso, utc


def _services() -> Services:
    return Services(get_settings())


@click.command()
@click.argument("entity", type=click.Choice([*ENTITIES, "all"]))
@click.option("--full", is_flag=True, help="Walk every record (archive what is gone, repair drift).")
@click.option("--since", default=None, help="Only records updated since this ISO 8601 instant.")
@click.option("--wait", is_flag=True, help="Show live progress and end with the counts; exit 1 if a run failed.")
@click.option("--timeout", default=3600.0, show_default=True, help="Seconds --wait waits at most.")
@JSON_OPTION
def resync(entity: str, full: bool, since: str | None, wait: bool, timeout: float, as_json: bool) -> None:
    """Enqueue a reconciliation of ENTITY (or all) and print its run id."""
    from shared.producer.operations import run_summary, start_resync

    services = _services()
    names = list(ENTITIES) if entity == "all" else [entity]
    if wait:
        _require_workers(services, [ENTITIES[name].queue for name in names])
    run_ids = [start_resync(services, name, full=full, since=since) for name in names]
    if not as_json:
        for name, run_id in zip(names, run_ids, strict=True):
            click.echo(f"{name}: run {run_id} enqueued")
    if not wait:
        if as_json:
            echo_json([{"entity": name, "id": run_id} for name, run_id in zip(names, run_ids, strict=True)])
        return
    finished = watch(services, run_ids, timeout, show=not as_json)
    if as_json:
        echo_json([{"entity": run.entity, **run_summary(run)} for run in finished])
    else:
        for run in finished:
            click.echo(counts(run))
        click.echo(COUNT_WORDS)
    if any(run.status not in (RunStatus.SUCCEEDED, RunStatus.SKIPPED) for run in finished):
        raise SystemExit(1)  # a skipped run is not a failure: another run of the entity is doing the work


def _require_workers(services: Services, queues: list[str]) -> None:
    """Waiting on a queue nobody consumes would show ``queued`` until the timeout: say so now."""
    missing = unconsumed(consumers(services.redis, queues))
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


DEAD_LETTER_COLUMNS = (("id", 5), ("created", 11), ("replayed", 11), ("task", 19), ("record", 14), ("error", 0))


def _record_ids(letter: DeadLetter) -> str:
    """What the letter's task was about: its record's id(s), or the run it belonged to."""
    kwargs = letter.task_kwargs or {}
    ids = kwargs.get("platform_ids") or ([letter.record_id] if letter.record_id else [])
    if not ids and kwargs.get("run_id"):
        return f"run {kwargs['run_id']}"
    return ",".join(map(str, ids)) or "-"


def _minute(moment: datetime | None) -> str:
    return f"{utc(moment):%m-%d %H:%M}" if moment else "-"


def _letter_json(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "created_at": iso(utc(letter.created_at)),
        "replayed_at": iso(utc(letter.replayed_at)) if letter.replayed_at else None,
        "task": letter.task_name,
        "kwargs": letter.task_kwargs,
        "entity": letter.entity,
        "record_id": letter.record_id,
        "error_type": letter.error_type,
        "reason": letter.reason,
    }


@dlq.command("list")
@JSON_OPTION
def dlq_list(as_json: bool) -> None:
    """List the dead letters with their reasons (times in UTC; --json has every field in full)."""
    letters = _services().dead_letters.list(limit=1000)
    if as_json:
        echo_json([_letter_json(letter) for letter in letters])
        return
    if letters:
        rows = [
            [
                str(letter.id),
                _minute(letter.created_at),
                _minute(letter.replayed_at),
                letter.task_name,
                _record_ids(letter),
                f"{letter.error_type}: {letter.reason}",
            ]
            for letter in letters
        ]
        echo_table(DEAD_LETTER_COLUMNS, rows)
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
    if not ids:
        click.echo("no dead letters to replay")
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
@JSON_OPTION
def check(receiver_url: str | None, as_json: bool) -> None:
    """Whether a sync would work: server, database, key, rights, what bootstrap still lacks."""
    findings = odoo_check(_services().odoo, _webhook_url(receiver_url))
    if as_json:
        echo_json([{"ok": finding.ok, "text": finding.text} for finding in findings])
    else:
        for finding in findings:
            click.echo(str(finding))
    if not all(finding.ok for finding in findings):
        raise SystemExit(1)


def _confirm_uninstall(setup: Bootstrap, yes: bool) -> None:
    """Uninstalling deletes every call record: ask on a terminal, insist on --yes elsewhere."""
    if yes:
        return
    calls = setup.call_records()
    if not sys.stdin.isatty():
        raise click.ClickException(
            f"--uninstall deletes {calls} call records from Odoo: add --yes to go ahead "
            "(--dry-run lists what it removes)"
        )
    click.confirm(f"Remove everything bootstrap made from Odoo, {calls} call records included?", abort=True)


def _report_json(report: SetupReport, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "changes": [
            {"verb": c.verb, "model": c.owned.model, "name": c.owned.name, "title": c.owned.title, "fields": c.fields}
            for c in report.changes
        ],
        "notes": report.notes,
        "skipped": report.skipped,
    }


@odoo.command("bootstrap")
@RECEIVER_URL
@click.option("--uninstall", is_flag=True, help="Remove everything bootstrap made (the call records included).")
@click.option("--dry-run", is_flag=True, help="List what would change, and change nothing.")
@click.option("--yes", is_flag=True, help="Uninstall without asking (needed when not on a terminal).")
@JSON_OPTION
def odoo_bootstrap(receiver_url: str | None, uninstall: bool, dry_run: bool, yes: bool, as_json: bool) -> None:
    """Create or update in Odoo what voicesync needs: the call model, its views and menu (idempotent)."""
    services = _services()
    settings = services.settings
    setup = Bootstrap(services.odoo, describe(settings.crm_leads, settings.crm_callbacks))
    if uninstall:
        if not dry_run:
            _confirm_uninstall(setup, yes)
        report = setup.uninstall(write=not dry_run)
        if not dry_run:
            services.binder.forget(ENTITIES["calls"].name)
    else:
        report = setup.run(_webhook_url(receiver_url), write=not dry_run)
    if as_json:
        echo_json(_report_json(report, dry_run))
        return
    would = "would " if dry_run else ""
    for line in [*report.notes, *report.skipped, *(f"{would}{change}" for change in report.changes)]:
        click.echo(line)
    if not report.changes:
        click.echo("nothing to do: already up to date" if not uninstall else "nothing to remove")
    elif dry_run:
        click.echo(f"dry run: {len(report.changes)} changes, nothing written")
    else:
        click.echo(f"{'removed' if uninstall else 'done'}: {len(report.changes)} changes")


@odoo.command("screenshots")
@click.option("--login", required=True, envvar="ODOO_SCREENSHOT_LOGIN", help="An Odoo user who may see calls.")
@click.option(
    "--password", prompt=True, hide_input=True, envvar="ODOO_SCREENSHOT_PASSWORD", help="That user's password."
)
@click.option("--partner", type=int, default=None, help="The contact to show (default: the one with the most calls).")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/screenshots"), show_default=True
)
def odoo_screenshots(login: str, password: str, partner: int | None, out: Path) -> None:
    """Photograph what Odoo users see: a contact's chatter, the calls list, a call (headless Chromium)."""
    from cli.screenshots import shots, subjects, take, web_session

    services = _services()
    url, db = services.settings.odoo_url.rstrip("/"), services.odoo.db
    session_id = web_session(url, db, login, password)
    for path in take(url, session_id, shots(*subjects(services.odoo, partner)), out):
        click.echo(f"saved {path}")


@click.command()
@click.option(
    "--min-age", type=float, default=0.0, show_default=True, help="Only rows pending at least this many seconds."
)
@JSON_OPTION
def relay(min_age: float, as_json: bool) -> None:
    """Enqueue every inbox row a broker outage left pending, now (beat runs it on a schedule, and
    there waits VOICESYNC_RELAY_AFTER before it takes a row the receiver may still be sending)."""
    from workers.relay import relay_pending

    counts = relay_pending(_services(), min_age=min_age)
    if as_json:
        echo_json(counts)
    else:
        click.echo(
            f"pending {counts['pending']}, stuck {counts['stuck']}, sent {counts['sent']}, pruned {counts['pruned']}"
        )
    if counts["sent"] < counts["pending"] + counts["stuck"]:
        raise SystemExit(1)
