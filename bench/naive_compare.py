"""Row 3: the reconciliation of row 2 against the naive pattern (one task per record: a read, a search
and a create or write), both with one worker process on a fresh Odoo. The naive pattern is timed on
a sample of the records (it is the slow one) and the two rates are compared. Once per vendor workload
(:mod:`bench.workload`): under Vapi a naive task reads a call and writes its person and the call."""

from __future__ import annotations

import time

from bench import naive
from bench.context import BenchContext
from bench.report import Row, ratio
from bench.stack import Stack
from bench.sync import first_sync
from bench.workload import Workload, per_vendor
from shared.entities import ENTITIES

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


def _complete(stack: Stack, workload: Workload) -> bool:
    """Odoo holds a partner for every person the records are or name, and under Vapi a call record
    for every call."""
    records = stack.api.records(workload.entity)
    if workload.entity == "contacts":
        people = records
    else:
        people = [stack.api.get("contacts", record["contact_id"]) or {} for record in records]
    phones = {row["phone"] for row in stack.odoo.records("res.partner", [("phone", "!=", False)], ["phone"])}
    if not phones >= {person.get("phone") for person in people}:
        return False
    if workload.entity == "contacts":
        return True
    names = {row["x_name"] for row in stack.odoo.records(ENTITIES[workload.entity].odoo_model, [], ["x_name"])}
    return names >= {stack.api.vendor_id(record["id"]) for record in records}


def _naive_rate(ctx: BenchContext, workload: Workload, sample: int) -> tuple[float, bool]:
    """Records per second of the naive pattern over ``sample`` records, and whether Odoo then holds
    them all."""
    with workload.stack(ctx, sample) as stack:
        stack.workers(naive.QUEUE, app="bench.naive")
        task = naive.TASKS[workload.entity]
        ids = [stack.api.vendor_id(record["id"]) for record in stack.api.records(workload.entity)]
        started = time.monotonic()
        for platform_id in ids:
            task.apply_async(args=[platform_id], queue=naive.QUEUE)
        deadline = started + TIMEOUT
        while naive.done_count() < len(ids) and time.monotonic() < deadline:
            time.sleep(0.05)
        seconds = time.monotonic() - started
        done = naive.done_count()
        complete = _complete(stack, workload)
    return done / seconds if seconds else 0.0, complete


def _rows(ctx: BenchContext, workload: Workload) -> list[Row]:
    sample, records = ctx.scale.naive_sample, ctx.scale.contacts
    ours = first_sync(ctx, records, workload)
    print(f"  naive pattern over {workload.describe(sample)}", flush=True)
    naive_rate, complete = _naive_rate(ctx, workload, sample)
    print(f"  naive {naive_rate:.0f} records/s; reconciliation {ours.rate:.0f} records/s", flush=True)
    speedup = ratio(ours.rate, naive_rate)
    return [
        Row(
            "3",
            f"reconciliation of {workload.describe(records)} vs one task per record (sample of {sample})",
            f"{ours.rate:.0f} records/s",
            f"naive {naive_rate:.0f} records/s",
            speedup,
            f">= {MIN_SPEEDUP:.0f}x",
            speedup >= MIN_SPEEDUP,
            ours.parity_ok and complete,
        )
    ]


def run(ctx: BenchContext) -> list[Row]:
    return per_vendor(ctx, _rows)
