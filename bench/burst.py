"""Row 9: a burst of webhooks that keep changing the same few contacts (100 a second for a minute
over 50 contacts, each changed about 120 times): platform reads per webhook, and seconds from the
last webhook's 202 until every inbox row is processed; once with the workers keeping up, once with
a backlog (the pool starts only after the burst, as after an outage of the workers). Pending syncs
of one record coalesce (:mod:`shared.coalesce`): only the newest queued task for a record reads it,
so reads follow what the workers could not yet see, not the number of webhooks."""

from __future__ import annotations

import itertools
import time

from bench.context import BenchContext
from bench.report import Row
from bench.stack import Stack
from bench.webhook_latency import processed_at, send_paced

RATE = 100
RECORDS = 50
READ_ROUTE = "GET /v1/contacts/<id>"
MAX_BACKLOG_READS_PER_RECORD = 2.0


def _burst(ctx: BenchContext, *, backlog: bool) -> tuple[int, int, int, float]:
    """``(webhooks, processed, platform reads, seconds to drain after the last 202)``."""
    count = RATE * ctx.scale.steady_seconds
    with Stack(ctx, contacts=RECORDS) as stack:
        if not backlog:
            stack.workers("contacts", concurrency=2)
        url = stack.receiver()
        ids = [record["id"] for record in stack.api.records("contacts")]
        stack.api.reset_stats()
        answers = send_paced(stack, url, list(itertools.islice(itertools.cycle(ids), count)), RATE, "Burst")
        accepted = [a for a in answers if a.inbox_id is not None]
        if backlog:
            stack.workers("contacts", concurrency=2)
        last = max((a.at for a in accepted), default=time.time())
        done = processed_at(stack, [a.inbox_id for a in accepted if a.inbox_id is not None])
        reads = sum(stack.api.stats().get(READ_ROUTE, {}).values())
    return count, len(done), reads, max(done.values(), default=float("nan")) - last


def run(ctx: BenchContext) -> list[Row]:
    seconds = ctx.scale.steady_seconds
    rows = []
    for backlog in (False, True):
        when = "the pool starts after the burst (a backlog)" if backlog else "the pool keeps up"
        print(f"  {RATE}/s for {seconds} s over {RECORDS} contacts; {when}", flush=True)
        count, processed, reads, drain = _burst(ctx, backlog=backlog)
        if processed < count:
            ctx.note(f"row 9 ({when}): {count - processed} of {count} webhooks not processed within the drain time")
        print(f"  {reads} platform reads for {count} webhooks; drained {drain:.1f} s after the last", flush=True)
        rows.append(
            Row(
                "9",
                f"burst: {RATE} webhooks/s for {seconds} s over {RECORDS} contacts, {when} (1 worker, concurrency 2)",
                f"{reads / count:.3f} platform reads per webhook ({reads} for {count}; "
                f"{reads / RECORDS:.1f} per contact); drained {drain:.1f} s after the last 202",
                "1.000 read per webhook without coalescing",
                reads / count,
                f"<= {MAX_BACKLOG_READS_PER_RECORD:.0f} reads per contact, all processed" if backlog else "-",
                (reads / RECORDS <= MAX_BACKLOG_READS_PER_RECORD and processed == count) if backlog else None,
            )
        )
    return rows
