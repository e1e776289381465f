"""Group commit for the inbox: many webhooks, one transaction; and few tasks for many webhooks.

Each receiver process has two threads behind its request threads. A request thread hands its event
to the *writer* and waits until the row is committed (so nothing answered 2xx is lost); the writer
takes every event waiting at that moment, stores them with one statement, wakes their request
threads and passes the new rows on. The *publisher* takes every committed row waiting for it and
sends one task per entity (:func:`shared.producer.dispatch.publish`), marking the rows the broker refuses
``received`` for the relay. Under light load a batch is one event, written and sent at once; under
heavy load batches grow by themselves (the publisher also lingers a few milliseconds for more), and
a webhook costs a share of a commit and of a publish instead of a whole one. Should the process
die after a commit and before the publish, the relay sends the rows left ``enqueued``
(``VOICESYNC_RELAY_STUCK_AFTER``).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError

from shared.errors import VoicesyncError
from shared.ledger.inbox import Inbox
from shared.ledger.models import InboxEvent
from shared.ledger.states import InboxStatus
from shared.producer.dispatch import publish
from web.metrics import ENQUEUE_FAILURES

log = logging.getLogger(__name__)
WRITER = "voicesync.inbox_writer"  # its key in ``app.extensions``
MAX_BATCH = 200
# The publisher waits this long after the first committed row for others to join its tasks: under
# load many commits then share one publish per entity, and workers get larger batches.
PUBLISH_LINGER_SECONDS = 0.02
WAIT_SECONDS = 10.0
T = TypeVar("T")
# The database, not the batch, failed: storing the events one by one would only fail many times.
_UNREACHABLE = (OperationalError, DisconnectionError)


class InboxTimeout(VoicesyncError):
    """The writer did not commit the event in time; the sender should retry."""


class _Pending:
    def __init__(self, event: InboxEvent) -> None:
        self.event = event
        self.done = threading.Event()
        self.inbox_id: int | None = None
        self.error: BaseException | None = None

    def settle(self, inbox_id: int | None = None, error: BaseException | None = None) -> None:
        self.inbox_id, self.error = inbox_id, error
        self.done.set()


def _take_waiting(waiting: queue.SimpleQueue[T], limit: int, linger: float = 0.0) -> list[T]:
    """The next item (blocking), then, after ``linger`` seconds, whatever else is waiting, up to
    ``limit`` items."""
    items = [waiting.get()]
    if linger:
        time.sleep(linger)
    while len(items) < limit:
        try:
            items.append(waiting.get_nowait())
        except queue.Empty:
            break
    return items


class InboxWriter:
    def __init__(self, inbox: Inbox, publish_rows: Callable[[list[InboxEvent]], list[InboxEvent]] = publish) -> None:
        self.inbox = inbox
        self.publish_rows = publish_rows
        self._start_lock = threading.Lock()
        self._pid = 0
        self._pending: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._committed: queue.SimpleQueue[list[InboxEvent]] = queue.SimpleQueue()

    def accept(self, event: InboxEvent) -> int | None:
        """Store ``event`` (its ``status`` says whether it is to be enqueued); its row id, or None for
        a duplicate. Raises what the database raised, or :class:`InboxTimeout`."""
        pending = _Pending(event)
        self._running().put(pending)
        if not pending.done.wait(WAIT_SECONDS):
            raise InboxTimeout(f"the inbox did not commit within {WAIT_SECONDS:.0f} s")
        if pending.error is not None:
            raise pending.error
        return pending.inbox_id

    def _running(self) -> queue.SimpleQueue[_Pending]:
        """The writer's queue in this process; both threads start on first use (again in a forked child)."""
        if self._pid != os.getpid():
            with self._start_lock:
                if self._pid != os.getpid():
                    self._pending, self._committed = queue.SimpleQueue(), queue.SimpleQueue()
                    for name, loop in (("inbox-writer", self._write_loop), ("inbox-publisher", self._publish_loop)):
                        threading.Thread(target=loop, name=name, daemon=True).start()
                    self._pid = os.getpid()
        return self._pending

    def _write_loop(self) -> None:
        pending, committed = self._pending, self._committed
        while True:
            batch = _take_waiting(pending, MAX_BATCH)
            self._write(batch)
            to_send = [
                item.event for item in batch if item.inbox_id is not None and item.event.status == InboxStatus.ENQUEUED
            ]
            if to_send:
                committed.put(to_send)

    def _write(self, batch: list[_Pending]) -> None:
        """Store ``batch`` with one statement and settle each of its requests. Should the statement
        fail on what the batch holds (not on an unreachable database), each event is stored alone,
        so that one bad event never costs the others their row."""
        try:
            ids = self.inbox.accept([item.event for item in batch])
        except BaseException as exc:  # never leave a request thread waiting on a dead writer
            if len(batch) > 1 and isinstance(exc, Exception) and not isinstance(exc, _UNREACHABLE):
                log.warning("an inbox batch of %d failed (%s); storing its events one by one", len(batch), exc)
                for item in batch:
                    self._write([item])
                return
            for item in batch:
                item.settle(error=exc)
            if not isinstance(exc, Exception):
                raise
            return
        for item, inbox_id in zip(batch, ids, strict=True):
            item.settle(inbox_id)

    def _publish_loop(self) -> None:
        committed = self._committed
        while True:
            rows = [row for rows in _take_waiting(committed, MAX_BATCH, PUBLISH_LINGER_SECONDS) for row in rows]
            try:
                refused = self.publish_rows(rows)
            except Exception:  # the rows stay enqueued: the relay's stuck check sends them later
                log.exception("publishing inbox rows %s failed", [row.id for row in rows])
                continue
            if refused:
                self._leave_for_relay(refused)

    def _leave_for_relay(self, rows: list[InboxEvent]) -> None:
        ENQUEUE_FAILURES.inc(len(rows))
        try:
            self.inbox.mark_pending([row.id for row in rows])
        except SQLAlchemyError:  # stored as enqueued: the relay's stuck check sends them later
            log.error("inbox rows %s could not be marked pending", [row.id for row in rows])
