"""Row 2: records per second of a full reconciliation through the Celery pool into the sandbox Odoo,
against the same clients and upsert engine walking the pages in one plain process (no Celery); once
per vendor workload (:mod:`bench.workload`: generic's contacts, Vapi's calls with their people)."""

from __future__ import annotations

from bench.context import BenchContext
from bench.plain import run_plain
from bench.report import Row, ratio
from bench.sync import first_sync, parity_ok
from bench.workload import Workload, per_vendor

MIN_RATIO = 0.8
LIMITS = (
    "py-spy over a worker's pool process during a 20,000-contact run: about 84% of its busy time is the same "
    "work the plain process does (the page read, the record locks, the binding lookups and writes, the Odoo "
    "calls); the rest is the run's own bookkeeping and Celery's: counting the page in the run (a transaction, "
    "about 5%), reading the run's status before the page (2%), the reconcile task that enqueues every page "
    "message before the pages start (5%), and each task's trace and events. Before commit 5ac9b22 the binding "
    "lookups on PostgreSQL without planner statistics read every binding of the entity per page and both paths "
    "crawled at 100,000 contacts; the ledger now runs ANALYZE as autovacuum would. Single runs on a shared "
    "two-core machine vary by 10-30% (an earlier quick run, at 10,000 contacts, gave 1.05)."
)


def _rows(ctx: BenchContext, workload: Workload) -> list[Row]:
    """The plain process and the Celery pool on the same records of one vendor's workload."""
    records = ctx.scale.contacts
    print(f"  {workload.describe(records)} in one plain process", flush=True)
    with workload.stack(ctx, records) as stack:
        plain = run_plain(workload.entity, stack.env)
        plain_ok = parity_ok(stack, workload.parity)
    plain_rate = plain["records"] / plain["seconds"]
    celery = first_sync(ctx, records, workload)
    print(f"  plain {plain_rate:.0f} records/s; Celery {celery.rate:.0f} records/s", flush=True)
    if not plain_ok:
        ctx.note(f"row {workload.key('2')}: the plain-process baseline did not reach parity")
    share = ratio(celery.rate, plain_rate)
    return [
        Row(
            "2",
            f"full reconciliation of {workload.describe(records)} via Celery (1 worker process)",
            f"{celery.rate:.0f} records/s ({celery.seconds:.1f} s, CPU {celery.cpu_busy:.0%} busy)",
            f"one plain process {plain_rate:.0f} records/s",
            share,
            f">= {MIN_RATIO}",
            share >= MIN_RATIO,
            celery.parity_ok and plain_ok,
        )
    ]


def run(ctx: BenchContext) -> list[Row]:
    return per_vendor(ctx, _rows)
