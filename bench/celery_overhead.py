"""Row 2: records per second of a full reconciliation through the Celery pool into the sandbox Odoo,
against the same clients and upsert engine walking the pages in one plain process (no Celery)."""

from __future__ import annotations

from bench.context import BenchContext
from bench.plain import run_plain
from bench.report import Row, ratio
from bench.stack import Stack
from bench.sync import first_sync, parity_ok

MIN_RATIO = 0.8
LIMITS = (
    "both paths run the same importer and engine, whose profile is dominated by Binder.bind_many (SQLAlchemy "
    "compiling a 200-row INSERT ... ON CONFLICT on every page) and Binder.get_many. On PostgreSQL, with no "
    "planner statistics (this machine runs autovacuum=off, and a fresh ledger has none until its first "
    "autoanalyze) Binder.get_many picks ix_bindings_entity_odoo_id and filters every binding of the entity per"
    " page (EXPLAIN ANALYZE at 68,000 bindings: 785 ms per page; 0.8 ms after ANALYZE), so a first full sync "
    "slows down quadratically with its size: 1,700 records/s at 10,000 contacts, about 400 at 100,000. Per "
    "page the Celery path adds a task message, run accounting and a broker round trip (prefetch 1, late acks)."
    " Single runs on a shared two-core machine vary by 10-30% (see the load averages)."
)


def run(ctx: BenchContext) -> list[Row]:
    contacts = ctx.scale.contacts
    print(f"  {contacts} contacts in one plain process", flush=True)
    with Stack(ctx, contacts=contacts) as stack:
        plain = run_plain("contacts", stack.env)
        plain_ok = parity_ok(stack, ("contacts",))
    plain_rate = plain["records"] / plain["seconds"]
    celery = first_sync(ctx, contacts)
    print(f"  plain {plain_rate:.0f} records/s; Celery {celery.rate:.0f} records/s", flush=True)
    if not plain_ok:
        ctx.note("row 2: the plain-process baseline did not reach parity")
    share = ratio(celery.rate, plain_rate)
    return [
        Row(
            "2",
            f"full reconciliation of {contacts} contacts via Celery (1 worker process)",
            f"{celery.rate:.0f} records/s ({celery.seconds:.1f} s, CPU {celery.cpu_busy:.0%} busy)",
            f"one plain process {plain_rate:.0f} records/s",
            share,
            f">= {MIN_RATIO}",
            share >= MIN_RATIO,
            celery.parity_ok and plain_ok,
        )
    ]
