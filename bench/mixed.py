"""The mixed run: contacts, campaigns and calls reconciled end to end at once, as ``voicesync resync
all --full`` starts them (one worker per queue, concurrency 2, as in production), on an Odoo with the
call model bootstrapped: records per second and Odoo calls."""

from __future__ import annotations

from bench.context import BenchContext
from bench.report import Row
from bench.stack import Stack
from bench.sync import celery_sync
from shared.entities import ENTITIES


def run(ctx: BenchContext) -> list[Row]:
    scale = ctx.scale
    sizes = {"contacts": scale.mixed_contacts, "campaigns": scale.mixed_campaigns, "calls": scale.mixed_calls}
    print(f"  {sizes}", flush=True)
    with Stack(ctx, **sizes, bootstrap_odoo=True) as stack:
        outcome = celery_sync(stack, tuple(ENTITIES), concurrency=2)
    calls = ", ".join(f"{name} {n}" for name, n in sorted(outcome.calls.items()))
    print(f"  {outcome.rate:.0f} records/s, {outcome.total_calls} Odoo calls", flush=True)
    return [
        Row(
            "mixed",
            "full sync of " + ", ".join(f"{n} {name}" for name, n in sizes.items()) + " (3 workers, concurrency 2)",
            f"{outcome.rate:.0f} records/s ({outcome.seconds:.0f} s, CPU {outcome.cpu_busy:.0%} busy)",
            f"{outcome.total_calls} Odoo calls, {outcome.per_thousand(outcome.total_calls):.1f} per 1,000 ({calls})",
            None,
            "-",
            None,
            outcome.parity_ok,
        )
    ]
