"""``POST /webhooks/voice``: verify, store durably, deduplicate, enqueue, answer; nothing else.

The body is verified as the raw bytes received (never re-serialised JSON), and the signed
``webhook-id`` is the dedupe key. Rejected requests store nothing.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from shared.logs import bound
from shared.signing import SignatureError, verify
from web import MAX_BODY_BYTES
from web.event_input import EVENT_TYPE, RECORD_ID, load_json, matching, read_body
from web.events import route
from web.intake import Answer, intake, reject
from web.metrics import LATENCY, RECEIVED

blueprint = Blueprint("voice", __name__)
SOURCE = "voice"


def _event(body: bytes) -> tuple[str, str]:
    """The event's type and record id, or ValueError saying what is wrong."""
    event = load_json(body)
    if not isinstance(event, dict):
        raise ValueError("body is not a JSON object")
    data = event.get("data")
    record_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(record_id, int) and not isinstance(record_id, bool):
        record_id = str(record_id)
    return matching(event.get("type"), EVENT_TYPE, "type"), matching(record_id, RECORD_ID, "data.id")


@blueprint.post("/webhooks/voice")
def receive() -> Answer:
    RECEIVED.labels(SOURCE).inc()
    with LATENCY.labels(SOURCE).time():
        body = read_body(MAX_BODY_BYTES)
        try:
            msg_id = verify(current_app.extensions["voicesync"].settings.voice_webhook_secrets, request.headers, body)
        except SignatureError as exc:
            return reject(SOURCE, 401, exc.reason, str(exc))
        try:
            event_type, record_id = _event(body)
        except ValueError as exc:
            return reject(SOURCE, 400, "bad_body", str(exc))
        target = route(event_type)
        dedupe_key = f"{SOURCE}:{msg_id}"
        with bound(correlation_id=dedupe_key):
            return intake(
                source=SOURCE,
                dedupe_key=dedupe_key,
                event_type=event_type,
                entity=target.spec.name if target else None,
                record_id=record_id,
                body=body,
                act=target is not None,
            )
