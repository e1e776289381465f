"""Row 3: the reconciliation of row 2 against the naive pattern (one task per record: a read, a search
and a create or write), both with one worker process on a fresh Odoo. The naive pattern is timed on
a sample of the records (it is the slow one) and the two rates are compared."""

from __future__ import annotations

import time

from bench import naive
from bench.context import BenchContext
from bench.report import Row, ratio
from bench.stack import Stack
from bench.sync import first_sync

MIN_SPEEDUP = 10.0
TIMEOUT = 3600.0
LIMITS = (
    "the reconciliation's rate falls with the data set's size while the naive pattern's does not: On "
    "PostgreSQL, with no planner statistics (this machine runs autovacuum=off, and a fresh ledger has none "
    "until its first autoanalyze) Binder.get_many picks ix_bindings_entity_odoo_id and filters every binding "
    "of the entity per page (EXPLAIN ANALYZE at 68,000 bindings: 785 ms per page; 0.8 ms after ANALYZE), so a "
    "first full sync slows down quadratically with its size: 1,700 records/s at 10,000 contacts, about 400 at "
    "100,000."
)


def _naive_rate(ctx: BenchContext, sample: int) -> tuple[float, bool]:
    """Records per second of the naive pattern over ``sample`` records, and whether Odoo then holds
    one partner per record."""
    with Stack(ctx, contacts=sample) as stack:
        stack.workers(naive.QUEUE, app="bench.naive")
        ids = [record["id"] for record in stack.api.records("contacts")]
        started = time.monotonic()
        for platform_id in ids:
            naive.sync_contact.apply_async(args=[platform_id], queue=naive.QUEUE)
        deadline = started + TIMEOUT
        while naive.done_count() < len(ids) and time.monotonic() < deadline:
            time.sleep(0.05)
        seconds = time.monotonic() - started
        done = naive.done_count()
        phones = {row["phone"] for row in stack.odoo.records("res.partner", [("phone", "!=", False)], ["phone"])}
        complete = phones >= {record["phone"] for record in stack.api.records("contacts")}
    return done / seconds if seconds else 0.0, complete


def run(ctx: BenchContext) -> list[Row]:
    sample = ctx.scale.naive_sample
    ours = first_sync(ctx, ctx.scale.contacts)
    print(f"  naive pattern over {sample} contacts", flush=True)
    naive_rate, complete = _naive_rate(ctx, sample)
    print(f"  naive {naive_rate:.0f} records/s; reconciliation {ours.rate:.0f} records/s", flush=True)
    speedup = ratio(ours.rate, naive_rate)
    return [
        Row(
            "3",
            f"reconciliation of {ctx.scale.contacts} contacts vs one task per record (sample of {sample})",
            f"{ours.rate:.0f} records/s",
            f"naive {naive_rate:.0f} records/s",
            speedup,
            f">= {MIN_SPEEDUP:.0f}x",
            speedup >= MIN_SPEEDUP,
            ours.parity_ok and complete,
        )
    ]
