"""Live progress of sync runs, read from the ledger: a bar per entity with its rate and ETA.

On a terminal the bars are drawn in place by ``rich``, in colour; anywhere else (a pipe, a log
file, CI) each run's line is printed when it changes, in plain text with no escape codes. A bar
is full only when its run succeeded: a failed run's bar is left empty.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from cli.counts import records
from shared.ledger.models import SyncRun
from shared.ledger.states import FINISHED_RUN, RunStatus
from shared.services import Services

DONE = (RunStatus.SUCCEEDED, RunStatus.SKIPPED)
STATUS_STYLE = {RunStatus.SUCCEEDED: "green", RunStatus.FAILED: "bold red", RunStatus.SKIPPED: "yellow"}


def share(run: SyncRun) -> float | None:
    """How much of the run is done, 0 to 1; None while that is not known yet (a walk's length is
    known only at its end)."""
    if run.status in DONE:
        return 1.0
    if run.status == RunStatus.FAILED:
        return 0.0
    if run.records_total:
        return min(1.0, records(run) / run.records_total)
    if run.pages_total:
        return min(1.0, run.pages_done / run.pages_total)
    return None


@dataclass
class Pace:
    """Records per second since the run was first seen running, and the time left at that pace
    (from the share done: records when the listing gave a total, pages otherwise)."""

    since: float
    records: int
    share: float

    @classmethod
    def start(cls, run: SyncRun, now: float) -> Pace:
        return cls(now, records(run), share(run) or 0.0)

    def rate(self, run: SyncRun, now: float) -> float | None:
        elapsed = now - self.since
        running = run.status == RunStatus.RUNNING
        return (records(run) - self.records) / elapsed if running and elapsed >= 1.0 else None

    def eta(self, run: SyncRun, now: float) -> float | None:
        done = share(run)
        if run.status in FINISHED_RUN or done is None or done <= self.share or now - self.since < 1.0:
            return None
        return (now - self.since) * (1 - done) / (done - self.share)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"


def describe(run: SyncRun, pace: Pace | None, now: float) -> str:
    """Pages and records done of total, records/s and ETA, retries, failures, status."""
    of_pages = f"/{run.pages_total}" if run.pages_total else ""
    of_records = f"/{run.records_total}" if run.records_total is not None else ""
    rate = pace.rate(run, now) if pace else None
    eta = pace.eta(run, now) if pace else None
    return " ".join(
        part
        for part in (
            f"pages {run.pages_done}{of_pages}",
            f"records {records(run)}{of_records}",
            f"{rate:.0f} records/s" if rate is not None else "",
            f"ETA {_clock(eta)}" if eta is not None else "",
            f"retries {run.retries}" if run.retries else "",
            f"failed {run.failed}" if run.failed else "",
            str(run.status),
        )
        if part
    )


class _Plain:
    """A line per run whenever its pages, records or status change (not its rate alone)."""

    def __init__(self) -> None:
        self.last: dict[int, str] = {}

    def draw(self, run: SyncRun, pace: Pace | None, now: float) -> None:
        state = describe(run, None, now)
        if self.last.get(run.id) != state:
            click.echo(f"{run.entity:<10} {describe(run, pace, now)}")
            self.last[run.id] = state


class _Bars:
    """``rich`` bars, redrawn in place on the terminal."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(bar_width=28),
            TextColumn("{task.fields[detail]}"),
            console=Console(highlight=False),
        )
        self.tasks: dict[int, TaskID] = {}

    def draw(self, run: SyncRun, pace: Pace | None, now: float) -> None:
        detail = describe(run, pace, now)
        if run.id not in self.tasks:
            self.tasks[run.id] = self.progress.add_task(run.entity, total=None, detail="")
        done = share(run)
        style = STATUS_STYLE.get(RunStatus(run.status))
        self.progress.update(
            self.tasks[run.id],
            total=None if done is None else 1.0,
            completed=done or 0.0,
            detail=f"[{style}]{detail}[/]" if style else detail,
        )


def watch(
    services: Services, run_ids: list[int], timeout: float, interval: float = 0.25, *, show: bool = True
) -> list[SyncRun]:
    """Show the runs' progress (``show=False``: only wait) until every run has finished, or
    ``timeout`` passes; returns them as they ended."""
    paces: dict[int, Pace] = {}
    deadline = time.monotonic() + timeout
    bars = _Bars() if show and sys.stdout.isatty() else None
    view = bars or (_Plain() if show else None)
    if bars is not None:
        bars.progress.start()
    try:
        while True:
            current = [run for run in (services.runs.get(run_id) for run_id in run_ids) if run is not None]
            now = time.monotonic()
            for run in current:
                if run.status == RunStatus.RUNNING and run.id not in paces:
                    paces[run.id] = Pace.start(run, now)
                if view is not None:
                    view.draw(run, paces.get(run.id), now)
            if all(run.status in FINISHED_RUN for run in current) or now > deadline:
                return current
            time.sleep(interval)
    finally:
        if bars is not None:
            bars.progress.stop()
