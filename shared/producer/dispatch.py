"""Hand inbox rows to their tasks: the one path from the durable inbox to the broker.

Used by the receiver right after it commits a batch of rows, and by the relay for rows the receiver
could not enqueue (broker down) or that got stuck. Platform events for one entity that arrive
together become one ``<entity>.sync_many`` task (one platform read per record, one Odoo round trip
for all of them); each Odoo event is its own ``contacts.push_from_odoo``. When the broker does not
answer, the rows simply stay ``received`` and the caller answers anyway; a short breaker keeps
every following batch from waiting on a broker already known to be down.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from kombu.exceptions import OperationalError
from redis import RedisError

from shared.coalesce import note_newest
from shared.ledger.inbox import Inbox
from shared.ledger.models import InboxEvent
from shared.logs import CORRELATION_HEADER
from shared.routing import queue_for

log = logging.getLogger(__name__)
BREAKER_SECONDS = 5.0
REPR_LIMIT = 1024
MAX_RECORDS_PER_TASK = 100  # a task's locks and platform reads stay short
_broker_down_until = 0.0


def _groups(rows: list[InboxEvent]) -> list[list[InboxEvent]]:
    """Rows that travel in one task: platform events of one entity together, each Odoo event alone."""
    by_key: dict[str, list[InboxEvent]] = {}
    for row in rows:
        key = row.dedupe_key if row.source == "odoo" else f"{row.source}:{row.entity}"
        by_key.setdefault(key, []).append(row)
    return [
        group[n : n + MAX_RECORDS_PER_TASK]
        for group in by_key.values()
        for n in range(0, len(group), MAX_RECORDS_PER_TASK)
    ]


def task_for(rows: list[InboxEvent]) -> tuple[str, dict[str, Any], str]:
    """``(task name, kwargs, queue)`` for one group: platform events sync the records they name; an
    Odoo event pushes the partner it names to the platform."""
    first = rows[0]
    if first.source == "odoo":
        name, kwargs = "contacts.push_from_odoo", {"odoo_id": int(first.record_id or 0), "inbox_id": first.id}
        return name, kwargs, queue_for(name)
    kwargs = {
        "platform_ids": [str(row.record_id) for row in rows],
        "inbox_ids": [row.id for row in rows],
        "correlation_ids": [row.dedupe_key for row in rows],
    }
    name = f"{first.entity}.sync_many"
    return name, kwargs, queue_for(name)


def _send(group: list[InboxEvent]) -> bool:
    """Send one group's task under the id its rows carry; False when the broker did not take it."""
    global _broker_down_until
    from shared.producer.app import app

    if time.monotonic() < _broker_down_until:
        return False
    name, kwargs, queue = task_for(group)
    task_id = str(group[0].task_id)
    try:
        app.send_task(
            name,
            kwargs=kwargs,
            task_id=task_id,
            queue=queue,
            retry=False,
            argsrepr="()",
            kwargsrepr=repr(kwargs)[:REPR_LIMIT],  # what Flower shows; Celery's own saferepr costs more than the send
            headers={CORRELATION_HEADER: group[0].dedupe_key if len(group) == 1 else task_id},
        )
    except (OperationalError, RedisError, OSError) as exc:
        _broker_down_until = time.monotonic() + BREAKER_SECONDS
        log.warning("broker unavailable; %d inbox rows stay pending: %s", len(group), type(exc).__name__)
        return False
    ids, correlations = [row.id for row in group], [row.dedupe_key for row in group]
    log.info(
        "inbox rows %s enqueued as %s",
        ids,
        name,
        extra={"inbox_ids": ids, "correlation_ids": correlations, "celery_task_id": task_id},
    )
    return True


def publish(rows: list[InboxEvent]) -> list[InboxEvent]:
    """Send one task per group of ``rows``, each under a new id that its rows then carry; the rows
    whose task the broker did not take."""
    refused: list[InboxEvent] = []
    for group in _groups(rows):
        task_id = str(uuid.uuid4())
        for row in group:
            row.task_id = task_id
        if group[0].source != "odoo" and time.monotonic() >= _broker_down_until:
            _note_newest(group, task_id)
        if not _send(group):
            refused += group
    return refused


def _note_newest(group: list[InboxEvent], task_id: str) -> None:
    """This task is now the newest to sync its records (:mod:`shared.coalesce`)."""
    from shared.connections import redis_client
    from shared.settings import get_settings

    settings = get_settings()
    platform_ids = [str(row.record_id) for row in group]
    note_newest(redis_client(settings), str(group[0].entity), platform_ids, task_id, settings.visibility_timeout)


def dispatch(inbox: Inbox, rows: list[InboxEvent]) -> int:
    """The relay's path: send the rows' tasks, then mark the rows sent ``enqueued`` with their task's id."""
    refused = {row.id for row in publish(rows)}
    sent_by_task: dict[str, list[int]] = {}
    for row in rows:
        if row.id not in refused:
            sent_by_task.setdefault(str(row.task_id), []).append(row.id)
    for task_id, ids in sent_by_task.items():
        inbox.mark_sent(ids, task_id)
    return sum(len(ids) for ids in sent_by_task.values())
