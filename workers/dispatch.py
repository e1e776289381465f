"""Hand an inbox row to its task: the one path from the durable inbox to the broker.

Used by the receiver right after it commits a row, and by the relay for rows the receiver could
not enqueue (broker down) or that got stuck. When the broker does not answer, the row simply
stays ``received`` and the caller answers anyway; a short breaker keeps every following request
from waiting on a broker already known to be down.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from kombu.exceptions import OperationalError
from redis import RedisError

from shared.ledger.inbox import Inbox
from shared.ledger.models import InboxEvent
from shared.logs import CORRELATION_HEADER

log = logging.getLogger(__name__)
BREAKER_SECONDS = 5.0
_broker_down_until = 0.0


def task_for(row: InboxEvent) -> tuple[str, dict[str, Any], str]:
    """``(task name, kwargs, queue)`` for an inbox row: platform events sync the record they name;
    Odoo events push the partner they name to the platform."""
    if row.source == "odoo":
        return "contacts.push_from_odoo", {"odoo_id": int(row.record_id or 0), "inbox_id": row.id}, "contacts"
    return f"{row.entity}.sync_one", {"platform_id": row.record_id, "inbox_id": row.id}, str(row.entity)


def publish(row: InboxEvent, task_id: str) -> bool:
    """Send the row's task under ``task_id``; False when the broker did not take it."""
    global _broker_down_until
    from workers.app import app

    if time.monotonic() < _broker_down_until:
        return False
    name, kwargs, queue = task_for(row)
    try:
        app.send_task(
            name,
            kwargs=kwargs,
            task_id=task_id,
            queue=queue,
            retry=False,
            headers={CORRELATION_HEADER: row.dedupe_key},
        )
    except (OperationalError, RedisError, OSError) as exc:
        _broker_down_until = time.monotonic() + BREAKER_SECONDS
        log.warning("broker unavailable; inbox row %s stays pending: %s", row.id, type(exc).__name__)
        return False
    log.info("inbox row %s enqueued as %s", row.id, name, extra={"inbox_id": row.id, "celery_task_id": task_id})
    return True


def new_task_id() -> str:
    return str(uuid.uuid4())


def dispatch(inbox: Inbox, row: InboxEvent) -> bool:
    """The relay's path: send the row's task, then mark the row ``enqueued``."""
    task_id = new_task_id()
    if not publish(row, task_id):
        return False
    inbox.set_status(row.id, "enqueued", task_id=task_id)
    return True
