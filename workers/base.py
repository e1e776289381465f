"""``SyncTask``: the one base of every voicesync task, so each task body stays a few lines.

It decides, in one place, what a failure means:

- retryable (timeouts, 429, 5xx, Odoo conflicts, a record lock held too long, the ledger
  database or Redis unreachable): retry with
  exponential backoff, jitter, a cap and ``Retry-After``, up to ``VOICESYNC_RETRY_MAX`` times;
- anything that cannot succeed by retrying (401/403/404/422, unmappable data): a dead letter with
  the reason, at once, and the message is acknowledged;
- a message delivered more than ``VOICESYNC_MAX_DELIVERIES`` times without finishing (it kills
  its worker): a dead letter instead of an endless loop.

A task replayed from the dead letters carries the letter's id in a header; when it succeeds the
letter leaves the table. A task started from webhooks carries their ``inbox_id`` (or ``inbox_ids``);
their rows are marked ``processed`` when the task succeeds and ``failed`` when it is dead-lettered.
A task that syncs several records dead-letters a record that cannot be written on its own
(:meth:`SyncTask.record_failed`), and the rest of its batch goes on.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from celery import Task
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError

from shared.errors import DataError, FatalError, LockBusy, RetryableError, VoicesyncError
from shared.logs import CORRELATION_HEADER, bound
from shared.retry import backoff_seconds
from shared.services import Services
from shared.settings import get_settings
from shared.upsert import Failure

log = logging.getLogger(__name__)
DELIVERY_KEY_TTL = 86400


@cache
def process_services() -> Services:
    """One set of services per worker process, shared by all its tasks: one Odoo client (signed in
    once), one partner index (read once), one platform session. Per task type, a process holding
    a reconciliation's first page and its other pages read every partner twice."""
    return Services(get_settings())


class SyncTask(Task):
    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    ignore_result = True
    typing = True
    #: The retry limit is ``VOICESYNC_RETRY_MAX``, counted in ``_run_guarded``; Celery's own limit is
    #: off (Celery 5.7 reads ``retry(max_retries=None)`` as "the task's default", which is 3).
    max_retries = None

    @property
    def services(self) -> Services:
        return process_services()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        correlation = self._header(CORRELATION_HEADER) or self.request.id
        with bound(correlation_id=str(correlation), task_id=str(self.request.id), task_name=self.name):
            return self._run_guarded(*args, **kwargs)

    def _run_guarded(self, *args: Any, **kwargs: Any) -> Any:
        settings = self.services.settings
        deliveries = self._count_delivery()
        if deliveries > settings.max_deliveries:
            self._dead_letter(
                "Undeliverable", f"delivered {deliveries} times without finishing (its worker died each time)"
            )
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except (RetryableError, LockBusy, DBAPIError, RedisConnectionError) as exc:
            retries = self.request.retries
            if retries >= settings.retry_max:
                self._dead_letter(type(exc).__name__, f"gave up after {retries} retries: {exc}")
                return None
            self.on_retrying()
            countdown = backoff_seconds(
                retries,
                base=settings.retry_backoff_base,
                cap=settings.retry_backoff_cap,
                retry_after=getattr(exc, "retry_after", None),
            )
            log.warning("%s retry %d in %.1fs: %s", self.name, retries + 1, countdown, exc)
            raise self.retry(exc=exc, countdown=countdown, kwargs=self.request.kwargs) from None
        except (FatalError, DataError, VoicesyncError) as exc:
            self._dead_letter(type(exc).__name__, str(exc))
            return None
        letter = self._letter_id()
        if letter is not None:
            self.services.dead_letters.remove(letter)
        settled = getattr(self.request, "settled_inbox_ids", set())
        done = [inbox_id for inbox_id in self._inbox_ids() if inbox_id not in settled]
        self.services.inbox.mark_processed(done, task_id=self.request.id)
        return result

    def record_failed(self, entity: str, failure: Failure, inbox_id: int | None) -> None:
        """One record of the batch failed for good: its own dead letter (a ``sync_one`` that replays it
        alone) and its inbox row ``failed``, while the task goes on with the others."""
        log.error("%s %s dead-lettered (%s): %s", entity, failure.platform_id, failure.error_type, failure.reason)
        self.services.dead_letters.add_record(entity, failure, inbox_id)
        if inbox_id is not None:
            self.services.inbox.mark_failed([inbox_id], task_id=self.request.id, error=failure.reason)
            self.request.settled_inbox_ids = {*getattr(self.request, "settled_inbox_ids", set()), inbox_id}

    def on_retrying(self) -> None:
        """Hook: a retry is about to be scheduled (reconciliations count it in their run)."""

    def on_dead_letter(self, reason: str) -> None:
        """Hook: the work failed for good (pages and runs close their run's books here)."""

    def _header(self, name: str) -> Any:
        """A custom message header (Celery exposes them both ways, depending on the protocol)."""
        return (self.request.headers or {}).get(name) or getattr(self.request, name, None)

    def _inbox_ids(self) -> list[int]:
        kwargs = self.request.kwargs or {}
        return [int(value) for value in kwargs.get("inbox_ids") or [kwargs.get("inbox_id")] if value]

    def _letter_id(self) -> int | None:
        value = self._header("dead_letter_id")
        return int(value) if value else None

    def _count_delivery(self) -> int:
        key = f"voicesync:deliveries:{self.request.id}:{self.request.retries}"
        pipe = self.services.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, DELIVERY_KEY_TTL)
        return int(pipe.execute()[0])

    def _dead_letter(self, error_type: str, reason: str) -> None:
        kwargs = dict(self.request.kwargs or {})
        log.error("%s dead-lettered (%s): %s", self.name, error_type, reason)
        if self._letter_id() is None:
            self.services.dead_letters.add(
                self.name,
                kwargs,
                error_type=error_type,
                reason=reason,
                entity=self.name.split(".")[0],
                record_id=kwargs.get("platform_id"),
            )
        else:
            self.services.dead_letters.mark_replayed(self._letter_id())  # type: ignore[arg-type]
        self.services.inbox.mark_failed(self._inbox_ids(), task_id=self.request.id, error=reason)
        self.on_dead_letter(reason)
