"""Row 5: peak memory (VmHWM) of a worker process during a full reconciliation, against the same at a
tenth of the records: memory must not grow with the size of the data set."""

from __future__ import annotations

from bench.context import BenchContext
from bench.report import Row, ratio
from bench.sync import first_sync

MAX_GROWTH = 1.3


def run(ctx: BenchContext) -> list[Row]:
    full = first_sync(ctx, ctx.scale.contacts)
    tenth = first_sync(ctx, ctx.scale.tenth)
    growth = ratio(full.peak_kb, tenth.peak_kb)
    return [
        Row(
            "5",
            f"peak memory of a worker process, full sync of {ctx.scale.contacts} contacts",
            f"{full.peak_kb / 1024:.0f} MiB",
            f"{tenth.peak_kb / 1024:.0f} MiB at {ctx.scale.tenth} contacts",
            growth,
            f"<= {MAX_GROWTH}x",
            growth <= MAX_GROWTH,
            full.parity_ok and tenth.parity_ok,
        )
    ]
