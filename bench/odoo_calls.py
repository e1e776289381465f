"""Row 4: Odoo calls per 1,000 records, counted by the sandbox Odoo, for a first full sync, a full
re-sync of unchanged data, and a full re-sync after 1% of the records changed on the platform; once per
vendor workload (:mod:`bench.workload`). Under Vapi a record is a call: its figure includes the
people the calls carry (their ``ir.model.data`` lookups, the partner matching searches, at most two
``res.partner.search_read`` a page, and their ``load``)."""

from __future__ import annotations

from bench.context import BenchContext
from bench.report import Row
from bench.sync import SyncOutcome, celery_sync
from bench.workload import GENERIC, Workload, per_vendor

CHANGED_SHARE = 0.01
FIRST_MAX = 30
RESYNC_MAX = 10


def _row(what: str, outcome: SyncOutcome, target: str, met: bool) -> Row:
    calls = ", ".join(f"{name} {n}" for name, n in sorted(outcome.calls.items()))
    return Row(
        "4",
        what,
        f"{outcome.per_thousand(outcome.total_calls):.1f} calls, {outcome.per_thousand(outcome.write_calls):.1f} "
        f"writes per 1,000 ({calls})",
        f"{outcome.records} records",
        None,
        target,
        met,
        outcome.parity_ok,
    )


def _rows(ctx: BenchContext, workload: Workload) -> list[Row]:
    records, sync = ctx.scale.contacts, (workload.entity,)
    with workload.stack(ctx, records) as stack:
        what = workload.describe(records)
        print(f"  first sync, unchanged re-sync and {CHANGED_SHARE:.0%} changed re-sync of {what}", flush=True)
        first = celery_sync(stack, sync, parity=workload.parity)
        unchanged = celery_sync(stack, sync, parity=workload.parity)
        changed = workload.change(stack, CHANGED_SHARE)
        after_change = celery_sync(stack, sync, parity=workload.parity)
    changed_per_thousand = 1000 * changed / records
    change_max = RESYNC_MAX + changed_per_thousand
    of = "" if workload is GENERIC else f" of {workload.entity} with their people"
    return [
        _row(
            f"Odoo calls, first full sync{of}",
            first,
            f"<= {FIRST_MAX}",
            first.per_thousand(first.total_calls) <= FIRST_MAX,
        ),
        _row(
            f"Odoo calls, full re-sync{of}, nothing changed",
            unchanged,
            f"<= {RESYNC_MAX}, writes 0",
            unchanged.per_thousand(unchanged.total_calls) <= RESYNC_MAX and unchanged.write_calls == 0,
        ),
        _row(
            f"Odoo calls, full re-sync{of}, {CHANGED_SHARE:.0%} changed",
            after_change,
            f"<= {RESYNC_MAX} + {changed_per_thousand:.0f} changed",
            after_change.per_thousand(after_change.total_calls) <= change_max,
        ),
    ]


def run(ctx: BenchContext) -> list[Row]:
    return per_vendor(ctx, _rows)
