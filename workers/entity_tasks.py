"""The four tasks every entity has, registered from its :class:`EntitySpec`.

- ``<entity>.sync_one(platform_id, inbox_id=None)``: one record, read from the platform now.
- ``<entity>.sync_many(platform_ids, inbox_ids=None, correlation_ids=None)``: several records the
  same way, as one batch (what the receiver sends for webhooks that arrive together).
- ``<entity>.sync_page(run_id)``: pages of a reconciliation, taken one at a time until none is
  left, each one's write to Odoo in flight while the next is read and prepared.
- ``<entity>.reconcile(full=False, since=None, run_id=None)``: plan and start a reconciliation.

Names are stable and arguments JSON-simple, so an operator can enqueue any of them by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from celery import Task

from shared.coalesce import superseded
from shared.entities import ENTITIES, EntitySpec
from shared.errors import DataError, LockBusy, RetryableError
from shared.ledger.states import RunStatus
from shared.logs import bound
from shared.reconcile import Reconciliation
from shared.upsert import UpsertResult
from workers.app import app
from workers.base import SyncTask

log = logging.getLogger(__name__)


class RunTask(SyncTask):
    """A task that belongs to a run: its retries and its failure are counted in the run."""

    abstract = True

    @property
    def reconciliation(self) -> Reconciliation:
        return Reconciliation(self.services, ENTITIES[self.name.split(".")[0]])

    def run_id(self) -> int | None:
        value = (self.request.kwargs or {}).get("run_id")
        return int(value) if value is not None else None

    def on_retrying(self) -> None:
        run_id = self.run_id()
        if run_id is not None:
            self.services.runs.add(run_id, retries=1)


class PageTask(RunTask):
    abstract = True

    def on_dead_letter(self, reason: str) -> None:
        """The pages this task took and lost for good still count as done (with a failure) so the
        run can close; those of them already counted stay as they were. Pages nobody has taken yet
        get a successor: this may have been the run's last page task."""
        run_id = self.run_id()
        if run_id is None:
            return
        reconciliation = self.reconciliation
        pages = reconciliation.pages_taken_by(run_id, str(self.request.id))
        complete = [reconciliation.count_page(run_id, page, failed=1) for page in pages]
        run = self.services.runs.get(run_id)
        if any(complete):
            reconciliation.finalize(run_id)
        elif run is not None and reconciliation.pages_left(run):
            self.apply_async(kwargs={"run_id": run_id})


class ReconcileTask(RunTask):
    abstract = True

    def on_dead_letter(self, reason: str) -> None:
        run_id = self.run_id()
        if run_id is not None:
            self.reconciliation.fail(run_id, reason)


def sync_records(
    task: SyncTask,
    spec: EntitySpec,
    platform_ids: list[str],
    inbox_ids: list[int | None],
    correlations: list[str],
    later: set[str] | None = None,
) -> dict[str, int]:
    """The body of ``sync_one`` and ``sync_many``: one batch, then a log line (or a dead letter) per
    record, under the correlation id of the webhook that asked for it. The ids in ``later`` are
    left to a newer queued task (:mod:`shared.coalesce`)."""
    later = later or set()
    to_read = [str(platform_id) for platform_id in platform_ids if str(platform_id) not in later]
    result = task.services.importer.sync_many(spec, to_read) if to_read else UpsertResult()
    failed = {failure.platform_id: failure for failure in result.failures}
    for platform_id, inbox_id, correlation in zip(platform_ids, inbox_ids, correlations, strict=True):
        if str(platform_id) in result.deferred:
            continue
        with bound(correlation_id=correlation):
            if str(platform_id) in later:
                log.info("%s %s left to a newer queued sync", spec.singular, platform_id,
                         extra={"platform_id": platform_id, "coalesced": True})  # fmt: skip
                continue
            if str(platform_id) in failed:
                task.record_failed(spec.name, failed[str(platform_id)], inbox_id)
                continue
            log.info(
                "%s %s synced",
                spec.singular,
                platform_id,
                extra={
                    "platform_id": platform_id,
                    "odoo_model": spec.odoo_model,
                    "odoo_id": result.written.get(str(platform_id)),
                },
            )
    if result.deferred:
        _retry_alone(task, result.deferred, platform_ids, inbox_ids, correlations)
    return result.counts()


