"""``POST /webhooks/voice``: verify, store durably, deduplicate, enqueue, answer; nothing else.

The body is verified as the raw bytes received (never re-serialised JSON); the row is committed
before the answer; the signed ``webhook-id`` is the dedupe key, inserted atomically.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from shared.signing import SignatureError, verify
from web.enqueue import enqueue
from web.events import route

blueprint = Blueprint("voice", __name__)


def _answer(code: int, **body: Any) -> tuple[dict[str, Any], int]:
    return body, code


def _event(body: bytes) -> tuple[str, str]:
    """The event's type and record id, or ValueError saying what is wrong."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event["type"]:
        raise ValueError("event has no type")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("id"), (str, int)) or data["id"] in ("", None):
        raise ValueError("event has no data.id")
    return event["type"], str(data["id"])


@blueprint.post("/webhooks/voice")
def receive() -> tuple[dict[str, Any], int]:
    services = current_app.extensions["voicesync"]
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _answer(413, error="body too large")
    try:
        msg_id = verify(services.settings.voice_webhook_secrets, request.headers, body)
    except SignatureError as exc:
        return _answer(401, error=str(exc))
    try:
        event_type, record_id = _event(body)
    except ValueError as exc:
        return _answer(400, error=str(exc))
    target = route(event_type)
    inbox_id = services.inbox.accept(
        source="voice",
        dedupe_key=f"voice:{msg_id}",
        event_type=event_type,
        entity=target.spec.name if target else None,
        record_id=record_id,
        payload=body.decode("utf-8", errors="replace"),
        status="received" if target else "ignored",
    )
    if inbox_id is None:
        return _answer(200, status="duplicate")
    if target is None:
        return _answer(202, status="ignored")
    enqueue(services.inbox, inbox_id, target, record_id)
    return _answer(202, status="accepted", id=inbox_id)
