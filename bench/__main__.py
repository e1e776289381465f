"""``python -m bench [--quick] [--rows 1,7]``: run the benchmarks, print the table, write RESULTS.md."""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.context import BenchContext
from bench.infra import broker_url, postgres_available
from bench.report import Row, table, write_results
from bench.scale import FULL, QUICK
from shared import embedded_redis
from shared.settings import use_environment

ROWS = {
    "1": "bench.receiver_rate",
    "2": "bench.celery_overhead",
    "3": "bench.naive_compare",
    "4": "bench.odoo_calls",
    "5": "bench.worker_memory",
    "6": "bench.latency_scaling",
    "7": "bench.webhook_latency",
    "mixed": "bench.mixed",
}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every row at a tenth of the size (minutes)")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {', '.join(ROWS)}")
    return parser.parse_args(argv)


def _run_row(key: str, ctx: BenchContext, loads: list[str]) -> list[Row]:
    """One row's figures; a row that breaks is reported as such and the others still run. A missed
    target gets the row's own diagnosis (``LIMITS``, from profiling) in the notes."""
    load = os.getloadavg()[0]
    loads.append(f"{key}: {load:.2f}")
    print(f"row {key} (load average {load:.2f}):", flush=True)
    try:
        module = importlib.import_module(ROWS[key])
        rows: list[Row] = module.run(ctx)
    except Exception as exc:
        traceback.print_exc()
        ctx.note(f"row {key} did not complete: {type(exc).__name__}: {exc}")
        return [Row(key, "did not complete (see notes)", "-")]
    limits = getattr(module, "LIMITS", "")
    if limits and any(row.met is False for row in rows):
        ctx.note(f"row {key}, what limits it: {limits}")
    return rows


def _stop_on_sigterm() -> None:
    """A terminated run still leaves through its ``finally`` blocks, which stop every process it started."""

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)


def main(argv: list[str]) -> None:
    args = _arguments(argv)
    _stop_on_sigterm()
    keys = [key.strip() for key in args.rows.split(",") if key.strip()]
    unknown = set(keys) - set(ROWS)
    if unknown:
        raise SystemExit(f"unknown rows {sorted(unknown)}; known: {', '.join(ROWS)}")
    scale = QUICK if args.quick else FULL
    var_dir = Path(tempfile.mkdtemp(prefix="voicesync-bench-"))
    started = time.monotonic()
    try:
        broker = broker_url(var_dir)
        use_environment({"BROKER_URL": broker, "VOICESYNC_VAR_DIR": str(var_dir)})  # before workers is imported
        ctx = BenchContext(scale, var_dir, broker, "postgresql" if postgres_available() else "sqlite")
        print(f"voicesync benchmarks ({scale.name}); broker {broker}; reconciliation ledger {ctx.ledger_kind}")
        loads: list[str] = []
        rows = [row for key in keys for row in _run_row(key, ctx, loads)]
        ctx.notes.append(
            "load average (1 min) when each row started, other engineers share the machine: " + ", ".join(loads)
        )
    finally:
        embedded_redis.stop(var_dir)
        shutil.rmtree(var_dir, ignore_errors=True)
    wall = time.monotonic() - started
    print()
    print(table(rows))
    print(f"\nwall time {wall / 60:.1f} min")
    command = (
        "python -m bench" + (" --quick" if args.quick else "") + ("" if keys == list(ROWS) else f" --rows {args.rows}")
    )
    setup = [
        f"broker: Redis ({'system, database 5' if broker.startswith('redis://127.0.0.1:6379') else 'embedded'})",
        f"reconciliation ledger: {ctx.ledger_kind}; platform page size {scale.page_size}; VOICE_RATE_LIMIT=0",
    ]
    path = write_results(rows, scale=scale.name, command=command, wall_seconds=wall, setup=setup, notes=ctx.notes)
    print(f"written to {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
