"""``POST /webhooks/voice``: verify, store durably, deduplicate, enqueue, answer; nothing else.

The configured vendor's scheme (:mod:`shared.platforms`) verifies the raw bytes received (never
re-serialised JSON), gives the dedupe key and says what the event asks for. Rejected requests
store nothing; events voicesync does not act on are answered 2xx and kept as ignored.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, request

from shared.logs import bound
from shared.signing import SignatureError
from web import MAX_BODY_BYTES
from web.event_input import EVENT_TYPE, load_json, matching, read_body
from web.intake import Answer, intake, reject
from web.metrics import LATENCY, RECEIVED

log = logging.getLogger(__name__)
blueprint = Blueprint("voice", __name__)
SOURCE = "voice"
WEBHOOKS = "voicesync.webhooks"


@blueprint.post("/webhooks/voice")
def receive() -> Answer:
    RECEIVED.labels(SOURCE).inc()
    webhooks = current_app.extensions[WEBHOOKS]
    with LATENCY.labels(SOURCE).time():
        body = read_body(MAX_BODY_BYTES)
        try:
            msg_id = webhooks.verify(request.headers, body)
        except SignatureError as exc:
            # What was missing or wrong, never what was offered: an operator reads why deliveries fail.
            log.warning("voice webhook refused (%s): %s", exc.reason, exc)
            return reject(SOURCE, 401, exc.reason, str(exc))
        try:
            event_type, events = webhooks.events(load_json(body))
            event_type = matching(event_type, EVENT_TYPE, "type")
        except ValueError as exc:
            return reject(SOURCE, 400, "bad_body", str(exc))
        event = events[0] if events else None
        dedupe_key = f"{SOURCE}:{msg_id}"
        with bound(correlation_id=dedupe_key):
            return intake(
                source=SOURCE,
                dedupe_key=dedupe_key,
                event_type=event_type,
                entity=event.entity if event else None,
                record_id=event.platform_id if event else "",
                body=body,
                act=event is not None,
            )