def _retry_alone(
    task: SyncTask,
    deferred: dict[str, RetryableError],
    platform_ids: list[str],
    inbox_ids: list[int | None],
    correlations: list[str],
) -> None:
    """Records whose read failed for now are retried on their own: the task's retry (or, once
    retries run out, its dead letter) carries only them, and the rest of the batch is done."""
    rows = list(zip(platform_ids, inbox_ids, correlations, strict=True))
    waiting = [row for row in rows if str(row[0]) in deferred]
    settled = getattr(task.request, "settled_inbox_ids", set())
    done = [inbox for pid, inbox, _ in rows if str(pid) not in deferred and inbox is not None and inbox not in settled]
    task.services.inbox.mark_processed(done, task_id=task.request.id)
    if "platform_ids" in (task.request.kwargs or {}):  # sync_many: only the waiting ones go on
        task.request.kwargs = {
            **task.request.kwargs,
            "platform_ids": [pid for pid, _, _ in waiting],
            "inbox_ids": [inbox for _, inbox, _ in waiting],
            "correlation_ids": [corr for _, _, corr in waiting],
        }
    raise next(iter(deferred.values()))


@dataclass(frozen=True)
class EntityTasks:
    sync_one: Task
    sync_many: Task
    sync_page: Task
    reconcile: Task


def register(spec: EntitySpec) -> EntityTasks:
    """Create and register the entity's tasks on :data:`workers.app.app`."""

    @app.task(name=f"{spec.name}.sync_one", base=SyncTask, bind=True)
    def sync_one(self: SyncTask, platform_id: str, inbox_id: int | None = None) -> dict[str, int]:
        return sync_records(self, spec, [platform_id], [inbox_id], [""])

    @app.task(name=f"{spec.name}.sync_many", base=SyncTask, bind=True)
    def sync_many(
        self: SyncTask,
        platform_ids: list[str],
        inbox_ids: list[int | None] | None = None,
        correlation_ids: list[str] | None = None,
    ) -> dict[str, int]:
        inbox_ids = inbox_ids or [None] * len(platform_ids)
        correlation_ids = correlation_ids or [""] * len(platform_ids)
        if not len(platform_ids) == len(inbox_ids) == len(correlation_ids):
            raise DataError("inbox_ids and correlation_ids must have one entry per platform id")
        ids = [str(platform_id) for platform_id in platform_ids]
        later = superseded(self.services.redis, spec.name, ids, str(self.request.id))
        return sync_records(self, spec, platform_ids, inbox_ids, correlation_ids, later)

    @app.task(name=f"{spec.name}.sync_page", base=PageTask, bind=True)
    def sync_page(self: PageTask, run_id: int) -> None:
        reconciliation = self.reconciliation
        run = self.services.runs.get(run_id)
        if run is None or run.status != RunStatus.RUNNING:
            log.info("run %s is no longer running; its page task ends", run_id)
            return
        if reconciliation.upsert_pages(run, reconciliation.taken_pages(run, str(self.request.id))):
            reconciliation.finalize(run_id)
        elif reconciliation.pages_left(run):  # this task's time was up
            sync_page.apply_async(kwargs={"run_id": run_id})

    @app.task(name=f"{spec.name}.reconcile", base=ReconcileTask, bind=True)
    def reconcile(self: ReconcileTask, full: bool = False, since: str | None = None, run_id: int | None = None) -> Any:
        reconciliation = self.reconciliation
        try:
            run = reconciliation.begin(full=full, since=since, run_id=run_id)
        except LockBusy as exc:
            log.warning("%s", exc)
            return None
        self.request.kwargs["run_id"] = run.id  # a retry resumes this run instead of opening another
        reconciliation.catch_up_odoo()
        walk = reconciliation.open_walk(run)
        if run.cursor:  # a retry of a walk that had got this far: on from there
            reconciliation.walk(run, walk, None)
            reconciliation.finalize(run.id)
            return run.id
        first = next(walk)
        page_tasks = reconciliation.plan(run, walk, first)
        if page_tasks:
            for _ in range(page_tasks):
                sync_page.apply_async(kwargs={"run_id": run.id})
            if reconciliation.upsert_page(run, first):
                reconciliation.finalize(run.id)
        else:
            reconciliation.walk(run, walk, first)
            reconciliation.finalize(run.id)
        return run.id

    return EntityTasks(sync_one, sync_many, sync_page, reconcile)
