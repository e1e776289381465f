"""A full reconciliation through the Celery pools, measured: records per second, Odoo calls, worker
peak memory, and parity afterwards (a figure only counts for a correct result)."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psutil

from bench.context import BenchContext
from bench.processes import peak_memory_kb
from bench.stack import Stack
from bench.workload import GENERIC, Workload
from shared.entities import ENTITIES
from shared.parity import check

FINISHED = {"succeeded", "failed", "skipped"}
WRITES = ("load", "create", "write", "unlink")
RUN_TIMEOUT = 3600.0


@dataclass
class SyncOutcome:
    records: int
    seconds: float
    calls: Counter[str] = field(default_factory=Counter)
    peak_kb: int = 0
    parity_ok: bool = False
    status: str = ""
    cpu_busy: float = 0.0  # share of all the machine's cores busy during the run
    worker_cpu: float = 0.0  # CPU seconds of the worker processes (pool children included) during the run
    odoo_cpu: float | None = None  # CPU seconds of a real Odoo's server process during the run

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def write_calls(self) -> int:
        return sum(n for name, n in self.calls.items() if name.rsplit(".", 1)[-1] in WRITES)

    def per_thousand(self, calls: int) -> float:
        return 1000 * calls / self.records if self.records else 0.0


def calls_since(stack: Stack, before: dict[str, int]) -> Counter[str]:
    return Counter(stack.odoo_calls()) - Counter(before)


def parity_ok(stack: Stack, entities: tuple[str, ...]) -> bool:
    services = stack.services
    return all(check(ENTITIES[name], services.platform, services.odoo).ok for name in entities)


def tree_cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU time of processes and all their children so far."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            for member in [process, *process.children(recursive=True)]:
                times = member.cpu_times()
                total += times.user + times.system
    return total


def _busy_share(before: Any, after: Any) -> float:
    total = sum(after) - sum(before)
    idle = (after.idle + after.iowait) - (before.idle + before.iowait)
    return 1 - idle / total if total else 0.0


def celery_sync(
    stack: Stack,
    entities: tuple[str, ...] = ("contacts",),
    *,
    workers: int = 1,
    concurrency: int = 1,
    check_parity: bool = True,
    parity: tuple[str, ...] | None = None,
) -> SyncOutcome:
    """Fresh workers (so their peak memory is this run's), one full run per entity, wait, measure.
    ``check_parity=False`` leaves the check to the caller (whose log window must end with the run);
    ``parity`` checks other entities than those synced (under Vapi the people a calls sync wrote)."""
    from shared.producer.operations import start_resync

    processes = [p for name in entities for p in stack.workers(ENTITIES[name].queue, workers, concurrency)]
    pids = [psutil.Process(process.pid) for process in processes]
    services = stack.services
    before = stack.odoo_calls()
    cpu_before = psutil.cpu_times()
    workers_before, odoo_before = tree_cpu_seconds(pids), stack.odoo_cpu_seconds()
    started = time.time()
    run_ids = [start_resync(services, name, full=True) for name in entities]
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        runs = [services.runs.get(run_id) for run_id in run_ids]
        if all(run is not None and run.status in FINISHED for run in runs) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    finished = [run for run in runs if run is not None]
    odoo_after = stack.odoo_cpu_seconds()
    outcome = SyncOutcome(
        records=sum(r.created + r.updated + r.unchanged + r.drift_repaired for r in finished),
        seconds=max((r.finished_at.timestamp() for r in finished if r.finished_at), default=time.time()) - started,
        calls=calls_since(stack, before),
        peak_kb=peak_memory_kb(processes),
        status=",".join(sorted({r.status for r in finished})) or "missing",
        cpu_busy=_busy_share(cpu_before, psutil.cpu_times()),
        worker_cpu=tree_cpu_seconds(pids) - workers_before,
        odoo_cpu=None if odoo_before is None or odoo_after is None else odoo_after - odoo_before,
    )
    for process in processes:
        process.stop()
    if check_parity:
        outcome.parity_ok = parity_ok(stack, parity or entities)
    return outcome


def first_sync(ctx: BenchContext, records: int, workload: Workload = GENERIC) -> SyncOutcome:
    """The first full sync of ``records`` of ``workload`` into an empty Odoo by one worker process
    (rows 2, 3, 5), taken once per run and shared by the rows that read it."""

    def measure() -> SyncOutcome:
        print(f"  first full sync of {workload.describe(records)} through Celery", flush=True)
        with workload.stack(ctx, records) as stack:
            return celery_sync(stack, (workload.entity,), parity=workload.parity)

    return ctx.once(("first_sync", workload.vendor, records), measure)
