"""The platform sandbox's HTTP face: the ``/v1`` API voicesync talks to, and ``/_sandbox`` controls.

``/v1`` routes go through bearer auth, then fault injection, and are counted per route template
(each route's endpoint name *is* its stats key, e.g. ``GET /v1/contacts/<id>``). ``/_sandbox``
routes need no key: the server only listens on loopback. Every error has one shape,
``{"error": {"code", "message"}}`` (plus ``fields`` for a 422 about particular fields).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from sandbox.platform.clock import canonical
from sandbox.platform.schema import ENTITIES, SINGULAR, NotFoundError, ValidationError

if TYPE_CHECKING:
    from sandbox.platform.service import PlatformSandbox

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
_ANY_ENTITY = "<any(contacts, campaigns, calls):entity>"
_DELETABLE_ENTITY = "<any(contacts, campaigns):entity>"


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload, separators=(",", ":")), status, headers, mimetype="application/json")


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    return json_response({"error": {"code": code, "message": message, **extra}}, status, headers)


def _json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object (an empty body counts as ``{}`` when ``optional``)."""
    if optional and not request.get_data():
        return {}
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"body": "must be a JSON object"})
    return body


def _emit_arg() -> bool:
    """``?emit=false`` makes a control change without a webhook, like one the platform missed."""
    return request.args.get("emit", "true").lower() not in ("0", "false", "no")


def _list_args() -> tuple[int, int, str | None]:
    """``page``, ``per_page`` and canonical ``updated_since``; ValidationError names every bad one."""
    errors: dict[str, str] = {}
    numbers = {}
    for name, default, maximum in (("page", 1, None), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        text = request.args.get(name, str(default))
        try:
            numbers[name] = int(text)
        except ValueError:
            errors[name] = "must be an integer"
            continue
        if numbers[name] < 1 or (maximum is not None and numbers[name] > maximum):
            errors[name] = "must be at least 1" + (f" and at most {maximum}" if maximum else "")
    since = request.args.get("updated_since")
    if since is not None:
        try:
            # An unencoded "+00:00" in a query string arrives as " 00:00".
            since = canonical(since.replace(" ", "+"))
        except ValueError:
            errors["updated_since"] = "must be an ISO 8601 time with offset, e.g. 2024-01-01T00:00:00Z"
    if errors:
        raise ValidationError(errors)
    return numbers["page"], numbers["per_page"], since


def _bearer_key() -> str | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else None


def create_app(platform: PlatformSandbox) -> Flask:
    app = Flask(__name__)
    server_errors = itertools.cycle((500, 503))

    def injected_fault() -> Response | None:
        """The answer of an injected fault, or None. "conflict" means nothing to this API: a 5xx."""
        kind = platform.injector.roll()
        settings = platform.faults
        if kind is None:
            return None
        if kind == "429":
            retry_after = {"Retry-After": str(settings.retry_after)}
            return error(429, "rate_limited", "too many requests", retry_after)
        if kind == "timeout":
            time.sleep(settings.timeout_seconds)
            return error(504, "timeout", "the platform took too long to answer")
        status = next(server_errors)
        return error(status, "server_error", f"injected {status}")

    @app.before_request
    def guard() -> Response | None:
        if not request.path.startswith("/v1/"):
            return None
        platform.injector.delay()
        if not platform.key_matches(_bearer_key()):
            challenge = {"WWW-Authenticate": "Bearer"}
            return error(401, "unauthorized", "missing or invalid API key", challenge)
        return injected_fault()

    @app.after_request
    def count(response: Response) -> Response:
        if request.path.startswith("/v1/") and request.url_rule is not None:
            platform.call_stats.count(str(request.endpoint), response.status_code)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "_")
        return error(exc.code or 500, code, exc.description or code)

    @app.errorhandler(NotFoundError)
    def not_found(exc: NotFoundError) -> Response:
        return error(404, "not_found", str(exc))

    @app.errorhandler(ValidationError)
    def invalid(exc: ValidationError) -> Response:
        return error(422, "validation_error", str(exc), fields=exc.fields)

    # -- /v1: the platform API ------------------------------------------------------------------

    def route(method: str, template: str, view: Callable[..., Response], entity: str) -> None:
        app.add_url_rule(
            template.replace("<id>", "<record_id>"),
            endpoint=f"{method} {template}",
            view_func=view,
            methods=[method],
            defaults={"entity": entity},
        )

    def list_records(entity: str) -> Response:
        page, per_page, since = _list_args()
        result = platform.store.page(entity, page, per_page, since)
        body: dict[str, Any] = {"data": result.records, "next_page": result.next_page}
        if platform.report_total:
            body["total"] = result.total
        return json_response(body)

    def read_record(entity: str, record_id: str) -> Response:
        record = platform.store.get(entity, record_id)
        if record is None:
            raise NotFoundError(f"no {SINGULAR[entity]} {record_id}")
        return json_response(record)

    def create_contact(entity: str) -> Response:
        change = platform.store.create(entity, _json_body())
        return json_response(platform.publish(change, wait=False)[0], 201)

    def update_contact(entity: str, record_id: str) -> Response:
        change = platform.store.update(entity, record_id, _json_body())
        return json_response(platform.publish(change, wait=False)[0])

    for entity in ENTITIES:
        route("GET", f"/v1/{entity}", list_records, entity)
        route("GET", f"/v1/{entity}/<id>", read_record, entity)
    route("POST", "/v1/contacts", create_contact, "contacts")
    route("PATCH", "/v1/contacts/<id>", update_contact, "contacts")

    # -- /_sandbox: controls for tests, the demo and benchmarks ---------------------------------

    def control_answer(record: dict[str, Any], webhook: dict[str, Any] | None) -> Response:
        return json_response({"record": record, "webhook": webhook})

    @app.post(f"/_sandbox/{_ANY_ENTITY}")
    def control_create(entity: str) -> Response:
        change = platform.store.create(entity, _json_body(optional=True), fill=True)
        return control_answer(*platform.publish(change, _emit_arg()))

    @app.patch(f"/_sandbox/{_ANY_ENTITY}/<record_id>")
    def control_update(entity: str, record_id: str) -> Response:
        change = platform.store.update(entity, record_id, _json_body())
        return control_answer(*platform.publish(change, _emit_arg()))

    @app.delete(f"/_sandbox/{_DELETABLE_ENTITY}/<record_id>")
    def control_delete(entity: str, record_id: str) -> Response:
        change = platform.store.delete(entity, record_id)
        return control_answer(*platform.publish(change, _emit_arg()))

    @app.post("/_sandbox/calls/<record_id>/complete")
    def control_complete(record_id: str) -> Response:
        change = platform.store.complete_call(record_id, _json_body(optional=True))
        return control_answer(*platform.publish(change, _emit_arg()))

    @app.get("/_sandbox/faults")
    def get_faults() -> Response:
        return json_response(platform.faults.as_dict())

    @app.put("/_sandbox/faults")
    def put_faults() -> Response:
        try:
            platform.faults.update(_json_body())
        except (TypeError, ValueError) as exc:
            raise ValidationError({"body": str(exc)}) from exc
        return json_response(platform.faults.as_dict())

    @app.put("/_sandbox/webhook")
    def put_webhook() -> Response:
        url = _json_body().get("url")
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
        key = _json_body().get("api_key")
        if key is not None and not (isinstance(key, str) and key):
            raise ValidationError({"api_key": "must be a non-empty string, or null to revoke"})
        platform.set_api_key(key)
        return Response(status=204)

    return app
