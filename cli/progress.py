"""Live progress of sync runs, read from the ledger: one bar per entity, redrawn in place."""

from __future__ import annotations

import sys
import time

import click

from shared.ledger.models import SyncRun
from shared.ledger.states import FINISHED_RUN
from shared.services import Services

BAR_WIDTH = 28


def describe(run: SyncRun) -> str:
    """One line: bar, pages and records done of total, retries, failures, status."""
    total = run.pages_total or 0
    share = min(1.0, run.pages_done / total) if total else (1.0 if run.status in FINISHED_RUN else 0.0)
    bar = "#" * int(share * BAR_WIDTH)
    records = run.created + run.updated + run.unchanged
    of_records = f"/{run.records_total}" if run.records_total is not None else ""
    of_pages = f"/{total}" if total else ""
    return (
        f"{run.entity:<10} [{bar:<{BAR_WIDTH}}] pages {run.pages_done}{of_pages} "
        f"records {records}{of_records} retries {run.retries} failed {run.failed} {run.status}"
    )


def counts(run: SyncRun) -> str:
    return (
        f"run {run.id} {run.entity} ({run.mode}): {run.status}; created {run.created}, updated {run.updated}, "
        f"unchanged {run.unchanged}, archived {run.archived}, drift repaired {run.drift_repaired}, "
        f"matched {run.matched}, ambiguous {run.ambiguous}, failed {run.failed}, retries {run.retries}"
        + (f"; {run.error}" if run.error else "")
    )


def watch(services: Services, run_ids: list[int], timeout: float, interval: float = 0.25) -> list[SyncRun]:
    """Redraw the runs' bars until every run has finished (or ``timeout`` passes)."""
    live = sys.stdout.isatty()
    deadline = time.monotonic() + timeout
    drawn = 0
    last: list[str] = []
    while True:
        runs = [services.runs.get(run_id) for run_id in run_ids]
        current = [r for r in runs if r is not None]
        lines = [describe(r) for r in current]
        if live:
            if drawn:
                click.echo(f"\x1b[{drawn}F", nl=False)
            for line in lines:
                click.echo(f"\x1b[2K{line}")
            drawn = len(lines)
        elif lines != last:
            for line in lines:
                click.echo(line)
        last = lines
        if all(r.status in FINISHED_RUN for r in current) or time.monotonic() > deadline:
            return current
        time.sleep(interval)
