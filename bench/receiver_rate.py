"""Row 1: webhooks answered per second by the receiver under gunicorn (signature check, inbox commit,
enqueue), on a SQLite and on a PostgreSQL ledger, against a bare Flask endpoint that only answers
202 under the same gunicorn settings and the same wrk load; then the p99 answer time when the load
is paced to half of the bare maximum rate."""

from __future__ import annotations

import math

from bench.context import BenchContext
from bench.infra import postgres_available
from bench.report import Row, ratio
from bench.stack import Stack
from bench.wrk import WrkResult, ensure_wrk, run_wrk, write_requests

MIN_RATIO = 0.5
MAX_P99_MS = 25.0
HEADROOM = 1.3  # signed requests prepared per request the fastest run could send
LIMITS = (
    "CPU per webhook in the gunicorn processes, measured under wrk with psutil and py-spy --gil, with parts of "
    "the path switched off in turn (SQLite ledger): the bare endpoint costs 450-630 us a request; verifying the "
    "signature and parsing the event add about 200 us; the group-committed inbox insert about 200 us; the "
    "publish, now one task per entity per 20 ms in its own thread, about 100 us (kombu builds a new Redis client "
    "object for every publish); handing each request to the writer thread and back costs thread switches under "
    "one GIL per process. In all about 1,050-1,150 us a webhook against 450-630 us, in two gunicorn processes "
    "that share two cores with wrk, PostgreSQL and Redis. Before the group commit (commit b30a265) every "
    "webhook paid a whole transaction and a whole Celery publish, and the receiver reached 0.05-0.14 of the bare rate."
)


def _count(rate: float, seconds: int) -> int:
    return math.ceil(rate * seconds * HEADROOM) + 1000


def _check(ctx: BenchContext, label: str, result: WrkResult, distinct: bool = True) -> None:
    """Notes answers other than 202, and repeated webhook-ids where they would change the work done."""
    if not result.all_status(202) or (distinct and result.wrapped):
        ctx.note(
            f"row 1 {label}: answers {result.statuses}, socket errors {result.socket_errors}, "
            f"request list wrapped {result.wrapped} times (repeats are the cheap duplicate path)"
        )


def _receiver(ctx: BenchContext, wrk: str, kind: str, bare_rate: float | None) -> tuple[float, WrkResult, WrkResult]:
    """The bare maximum (measured here when not given), the receiver's maximum, and its paced run."""
    seconds = ctx.scale.wrk_seconds
    folder = ctx.var_dir
    with Stack(ctx, contacts=0, ledger_kind=kind) as stack:
        secret = stack.api.webhook_secret
        if bare_rate is None:
            bare_url = stack.receiver("bench.bare:create_app()", name="bare")
            bare = run_wrk(wrk, bare_url, write_requests(folder / "bare.tsv", secret, 20_000), seconds)
            _check(ctx, "bare", bare, distinct=False)
            bare_rate = bare.rate
            print(f"  bare Flask under gunicorn: {bare_rate:.0f}/s", flush=True)
        url = stack.receiver(name=f"receiver-{kind}")
        full = run_wrk(wrk, url, write_requests(folder / "max.tsv", secret, _count(bare_rate, seconds)), seconds)
        _check(ctx, f"{kind} max", full)
        half = bare_rate / 2
        paced = run_wrk(wrk, url, write_requests(folder / "paced.tsv", secret, _count(half, seconds)), seconds, half)
        _check(ctx, f"{kind} paced", paced)
        print(f"  receiver on {kind}: {full.rate:.0f}/s; p99 {paced.p99_ms:.1f} ms at {paced.rate:.0f}/s", flush=True)
    return bare_rate, full, paced


def run(ctx: BenchContext) -> list[Row]:
    wrk = ensure_wrk(ctx)
    kinds = ["sqlite", "postgresql"] if postgres_available() else ["sqlite"]
    if len(kinds) == 1:
        ctx.note("row 1: PostgreSQL is not running on 127.0.0.1:5432; the receiver was measured on SQLite only")
    rows: list[Row] = []
    bare_rate: float | None = None
    for kind in kinds:
        bare_rate, full, paced = _receiver(ctx, wrk, kind, bare_rate)
        share = ratio(full.rate, bare_rate)
        rows += [
            Row(
                "1",
                f"webhooks/s answered by the receiver, {kind} ledger",
                f"{full.rate:.0f}/s",
                f"bare 202 endpoint {bare_rate:.0f}/s",
                share,
                f">= {MIN_RATIO}",
                share >= MIN_RATIO,
            ),
            Row(
                "1",
                f"p99 answer time at half the bare max, {kind} ledger",
                f"{paced.p99_ms:.1f} ms (p50 {paced.p50_ms:.1f} ms) at {paced.rate:.0f}/s",
                f"asked {bare_rate / 2:.0f}/s",
                None,
                f"<= {MAX_P99_MS:.0f} ms",
                paced.p99_ms <= MAX_P99_MS,
            ),
        ]
    return rows
