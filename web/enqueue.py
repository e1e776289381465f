"""Hand an inbox row to Celery; when the broker is down the row simply stays pending."""

from __future__ import annotations

import logging
import uuid

from kombu.exceptions import OperationalError

from shared.ledger.inbox import Inbox
from web.events import Route

log = logging.getLogger(__name__)


def enqueue(inbox: Inbox, inbox_id: int, route: Route, record_id: str) -> bool:
    """Send the row's task; True when the broker took it (the row is then ``enqueued``)."""
    from workers.app import app  # imported late: the receiver must answer even without a broker

    task_id = str(uuid.uuid4())
    try:
        app.send_task(
            route.task_name,
            kwargs={"platform_id": record_id, "inbox_id": inbox_id},
            task_id=task_id,
            queue=route.spec.queue,
            retry=False,
        )
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("broker unavailable; inbox row %s stays pending: %s", inbox_id, type(exc).__name__)
        return False
    inbox.set_status(inbox_id, "enqueued", task_id=task_id)
    return True
