"""``python -m bench [--quick] [--rows 1,7] [--odoo-url URL ...]``: run the benchmarks, print the table,
write RESULTS.md. Row 8 needs a real Odoo (the ``--odoo-*`` options) and has its own section there, so
that runs with and without it keep each other's figures."""

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
from dataclasses import dataclass
from pathlib import Path

from bench import odoo_options
from bench.context import BenchContext
from bench.infra import broker_url, postgres_available
from bench.report import Row, main_command, table, write_results, write_section
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
    "8": "bench.real_odoo_sync",
    "9": "bench.burst",
    "10": "bench.hostile_bodies",
    "mixed": "bench.mixed",
}
COMPLETE = "python -m bench"  # the run whose main table only another such run replaces
PARTIAL = "partial run"  # the section of any other run, made while RESULTS.md holds a complete one
SECTIONS = {  # rows with their own section
    "8": "Row 8: first full sync of contacts into a fresh real Odoo",
    "9": "Row 9: a burst of webhooks that keep changing the same contacts",
    "10": "Row 10: what an unsigned hostile body costs the receiver",
}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every row at a tenth of the size (minutes)")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {', '.join(ROWS)}")
    odoo_options.add_arguments(parser)
    return parser.parse_args(argv)


@dataclass
class Ran:
    """One row's run: its figures, the notes it added, how long it took, the load when it began."""

    rows: list[Row]
    notes: list[str]
    seconds: float
    load: float


def _run_row(key: str, ctx: BenchContext) -> Ran:
    """One row's figures; a row that breaks is reported as such and the others still run. A missed
    target gets the row's own diagnosis (``LIMITS``, from profiling) in the notes."""
    load, first_note, started = os.getloadavg()[0], len(ctx.notes), time.monotonic()
    print(f"row {key} (load average {load:.2f}):", flush=True)
    try:
        module = importlib.import_module(ROWS[key])
        rows: list[Row] = module.run(ctx)
    except Exception as exc:
        traceback.print_exc()
        ctx.note(f"row {key} did not complete: {type(exc).__name__}: {exc}")
        rows = [Row(key, "did not complete (see notes)", "-")]
    else:
        limits = getattr(module, "LIMITS", "")
        if limits and any(row.met is False for row in rows):
            ctx.note(f"row {key}, what limits it: {limits}")
    return Ran(rows, ctx.notes[first_note:], time.monotonic() - started, load)


def _loads(ran: dict[str, Ran]) -> str:
    return "load average (1 min) when each row started, other engineers share the machine: " + ", ".join(
        f"{key}: {r.load:.2f}" for key, r in ran.items()
    )


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
    odoo = odoo_options.server(args)
    var_dir = Path(tempfile.mkdtemp(prefix="voicesync-bench-"))
    started = time.monotonic()
    try:
        broker = broker_url(var_dir)
        use_environment({"BROKER_URL": broker, "VOICESYNC_VAR_DIR": str(var_dir)})  # before workers is imported
        ctx = BenchContext(scale, var_dir, broker, "postgresql" if postgres_available() else "sqlite", odoo)
        print(f"voicesync benchmarks ({scale.name}); broker {broker}; reconciliation ledger {ctx.ledger_kind}")
        ran = {key: _run_row(key, ctx) for key in keys}
    finally:
        embedded_redis.stop(var_dir)
        shutil.rmtree(var_dir, ignore_errors=True)
    wall = time.monotonic() - started
    print()
    print(table([row for r in ran.values() for row in r.rows]))
    print(f"\nwall time {wall / 60:.1f} min")
    _write(
        args,
        keys,
        ran,
        wall,
        [
            f"broker: Redis ({'system, database 5' if broker.startswith('redis://127.0.0.1:6379') else 'embedded'})",
            f"reconciliation ledger: {ctx.ledger_kind}; platform page size {scale.page_size}; VOICE_RATE_LIMIT=0",
        ],
    )


def _write(args: argparse.Namespace, keys: list[str], ran: dict[str, Ran], wall: float, setup: list[str]) -> None:
    """The main table for the rows without a section of their own; a section for each row that has
    one and produced figures (a skipped row 8 leaves its last figures in place, its note goes to the
    main table's notes). While RESULTS.md holds a complete full run (``COMPLETE``), any other run's
    main rows go to the ``PARTIAL`` section instead, which the next complete run drops."""
    quick = " --quick" if args.quick else ""
    sections = [key for key in keys if key in SECTIONS and ran[key].rows]
    main = {key: r for key, r in ran.items() if key not in sections}
    if any(key not in SECTIONS for key in main):
        rows_flag = "" if keys == list(ROWS) else f" --rows {','.join(main)}"
        command = f"python -m bench{quick}{rows_flag}"
        seconds = sum(r.seconds for r in main.values()) if sections else wall
        notes = [note for r in main.values() for note in r.notes] + [_loads(main)]
        rows = [row for r in main.values() for row in r.rows]
        if command != COMPLETE and main_command() == COMPLETE:
            # a quick run or a few rows must not replace every full figure: they get a section of their own
            title = f"Partial run: rows {', '.join(main)}{' (QUICK run)' if args.quick else ''}, beside the table above"
            path = write_section(PARTIAL, title, rows, command=command, wall_seconds=seconds, setup=setup, notes=notes)
        else:
            path = write_results(
                rows,
                scale="quick" if args.quick else "full",
                command=command,
                wall_seconds=seconds,
                setup=setup,
                notes=notes,
                drop=(PARTIAL,) if command == COMPLETE else (),
            )
        print(f"written to {path}")
    for key in sections:
        server = odoo_options.server(args) if key == "8" else None
        on = f", Odoo {server.major()}" if server is not None else ""  # row 8 has a section per version
        path = write_section(
            f"row {key}{on}",
            SECTIONS[key] + on + (" (QUICK run)" if args.quick else ""),
            ran[key].rows,
            command=f"python -m bench{quick} --rows {key}{odoo_options.command_flags(args)}",
            wall_seconds=ran[key].seconds,
            setup=setup,
            notes=[*ran[key].notes, _loads({key: ran[key]})],
        )
        print(f"row {key} written to {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
