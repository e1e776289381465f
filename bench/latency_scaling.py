"""Row 6: reconciliation throughput with 20 ms added to every platform and Odoo call, with 1, 2 and 4
worker processes on the queue: waiting on the network must be overlapped by adding workers."""

from __future__ import annotations

from bench.context import BenchContext
from bench.report import Row, ratio
from bench.stack import Stack
from bench.sync import SyncOutcome, celery_sync

WORKER_COUNTS = (1, 2, 4)
MIN_SPEEDUP = 3.0
LIMITS = (
    "two cores: a page costs about 130 ms of CPU across the worker (Binder.bind_many and Binder.get_many are "
    "about 70% of the worker's profile), the sandbox Odoo and PostgreSQL, so once two processes keep both "
    "cores busy, more processes only overlap the 60 ms of added latency per page; at 4 processes the CPU is "
    "about 95% busy (column 'figure'), the machine's ceiling, not a voicesync lock or queue. On PostgreSQL, "
    "with no planner statistics (this machine runs autovacuum=off, and a fresh ledger has none until its first"
    " autoanalyze) Binder.get_many picks ix_bindings_entity_odoo_id and filters every binding of the entity "
    "per page (EXPLAIN ANALYZE at 68,000 bindings: 785 ms per page; 0.8 ms after ANALYZE), so a first full "
    "sync slows down quadratically with its size: 1,700 records/s at 10,000 contacts, about 400 at 100,000."
)


def run(ctx: BenchContext) -> list[Row]:
    contacts, latency = ctx.scale.contacts, ctx.scale.latency_ms
    outcomes: dict[int, SyncOutcome] = {}
    for count in WORKER_COUNTS:
        print(f"  {contacts} contacts, {latency:.0f} ms per call, {count} worker processes", flush=True)
        with Stack(ctx, contacts=contacts) as stack:
            stack.set_latency(latency)
            outcomes[count] = celery_sync(stack, workers=count)
        print(f"    {outcomes[count].rate:.0f} records/s", flush=True)
    one = outcomes[1].rate
    rows = []
    for count, outcome in outcomes.items():
        speedup = ratio(outcome.rate, one)
        final = count == WORKER_COUNTS[-1]
        rows.append(
            Row(
                "6",
                f"full sync, +{latency:.0f} ms per call, {count} worker process{'es' if count > 1 else ''}",
                f"{outcome.rate:.0f} records/s, CPU {outcome.cpu_busy:.0%} busy",
                f"1 process {one:.0f} records/s",
                speedup,
                f">= {MIN_SPEEDUP:.0f}x" if final else "-",
                speedup >= MIN_SPEEDUP if final else None,
                outcome.parity_ok,
            )
        )
    return rows
