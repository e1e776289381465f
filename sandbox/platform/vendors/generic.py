"""voicesync's own reference API, ``generic``: the ``/v1`` routes, their error shape, and webhooks in
the Standard Webhooks scheme (DESIGN.md, "The two outside systems").

Lists are ``{"data", "next_page", "total"}`` pages in id order (``total`` only while the sandbox's
``report_total`` is on); errors are ``{"error": {"code", "message"}}``, plus ``fields`` for a 422
about particular fields. Records are served exactly as the store holds them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request

from sandbox.platform.app import json_body, json_response
from sandbox.platform.clock import canonical, iso, now_us
from sandbox.platform.schema import ENTITIES, SINGULAR, NotFoundError, ValidationError
from sandbox.platform.webhooks import Credential
from shared.signing import new_secret, sign_headers

if TYPE_CHECKING:
    from sandbox.platform.service import PlatformSandbox
    from sandbox.platform.store import Change, Record

PATHS = ("/v1",)
KEY_SCHEME = "Bearer"
RETRY_SCHEDULE = (0.5, 1.0, 2.0, 4.0, 8.0)
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
KIND = "standard-webhooks"


# -- errors and webhooks --------------------------------------------------------------------------


def error(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = dict(fields)
    return json_response({"error": body}, status, dict(headers or {}))


def event_body(type_: str, record: Record) -> dict[str, Any]:
    """The body of an event: the whole record, or only its id once it is deleted."""
    data = {"id": record["id"]} if type_.endswith(".deleted") else record
    return {"type": type_, "timestamp": iso(now_us()), "data": data}


def messages(platform: PlatformSandbox, change: Change) -> list[dict[str, Any]]:
    """One event for every change: ``contact.updated``, ``call.completed``..."""
    return [event_body(change.type, change.record)]


def message_type(body: Mapping[str, Any]) -> str:
    return str(body["type"])


def credential(given: Credential | None) -> Credential:
    """A Standard Webhooks secret (``whsec_<base64>``), random when not given."""
    given = given or Credential()
    if given.kind not in (None, KIND):
        raise ValueError(f"the generic platform signs with {KIND} only, not {given.kind!r}")
    return dataclasses.replace(given, kind=KIND, secret=given.secret or new_secret())


def settings(platform: PlatformSandbox) -> dict[str, str]:
    credential = platform.webhook_credential
    return {"VOICE_WEBHOOK_SECRET": str(credential.secret)}


def sign(platform: PlatformSandbox, msg_id: str, payload: bytes) -> dict[str, str]:
    credential = platform.webhook_credential
    return sign_headers(str(credential.secret), msg_id, payload)


def public_id(store_id: str) -> str:
    return store_id


def render(platform: PlatformSandbox, entity: str, record: Record) -> dict[str, Any] | None:
    return record


# -- /v1 ------------------------------------------------------------------------------------------


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


def register(app: Flask, platform: PlatformSandbox) -> None:
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
        change = platform.store.create(entity, json_body())
        return json_response(platform.publish(change, wait=False)[0], 201)

    def update_contact(entity: str, record_id: str) -> Response:
        change = platform.store.update(entity, record_id, json_body())
        return json_response(platform.publish(change, wait=False)[0])

    for entity in ENTITIES:
        route("GET", f"/v1/{entity}", list_records, entity)
        route("GET", f"/v1/{entity}/<id>", read_record, entity)
    route("POST", "/v1/contacts", create_contact, "contacts")
    route("PATCH", "/v1/contacts/<id>", update_contact, "contacts")
