"""``POST /webhooks/odoo/<token>``: Odoo's "Send Webhook Notification" posts, unsigned.

The token in the path is the credential (constant-time check; a wrong one is a 404, as if the
URL did not exist). Odoo waits one second and never retries, so this answers right after the
inbox commit. Odoo sends no event id: the dedupe key is (model, id, ``write_date``), so a repeat
of the same change is one effect while two real changes with identical values are two. Without
``write_date`` among the sent fields every delivery counts (the README tells operators to add it).
A ``write_date`` in the future is refused: it would make the real notification of that moment a
duplicate. The path token is the credential because Odoo's webhook action can set no header of
its own, so it cannot sign; a notification is only a trigger anyway (:mod:`shared.odoo_push`).
"""

from __future__ import annotations

import hmac
import re
import uuid
from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, request

from shared.entities import ENTITIES
from shared.logs import bound
from shared.timeutil import parse_instant
from web.event_input import ODOO_MODEL, ODOO_MODEL_MAX, load_json, matching, read_body
from web.intake import Answer, intake, reject
from web.metrics import LATENCY, RECEIVED

blueprint = Blueprint("odoo_hooks", __name__)
SOURCE = "odoo"
PUSHED_MODELS = {ENTITIES["contacts"].odoo_model}
THROTTLE = "voicesync.odoo_throttle"  # its key in ``app.extensions``
MAX_BODY_BYTES = 64 * 1024  # a notification carries a few fields of one record
WRITE_DATE = re.compile(r"[0-9][0-9 :.T-]{0,39}")
CLOCK_SKEW = timedelta(minutes=1)  # how far ahead of this host's clock Odoo's may run


def _notification(body: bytes) -> tuple[str, int, str]:
    """Model, record id and write date of a notification, or ValueError saying what is wrong."""
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise ValueError("body is not a JSON object")
    model = matching(payload.get("_model") or payload.get("_name"), ODOO_MODEL, "_model")
    if len(model) > ODOO_MODEL_MAX:
        raise ValueError(f"_model is longer than {ODOO_MODEL_MAX} characters")
    record_id = payload.get("_id", payload.get("id"))
    if isinstance(record_id, bool) or not isinstance(record_id, int) or not 0 < record_id < 2**63:
        raise ValueError("notification has no record _id")
    write_date = payload.get("write_date")
    if not write_date:
        return model, record_id, ""
    written = matching(write_date, WRITE_DATE, "write_date")
    try:
        moment = parse_instant(written)
    except ValueError:
        raise ValueError("write_date is not a date and time") from None
    if moment > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("write_date is in the future")
    return model, record_id, written


@blueprint.post("/webhooks/odoo/<token>")
def receive(token: str) -> Answer:
    RECEIVED.labels(SOURCE).inc()
    with LATENCY.labels(SOURCE).time():
        expected = current_app.extensions["voicesync"].settings.odoo_webhook_token
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            return reject(SOURCE, 404, "bad_token", "not found")
        wait = current_app.extensions[THROTTLE].wait_needed(request.remote_addr or "")
        if wait:
            answer = reject(SOURCE, 429, "rate_limited", "too many notifications from this source")
            return answer[0], answer[1], {"Retry-After": str(max(1, round(wait)))}
        body = read_body(MAX_BODY_BYTES)
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
