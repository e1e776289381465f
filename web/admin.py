"""``POST /admin/resync`` and ``GET /admin/status``, behind ``Authorization: Bearer $ADMIN_TOKEN``.

With no ``ADMIN_TOKEN`` set the admin API is closed: every request is refused.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, current_app, request

from shared.entities import ENTITIES

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.before_request
def require_token() -> tuple[dict[str, str], int] | None:
    token = current_app.extensions["voicesync"].settings.admin_token
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(offered.encode(), token.encode()):
        return {"error": "a valid admin bearer token is required"}, 401
    return None


@blueprint.post("/resync")
def resync() -> tuple[dict[str, Any], int]:
    from workers.operations import start_resync

    body = request.get_json(silent=True) or {}
    entity = body.get("entity", "all")
    since = body.get("since")
    if entity != "all" and entity not in ENTITIES:
        return {"error": f"entity must be one of {', '.join([*ENTITIES, 'all'])}"}, 400
    if since is not None and not isinstance(since, str):
        return {"error": "since must be an ISO 8601 string"}, 400
    services = current_app.extensions["voicesync"]
    names = list(ENTITIES) if entity == "all" else [entity]
    try:
        runs = {name: start_resync(services, name, full=bool(body.get("full")), since=since) for name in names}
    except ValueError as exc:
        return {"error": str(exc)}, 400
    return {"runs": runs}, 202


@blueprint.get("/status")
def status() -> tuple[dict[str, Any], int]:
    from workers.operations import status as gather

    return gather(current_app.extensions["voicesync"]), 200
