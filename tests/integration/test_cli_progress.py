"""Progress and counts as an operator reads them: a bar full only for a run that succeeded, records
per second and the time left, plain lines with no escape codes when piped, bars on a terminal, and
count lines whose parts add up to their total, each record counted once per run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.counts import counts
from cli.progress import Pace, describe, share
from shared.entities import ENTITIES
from shared.ledger.models import SyncRun
from shared.ledger.runs import COUNTERS
from shared.pagination import Page
from shared.parity import check
from shared.reconcile import Reconciliation
from shared.services import Services
from tests.integration.test_cli_operator import on_a_terminal


def a_run(**values: Any) -> SyncRun:
    return SyncRun(
        **{"id": 3, "entity": "calls", "mode": "full", "status": "running", "pages_done": 0, "pages_total": None,
           "records_total": None, "error": None, **dict.fromkeys(COUNTERS, 0), **values}
    )  # fmt: skip


def test_a_bar_is_full_only_when_its_run_succeeded() -> None:
    assert share(a_run(status="succeeded")) == 1.0
    assert share(a_run(status="failed", pages_done=5, pages_total=5, created=990, failed=10)) == 0.0
    assert share(a_run(pages_done=2, pages_total=5)) == 0.4
    assert share(a_run(pages_done=2, pages_total=5, records_total=1000, created=250)) == 0.25
    assert share(a_run(pages_done=3)) is None  # a walk's length is known at its end


def test_a_running_run_shows_records_per_second_and_the_time_left() -> None:
    run = a_run(pages_done=2, pages_total=10, records_total=1000, created=150, unchanged=50, retries=1)
    assert describe(run, Pace(since=0.0, records=0, share=0.0), now=10.0) == (
        "pages 2/10 records 200/1000 20 records/s ETA 0:40 retries 1 running"
    )
    assert describe(a_run(status="failed", pages_done=2, failed=1), Pace(0.0, 0, 0.0), now=10.0) == (
        "pages 2 records 1 failed 1 failed"
    )


def test_count_lines_add_up_and_say_the_people_apart() -> None:
    calls = a_run(status="succeeded", created=990, updated=4, unchanged=5, failed=1, matched=7, ambiguous=2, retries=3)
    assert counts(calls) == (
        "run 3 calls (full): succeeded; 1000 records: 990 created, 4 updated, 5 unchanged, 1 failed; "
        "the people they name: 7 matched, 2 ambiguous; 3 retries"
    )
    contacts = a_run(
        entity="contacts", status="succeeded", created=40, unchanged=50, matched=8, ambiguous=2, archived=4
    )
    assert counts(contacts) == (
        "run 3 contacts (full): succeeded; 100 records: 40 created, 50 unchanged, 8 matched, 2 ambiguous; "
        "4 archived (gone from the platform)"
    )


@pytest.mark.parametrize("platform", ["bland"], indirect=True)
def test_a_person_many_calls_name_counts_once_in_a_run(bootstrapped: Services) -> None:
    """Bland's contacts are the people its calls name: two pages naming the same people are
    those people once, not once per page."""
    services, spec = bootstrapped, ENTITIES["contacts"]
    reconciliation = Reconciliation(services, spec)
    run = reconciliation.begin(full=True, since=None)
    first = next(iter(reconciliation.open_walk(run)))
    assert first.records, "the first page names nobody"
    reconciliation.upsert_page(run, first)
    reconciliation.upsert_page(run, Page(2, first.records, first.related, first.total))
    counted = services.runs.get(run.id)
    assert counted is not None and counted.pages_done == 2
    people = len({str(record["id"]) for record in first.records})
    assert (counted.created, counted.unchanged, counted.updated) == (people, 0, 0)


@pytest.mark.parametrize("platform", ["bland"], indirect=True)
def test_a_parity_check_says_how_far_it_has_read(bootstrapped: Services) -> None:
    """Bland lists calls without their details, so reading them all for a parity check takes a
    while: the check tells its caller (the demo) after every page."""
    heard: list[int] = []
    report = check(ENTITIES["calls"], bootstrapped.platform, bootstrapped.odoo, on_page=heard.append)
    assert len(heard) > 1 and heard == sorted(heard) and heard[-1] == report.platform_records


WATCH = """
import sys
from cli.progress import watch
from shared.ledger.states import RunStatus
from shared.services import Services
from shared.settings import Settings

services = Services(Settings.from_env({"DATABASE_URL": sys.argv[1], "VOICESYNC_VAR_DIR": sys.argv[2]}))
services.ledger.upgrade()
done = services.runs.start("contacts", "full", None)
services.runs.set_plan(done.id, 2, 50)
services.runs.count_page(done.id, 1, created=25)
services.runs.count_page(done.id, 2, created=25)
services.runs.finish(done.id, RunStatus.SUCCEEDED)
failed = services.runs.start("calls", "full", None)
services.runs.finish(failed.id, RunStatus.FAILED, "the platform refused the key")
watch(services, [done.id, failed.id], timeout=5)
"""


def test_progress_is_plain_when_piped_and_drawn_on_a_terminal(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", WATCH, f"sqlite:///{tmp_path / 'ledger.db'}", str(tmp_path)]
    piped = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == "contacts   pages 2/2 records 50/50 succeeded\ncalls      pages 0 records 0 failed\n"
    code, text = on_a_terminal(argv, env={**os.environ, "TERM": "xterm"})
    assert code == 0, text
    assert "\x1b[" in text and "━" in text  # colour and a drawn bar
    assert "pages 2/2 records 50/50" in text and "failed" in text
