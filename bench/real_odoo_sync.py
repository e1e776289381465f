"""Row 8: a first full sync of contacts into a fresh real Odoo, against its floor.

For P = 1 and 4 processes: the floor (plain processes sending voicesync's own ``load`` pages, see
:mod:`bench.odoo_floor`), the other write path (``create`` plus ``ir.model.data.create``), and
voicesync (a full run through P Celery workers, concurrency 1). Each measurement gets its own
fresh copy of the template, dropped afterwards; the three run back to back, in rounds, and each
figure is the median-rate run of its kind and each ratio the median of the round-by-round ratios
(single runs on the shared machine vary by 20-50%). Figures per 1,000 records: Odoo's HTTP
requests (from its log), Odoo's server CPU seconds (its process, when it runs here), and the
client's CPU seconds (the floor's processes, or voicesync's workers).
"""

from __future__ import annotations

import dataclasses
import json
import statistics
from collections import defaultdict
from collections.abc import Callable

from bench.context import BenchContext
from bench.odoo_floor import floor_pages, run_floor
from bench.real_odoo import Request, Watch, Watched
from bench.report import Row, ratio
from bench.stack import Stack
from bench.sync import celery_sync, parity_ok

PROCESSES = (1, 4)
MIN_RATIO = 0.9
ENTITIES = ("contacts",)
LIMITS = (
    "Odoo calls of a first sync, per worker process: one res.partner.load a page (the floor's only call); once: "
    "the version (/web/version, or common.version and common.authenticate over JSON-RPC), res.users.context_get "
    "(the integration user, whose writes the partner index skips), res.partner.fields_get (which mapped fields "
    "this Odoo's model has), ir.model.data.search_count (whether Odoo holds settled voicesync ids the ledger has "
    "not bound; again each minute; while it does not, no per-page external-id lookup), and the partner index's "
    "first read (res.partner.search_read of the newest write, then of every partner with a phone or email); then "
    "every VOICESYNC_MATCH_FRESHNESS (2 s) one res.partner.search_read of the partners people wrote since. So "
    "P=4 makes four times the once-per-process calls and the fresh looks (8-9 calls per 1,000, 5.4 for the "
    "floor; each of them costs Odoo about 9 ms of CPU, most of it the API key's check, so P=4's 30-odd are 3-4% "
    "of the floor's Odoo CPU). A page task keeps VOICESYNC_LOADS_IN_FLIGHT (1) loads in Odoo while it reads and "
    "prepares the next page and binds the last (with 2, a lone worker reached 0.88 of the floor, four workers 0.80: "
    "eight loads at once on two cores), and takes pages one at a time from the run's counter until none is left, "
    "so Odoo waits on voicesync only before the run's first two pages (the planning task's page 1, then the first "
    "page task's start). voicesync's own processes spend about 0.2 s of CPU per 1,000 records (the floor 0.01), "
    "with the sandbox platform and the ledger's PostgreSQL, on the same two cores as Odoo: at P=4 four workers "
    "preparing pages crowd Odoo's process more than four floor processes do, which with the extra calls is what "
    "Odoo CPU per record above the floor's is, and round-to-round ratios spread from 0.7 to 1.0 on a shared machine."
)


