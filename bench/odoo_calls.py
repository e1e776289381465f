"""Row 4: Odoo calls per 1,000 records, counted by the sandbox Odoo, for a first full sync, a full
re-sync of unchanged data, and a full re-sync after 1% of the contacts changed on the platform."""

from __future__ import annotations

import random

from bench.context import BenchContext
from bench.report import Row
from bench.stack import Stack
from bench.sync import SyncOutcome, celery_sync

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


def run(ctx: BenchContext) -> list[Row]:
    contacts = ctx.scale.contacts
    with Stack(ctx, contacts=contacts) as stack:
        print(f"  first sync, unchanged re-sync and 1% changed re-sync of {contacts} contacts", flush=True)
        first = celery_sync(stack)
        unchanged = celery_sync(stack)
        records = stack.api.records("contacts")
        changed = random.Random(4).sample(records, int(len(records) * CHANGED_SHARE))
        for record in changed:
            stack.api.update("contacts", record["id"], {"last_name": f"{record['last_name']} Changed"}, emit=False)
        after_change = celery_sync(stack)
    changed_per_thousand = 1000 * len(changed) / contacts
    change_max = RESYNC_MAX + changed_per_thousand
    return [
        _row(
            "Odoo calls, first full sync", first, f"<= {FIRST_MAX}", first.per_thousand(first.total_calls) <= FIRST_MAX
        ),
        _row(
            "Odoo calls, full re-sync, nothing changed",
            unchanged,
            f"<= {RESYNC_MAX}, writes 0",
            unchanged.per_thousand(unchanged.total_calls) <= RESYNC_MAX and unchanged.write_calls == 0,
        ),
        _row(
            f"Odoo calls, full re-sync, {CHANGED_SHARE:.0%} changed",
            after_change,
            f"<= {RESYNC_MAX} + {changed_per_thousand:.0f} changed",
            after_change.per_thousand(after_change.total_calls) <= change_max,
        ),
    ]
