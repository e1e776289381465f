"""Row 8: a first full sync of contacts into a fresh real Odoo, against its floor.

For P = 1 and 4 processes: the floor (plain processes sending voicesync's own ``load`` pages, see
:mod:`bench.odoo_floor`), the other write path (``create`` plus ``ir.model.data.create``), and
voicesync (a full run through P Celery workers, concurrency 1). Each measurement gets its own
fresh copy of the template, dropped afterwards. Figures per 1,000 records: Odoo's HTTP requests
(from its log), Odoo's server CPU seconds (its process, when it runs here), and the client's CPU
seconds (the floor's processes, or voicesync's workers).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from bench.context import BenchContext
from bench.odoo_floor import floor_pages, run_floor
from bench.real_odoo import Request, Watch, Watched
from bench.report import Row, ratio
from bench.stack import Stack
from bench.sync import celery_sync, parity_ok

PROCESSES = (1, 4)
MIN_RATIO = 0.9
ENTITIES = ("contacts",)


@dataclass(frozen=True)
class Measured:
    label: str
    records: int
    seconds: float
    client_cpu: float
    odoo: Watched
    parity: bool

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def per_thousand(self, value: float | None) -> float | None:
        return None if value is None or not self.records else 1000 * value / self.records

    @property
    def odoo_cpu(self) -> float | None:
        return self.per_thousand(self.odoo.cpu)

    def figure(self) -> str:
        calls = self.per_thousand(None if self.odoo.requests is None else len(self.odoo.requests))
        return (
            f"{self.rate:.0f} records/s; per 1,000: {_number(calls, '.1f')} Odoo HTTP calls, "
            f"{_number(self.odoo_cpu, '.2f')} s Odoo CPU, {_number(self.per_thousand(self.client_cpu), '.2f')} s "
            "client CPU"
        )

    def breakdown(self) -> str:
        """Odoo's calls by method, with their mean server time (SQL + the rest), from its log."""
        if self.odoo.requests is None:
            return "-"
        by_call: dict[str, list[Request]] = defaultdict(list)
        for request in self.odoo.requests:
            by_call[request.call].append(request)
        parts = []
        for call, requests in sorted(by_call.items()):
            sql = 1000 * sum(r.sql_seconds for r in requests) / len(requests)
            other = 1000 * sum(r.other_seconds for r in requests) / len(requests)
            queries = sum(r.queries for r in requests) / len(requests)
            parts.append(f"{call} {len(requests)} ({queries:.0f} queries, {sql:.0f} ms SQL + {other:.0f} ms other)")
        return ", ".join(parts)


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _floor(ctx: BenchContext, contacts: int, method: str, processes: int) -> Measured:
    label = f"floor ({'load' if method == 'load' else 'create + ir.model.data.create'}), P={processes}"
    print(f"  {label}: {contacts} contacts", flush=True)
    with Stack(ctx, contacts=contacts, odoo_server=ctx.odoo) as stack:
        assert stack.real_odoo is not None
        path = ctx.var_dir / "floor-pages.json"
        path.write_text(json.dumps(floor_pages(stack.services.platform)))
        watch = Watch.start(stack.real_odoo)
        run = run_floor(path, method, processes, stack.env)
        watched = watch.stop()
        return Measured(label, run.records, run.seconds, run.client_cpu, watched, parity_ok(stack, ENTITIES))


def _voicesync(ctx: BenchContext, contacts: int, processes: int) -> Measured:
    label = f"voicesync, P={processes} worker processes"
    print(f"  {label}: {contacts} contacts", flush=True)
    with Stack(ctx, contacts=contacts, odoo_server=ctx.odoo) as stack:
        assert stack.real_odoo is not None
        watch = Watch.start(stack.real_odoo)
        outcome = celery_sync(stack, ENTITIES, workers=processes, check_parity=False)
        logged = watch.stop()
        watched = Watched(logged.requests, logged.others, outcome.odoo_cpu)  # CPU over the run itself
        ok = outcome.status == "succeeded" and parity_ok(stack, ENTITIES)
        return Measured(label, outcome.records, outcome.seconds, outcome.worker_cpu, watched, ok)


def _rows(processes: int, load: Measured, create: Measured, ours: Measured) -> list[Row]:
    floor = f"floor {load.rate:.0f} records/s, {_number(load.odoo_cpu, '.2f')} s Odoo CPU/1,000"
    share = ratio(ours.rate, load.rate)
    cpu_ok = ours.odoo_cpu is None or load.odoo_cpu is None or ours.odoo_cpu <= load.odoo_cpu
    return [
        Row("8", f"floor: res.partner.load pages, {processes} process(es)", load.figure(), parity=load.parity),
        Row(
            "8",
            f"floor, other path: create + ir.model.data.create, {processes} process(es)",
            create.figure(),
            floor,
            ratio(create.rate, load.rate),
            parity=create.parity,
        ),
        Row(
            "8",
            f"voicesync full sync into fresh Odoo 19, {processes} worker process(es)",
            ours.figure(),
            floor,
            share,
            f">= {MIN_RATIO}, Odoo CPU/record <= floor's",
            share >= MIN_RATIO and cpu_ok,
            ours.parity,
        ),
    ]


def run(ctx: BenchContext) -> list[Row]:
    if ctx.odoo is None:
        ctx.note(
            "row 8 skipped: it needs a real Odoo (--odoo-url, --odoo-template, --odoo-master-password, "
            "--odoo-api-key, or VOICESYNC_CONTRACT_ODOO_*)"
        )
        return []
    contacts = ctx.scale.real_odoo_contacts
    ctx.note(f"row 8: {ctx.odoo.describe()}; template {ctx.odoo.template}, JSON-2, {contacts} contacts")
    rows: list[Row] = []
    for processes in PROCESSES:
        measured = (
            _floor(ctx, contacts, "load", processes),
            _floor(ctx, contacts, "create", processes),
            _voicesync(ctx, contacts, processes),
        )
        for item in measured:
            print(f"    {item.label}: {item.figure()}", flush=True)
            ctx.note(f"row 8, {item.label}, Odoo's calls: {item.breakdown()}")
            if item.odoo.others:
                ctx.note(f"row 8, {item.label}: Odoo also answered {item.odoo.others} requests for other databases")
        rows += _rows(processes, *measured)
    return rows
