"""``POST /admin/resync`` and ``GET /admin/status``, behind ``Authorization: Bearer $ADMIN_TOKEN``.

With no ``ADMIN_TOKEN`` set the admin API is closed: every request is refused.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, current_app, request

from shared.entities import ENTITIES
from web.event_input import load_json, read_body

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.before_request
def require_token() -> tuple[dict[str, str], int] | None:
    token = current_app.extensions["voicesync"].settings.admin_token
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(offered.encode(), token.encode()):
        return {"error": "a valid admin bearer token is required"}, 401
    return None


ADMIN_BODY_BYTES = 4096
RESYNC_FIELDS = ("entity", "full", "since")


def _resync_request() -> tuple[list[str], bool, str | None]:
    """Entities, full and since from a strict body (an empty one means every entity, incremental):
    a JSON object of known fields, real booleans, known entities. ValueError says what is wrong."""
    raw = read_body(ADMIN_BODY_BYTES)
    body = load_json(raw) if raw.strip() else {}
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    unknown = sorted(set(body) - set(RESYNC_FIELDS))
    if unknown:
        raise ValueError(f"unknown fields {', '.join(unknown)}; known: {', '.join(RESYNC_FIELDS)}")
    entity, full, since = body.get("entity", "all"), body.get("full", False), body.get("since")
    if not isinstance(entity, str) or (entity != "all" and entity not in ENTITIES):
        raise ValueError(f"entity must be one of {', '.join([*ENTITIES, 'all'])}")
    if not isinstance(full, bool):
        raise ValueError("full must be true or false")
    if since is not None and not isinstance(since, str):
        raise ValueError("since must be an ISO 8601 string")
    return (list(ENTITIES) if entity == "all" else [entity]), full, since


@blueprint.post("/resync")
def resync() -> tuple[dict[str, Any], int]:
    from shared.producer.operations import start_resync

    try:
        names, full, since = _resync_request()
        services = current_app.extensions["voicesync"]
        runs = {name: start_resync(services, name, full=full, since=since) for name in names}
    except ValueError as exc:
        return {"error": str(exc)}, 400
    return {"runs": runs}, 202


@blueprint.get("/status")
def status() -> tuple[dict[str, Any], int]:
    from shared.producer.operations import status as gather

    return gather(current_app.extensions["voicesync"]), 200
