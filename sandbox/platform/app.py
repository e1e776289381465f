"""The platform sandbox's HTTP app: what every vendor shares, around the vendor's own routes.

The vendor module (``vendors/<name>.py``) adds its API routes and answers errors in its own body
shape; this module adds the rest, the same for every vendor. Requests under the vendor's ``PATHS``
go through bearer auth, then fault injection, and are counted per route template (each route's
endpoint name *is* its stats key, e.g. ``GET /v1/contacts/<id>``). ``/_sandbox`` routes need no
key (the server only listens on loopback) and never fail by injection.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from sandbox.platform.schema import NotFoundError, ValidationError

if TYPE_CHECKING:
    from sandbox.platform.service import PlatformSandbox

_ANY_ENTITY = "<any(contacts, campaigns, calls):entity>"
_DELETABLE_ENTITY = "<any(contacts, campaigns):entity>"
DEEP = 1500  # nesting of a "deep" broken answer: past Python's recursion limit


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload, separators=(",", ":")), status, headers, mimetype="application/json")


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object (an empty body counts as ``{}`` when ``optional``)."""
    if optional and not request.get_data():
        return {}
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"body": "must be a JSON object"})
    return body


def emit_arg() -> bool:
    """``?emit=false`` makes a control change without a webhook, like one the platform missed."""
    return request.args.get("emit", "true").lower() not in ("0", "false", "no")


def control_answer(record: dict[str, Any], webhook: dict[str, Any] | None) -> Response:
    """What a ``/_sandbox`` change answers: the stored record and its (last) delivery, if any."""
    return json_response({"record": record, "webhook": webhook})


def _offered_key(scheme: str) -> str | None:
    """The API key in ``Authorization``: after ``scheme`` (``Bearer``), or the whole value when the
    vendor's scheme is the bare key."""
    value = request.headers.get("Authorization", "").strip()
    if not scheme:
        return value or None
    given, _, key = value.partition(" ")
    return key.strip() if given.lower() == scheme.lower() else None


def create_app(platform: PlatformSandbox) -> Flask:
    app = Flask(__name__)
    vendor = platform.vendor_api
    server_errors = itertools.cycle((500, 503))

    def is_api(path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in vendor.PATHS)

    def injected_fault() -> Response | None:
        """The answer of an injected fault, or None. "conflict" means nothing to these APIs: a 5xx."""
        kind = platform.injector.roll(f"{request.method} {request.full_path} {request.get_data(as_text=True)}")
        settings = platform.faults
        if kind is None:
            return None
        if kind == "429":
            retry_after = {"Retry-After": str(settings.retry_after)}
            return vendor.error(429, "rate_limited", "too many requests", retry_after)
        if kind == "timeout":
            time.sleep(settings.timeout_seconds)
            return vendor.error(504, "timeout", "the platform took too long to answer")
        status = next(server_errors)
        return vendor.error(status, "server_error", f"injected {status}")

    @app.before_request
    def guard() -> Response | None:
        if not is_api(request.path):
            return None
        platform.injector.delay()
        if not platform.key_matches(_offered_key(vendor.KEY_SCHEME)):
            challenge = {"WWW-Authenticate": vendor.KEY_SCHEME} if vendor.KEY_SCHEME else {}
            return vendor.error(401, "unauthorized", "missing or invalid API key", challenge)
        return broken_answer(platform.broken.get(request.path)) or injected_fault()

    def broken_answer(how: str | None) -> Response | None:
        if how == "5xx":
            return vendor.error(500, "server_error", "this record cannot be served")
        if how == "deep":
            return Response(b'{"id":' + b"[" * DEEP + b"]" * DEEP + b"}", 200, mimetype="application/json")
        return None

    @app.after_request
    def count(response: Response) -> Response:
        if is_api(request.path) and request.url_rule is not None:
            platform.call_stats.count(str(request.endpoint), response.status_code)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "_")
        return vendor.error(exc.code or 500, code, exc.description or code)

    @app.errorhandler(NotFoundError)
    def not_found(exc: NotFoundError) -> Response:
        return vendor.error(404, "not_found", str(exc))

    @app.errorhandler(ValidationError)
    def invalid(exc: ValidationError) -> Response:
        return vendor.error(422, "validation_error", str(exc), fields=exc.fields)

    vendor.register(app, platform)

    # -- /_sandbox: controls for tests, the demo and benchmarks ---------------------------------

    @app.post(f"/_sandbox/{_ANY_ENTITY}")
    def control_create(entity: str) -> Response:
        change = platform.store.create(entity, json_body(optional=True), fill=True)
        return control_answer(*platform.publish(change, emit_arg()))

    @app.patch(f"/_sandbox/{_ANY_ENTITY}/<record_id>")
    def control_update(entity: str, record_id: str) -> Response:
        change = platform.store.update(entity, record_id, json_body())
        return control_answer(*platform.publish(change, emit_arg()))

    @app.delete(f"/_sandbox/{_DELETABLE_ENTITY}/<record_id>")
    def control_delete(entity: str, record_id: str) -> Response:
        change = platform.store.delete(entity, record_id)
        return control_answer(*platform.publish(change, emit_arg()))

    @app.post("/_sandbox/calls/<record_id>/complete")
    def control_complete(record_id: str) -> Response:
        change = platform.store.complete_call(record_id, json_body(optional=True))
        return control_answer(*platform.publish(change, emit_arg()))

    @app.get("/_sandbox/faults")
    def get_faults() -> Response:
        return json_response(platform.faults.as_dict())

    @app.put("/_sandbox/faults")
    def put_faults() -> Response:
        try:
            platform.faults.update(json_body())
        except (TypeError, ValueError) as exc:
            raise ValidationError({"body": str(exc)}) from exc
        return json_response(platform.faults.as_dict())

    @app.put("/_sandbox/webhook")
    def put_webhook() -> Response:
        url = json_body().get("url")
        if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            raise ValidationError({"url": "must be an http(s) URL or null"})
        platform.webhook_url = url
        return json_response({"url": url})

    @app.get("/_sandbox/deliveries")
    def get_deliveries() -> Response:
        return json_response(platform.deliveries())

    @app.get("/_sandbox/stats")
    def get_stats() -> Response:
        return json_response(platform.stats())

    @app.delete("/_sandbox/stats")
    def delete_stats() -> Response:
        platform.reset_stats()
        return Response(status=204)

    @app.put("/_sandbox/api-key")
    def put_api_key() -> Response:
        key = json_body().get("api_key")
        if key is not None and not (isinstance(key, str) and key):
            raise ValidationError({"api_key": "must be a non-empty string, or null to revoke"})
        platform.set_api_key(key)
        return Response(status=204)

    return app
