"""``POST /webhooks/odoo/<token>``: Odoo's "Send Webhook Notification" posts, unsigned.

The token in the path is the credential (constant-time check; a wrong one is a 404, as if the
URL did not exist). Odoo waits one second and never retries, so this answers right after the
inbox commit. Odoo sends no event id: the dedupe key is (model, id, ``write_date``), so a repeat
of the same change is one effect while two real changes with identical values are two. Without
``write_date`` among the sent fields every delivery counts (the README tells operators to add it).
"""

from __future__ import annotations

import hmac
import json
import uuid
from typing import Any

from flask import Blueprint, current_app, request

from shared.entities import ENTITIES
from shared.logs import bound
from web.intake import Answer, intake, reject
from web.metrics import LATENCY, RECEIVED

blueprint = Blueprint("odoo_hooks", __name__)
SOURCE = "odoo"
PUSHED_MODELS = {ENTITIES["contacts"].odoo_model}


def _notification(body: bytes) -> tuple[str, int, str]:
    """Model, record id and write date of a notification, or ValueError saying what is wrong."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("body is not JSON") from None
    if not isinstance(payload, dict):
        raise ValueError("body is not a JSON object")
    model = payload.get("_model") or payload.get("_name")
    record_id = payload.get("_id", payload.get("id"))
    if not isinstance(model, str) or not model or len(model) > 64:
        raise ValueError("notification has no _model")
    if isinstance(record_id, bool) or not isinstance(record_id, int) or record_id <= 0:
        raise ValueError("notification has no record _id")
    write_date = payload.get("write_date")
    return model, record_id, str(write_date)[:40] if write_date else ""


@blueprint.post("/webhooks/odoo/<token>")
def receive(token: str) -> Answer:
    RECEIVED.labels(SOURCE).inc()
    with LATENCY.labels(SOURCE).time():
        expected = current_app.extensions["voicesync"].settings.odoo_webhook_token
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            return reject(SOURCE, 404, "bad_token", "not found")
        body = request.get_data(cache=False)
        try:
            model, record_id, write_date = _notification(body)
        except ValueError as exc:
            return reject(SOURCE, 400, "bad_body", str(exc))
        change = write_date or f"undated-{uuid.uuid4().hex}"
        dedupe_key = f"{SOURCE}:{model}:{record_id}:{change}"
        with bound(correlation_id=dedupe_key):
            return intake(
                source=SOURCE,
                dedupe_key=dedupe_key,
                event_type=f"{model}.write",
                entity="contacts" if model in PUSHED_MODELS else None,
                record_id=str(record_id),
                body=body,
                act=model in PUSHED_MODELS,
            )