@dataclasses.dataclass(frozen=True)
class Measured:
    label: str
    records: int
    seconds: float
    client_cpu: float
    odoo: Watched
    parity: bool
    rounds: list[float] = dataclasses.field(default_factory=list)  # every round's records/s (the median's)

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
        spread = f" (rounds {min(self.rounds):.0f}-{max(self.rounds):.0f})" if len(self.rounds) > 1 else ""
        return (
            f"{self.rate:.0f} records/s{spread}; per 1,000: {_number(calls, '.1f')} Odoo HTTP calls, "
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
        path.write_text(json.dumps(floor_pages(stack.services.platform, stack.services.odoo)))
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
        watched = dataclasses.replace(logged, cpu=outcome.odoo_cpu)  # the CPU time over the run itself
        ok = outcome.status == "succeeded" and parity_ok(stack, ENTITIES)
        return Measured(label, outcome.records, outcome.seconds, outcome.worker_cpu, watched, ok)


Round = tuple[Measured, Measured, Measured]  # load floor, create floor, voicesync
TIE = 0.05  # closer than this is a tie on this machine


def _paired(rounds: list[Round], kind: int, value: Callable[[Measured], float | None]) -> float | None:
    """The median over the rounds of ``value`` of ``kind`` against the same round's load floor: pairs
    measured minutes apart are alike, rounds further apart drift with the shared machine."""
    pairs = [(value(r[kind]), value(r[0])) for r in rounds]
    shares = [ratio(mine, floor) for mine, floor in pairs if mine is not None and floor is not None]
    return statistics.median(shares) if shares else None


def _median(runs: list[Measured]) -> Measured:
    """The run with the median rate, correct only if every run was."""
    middle = sorted(runs, key=lambda m: m.rate)[len(runs) // 2]
    return dataclasses.replace(middle, parity=all(m.parity for m in runs), rounds=[m.rate for m in runs])


def _rate(m: Measured) -> float:
    return m.rate


def _cpu(m: Measured) -> float | None:
    return m.odoo_cpu


def _create_against_load(rounds: list[Round]) -> str:
    speed, cpu = _paired(rounds, 1, _rate) or 0.0, _paired(rounds, 1, _cpu)
    if abs(speed - 1) < TIE and (cpu is None or abs(cpu - 1) < TIE):
        verdict = "ties with"
    elif speed > 1 and (cpu is None or cpu < 1):
        verdict = "beats"
    else:
        verdict = "does not beat"
    return (
        f"create + ir.model.data.create {verdict} load: {speed:.2f} of its records/s and "
        f"{_number(cpu, '.2f')} of its Odoo CPU per record (medians of the round-by-round ratios)"
    )


def _rows(processes: int, rounds: list[Round], major: int) -> list[Row]:
    load, create, ours = (_median(list(kind)) for kind in zip(*rounds, strict=True))
    floor = f"floor {load.rate:.0f} records/s, {_number(load.odoo_cpu, '.2f')} s Odoo CPU/1,000"
    share, cpu = _paired(rounds, 2, _rate) or 0.0, _paired(rounds, 2, _cpu)
    return [
        Row("8", f"floor: res.partner.load pages, {processes} process(es)", load.figure(), parity=load.parity),
        Row(
            "8",
            f"floor, other path: create + ir.model.data.create, {processes} process(es)",
            create.figure(),
            floor,
            _paired(rounds, 1, _rate),
            parity=create.parity,
        ),
        Row(
            "8",
            f"voicesync full sync into fresh Odoo {major}, {processes} worker process(es); Odoo CPU/record "
            f"{_number(cpu, '.2f')} of the floor's",
            ours.figure(),
            floor,
            share,
            f">= {MIN_RATIO}, Odoo CPU/record <= floor's",
            share >= MIN_RATIO and (cpu is None or cpu <= 1),
            ours.parity,
        ),
    ]


def _round(ctx: BenchContext, contacts: int, processes: int) -> tuple[Measured, Measured, Measured]:
    """One measurement of each kind, back to back, so that the machine is as alike as it gets."""
    measured = (
        _floor(ctx, contacts, "load", processes),
        _floor(ctx, contacts, "create", processes),
        _voicesync(ctx, contacts, processes),
    )
    for item in measured:
        print(f"    {item.label}: {item.figure()}", flush=True)
        if item.odoo.others or item.odoo.cron_jobs:
            ctx.note(
                f"row 8, {item.label}: meanwhile Odoo also answered {item.odoo.others} requests for other "
                f"databases and started {item.odoo.cron_jobs} scheduled jobs (its CPU figure includes them)"
            )
    return measured


def run(ctx: BenchContext) -> list[Row]:
    if ctx.odoo is None:
        ctx.note(
            "row 8 skipped: it needs a real Odoo (--odoo-url, --odoo-template, --odoo-master-password, "
            "--odoo-api-key, or VOICESYNC_CONTRACT_ODOO_*)"
        )
        return []
    contacts, rounds = ctx.scale.real_odoo_contacts, ctx.scale.real_odoo_rounds
    ctx.note(
        f"row 8: {ctx.odoo.describe()}; Odoo {ctx.odoo.major()}, template {ctx.odoo.template}, "
        f"{ctx.odoo.protocol()}, {contacts} contacts; {rounds} rounds "
        "of the three measurements, each in its own fresh database; each figure is its kind's median-rate run, each "
        "ratio the median of the round-by-round ratios to the same round's load floor"
    )
    rows: list[Row] = []
    for processes in PROCESSES:
        measured = [_round(ctx, contacts, processes) for _ in range(rounds)]
        for kind in zip(*measured, strict=True):
            item = _median(list(kind))
            ctx.note(f"row 8, {item.label}: Odoo's calls in the median run: {item.breakdown()}")
        paired = ", ".join(f"{ratio(o.rate, f.rate):.2f}" for f, _, o in measured)
        ctx.note(f"row 8, P={processes}: voicesync/floor records/s round by round: {paired}")
        ctx.note(f"row 8, P={processes}: {_create_against_load(measured)}")
        rows += _rows(processes, measured, ctx.odoo.major())
    return rows
