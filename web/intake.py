"""The receiver's one path for an event it has verified: store durably, deduplicate, enqueue.

The row is committed before the answer (nothing answered 2xx is lost); a repeated dedupe key is
answered 200 with no second effect; a broker that does not answer leaves the row pending for the
relay; a database that does not answer (or not in time) is a 503 with ``Retry-After``, so the
sender retries.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from shared.ledger.models import InboxEvent
from shared.ledger.states import InboxStatus
from web.inbox_writer import WRITER, InboxTimeout
from web.metrics import DUPLICATES, REJECTED

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "5"

Answer = tuple[dict[str, Any], int, dict[str, str]]
_COLUMN_LENGTHS = {name: InboxEvent.__table__.c[name].type.length for name in ("dedupe_key", "event_type", "record_id")}


def answer(code: int, **body: Any) -> Answer:
    return body, code, {}


def reject(source: str, code: int, reason: str, message: str) -> Answer:
    REJECTED.labels(source, reason).inc()
    return answer(code, error=message)


def intake(
    *, source: str, dedupe_key: str, event_type: str, entity: str | None, record_id: str, body: bytes, act: bool
) -> Answer:
    """Store the event; enqueue it when ``act`` (otherwise it is kept as ``ignored``, without its
    payload: nobody acts on it, and a flood of large ignored bodies must not fill the ledger).

    The row is committed, marked ``enqueued``, by the process's :class:`~web.inbox_writer.InboxWriter`
    (with the other webhooks waiting at that moment) before this answers; its publisher then sends
    the task, or marks the row ``received`` for the relay if the broker refuses it. A field longer
    than its column is refused here (:mod:`web.event_input` checked the rest), so that it cannot
    fail a whole batch.
    """
    fields = {"dedupe_key": dedupe_key, "event_type": event_type, "record_id": record_id}
    too_long = [name for name, value in fields.items() if len(value) > _COLUMN_LENGTHS[name]]
    if too_long:
        return reject(source, 400, "bad_body", f"{', '.join(too_long)} longer than the inbox holds")
    event = InboxEvent(
        source=source,
        dedupe_key=dedupe_key,
        event_type=event_type,
        entity=entity,
        record_id=record_id,
        payload=body.decode("utf-8", errors="replace") if act else "",
        status=InboxStatus.ENQUEUED if act else InboxStatus.IGNORED,
    )
    try:
        inbox_id = current_app.extensions[WRITER].accept(event)
    except (SQLAlchemyError, InboxTimeout) as exc:
        log.error("ledger unavailable, asking the sender to retry: %s", type(exc).__name__)
        REJECTED.labels(source, "database_unavailable").inc()
        return {"error": "temporarily unavailable"}, 503, {"Retry-After": RETRY_AFTER_SECONDS}
    if inbox_id is None:
        DUPLICATES.labels(source).inc()
        return answer(200, status="duplicate")
    if not act:
        return answer(202, status="ignored", id=inbox_id)
    log.info("webhook %s accepted", event_type, extra={"inbox_id": inbox_id, "record_id": record_id})
    return answer(202, status="accepted", id=inbox_id)
