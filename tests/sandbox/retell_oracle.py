"""The official Retell SDK (``retell-sdk``) as the judge of what the Retell emulator answers and sends.

:func:`judge` validates an answer as a client made with ``_strict_response_validation=True``
does: ``BaseClient._process_response_data`` calls ``retell._models.validate_type`` with the
route's ``cast_to`` (``model_validate`` for a model, a ``TypeAdapter`` for get-call's union
CallResponse), and any ``pydantic.ValidationError`` there is the client's
``APIResponseValidationError``. That validation lets through what the emulator must still not do,
so three checks follow it: no field the SDK's model does not declare, at any depth (Stainless
models allow extras: a list item holding ``transcript`` would pass); no value that passes only by
lax coercion (the body is validated again in pydantic's strict JSON mode: ``"12"`` is no int); and
a call is the PhoneCallResponse member of the union. Every failure is an AssertionError naming the
route and what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

import pydantic
from retell._models import validate_type
from retell.types import (
    AgentListResponse,
    AgentResponse,
    BatchCallResponse,
    CallListResponse,
    CallResponse,
    ContactListResponse,
    ContactResponse,
    PhoneCallResponse,
)

__all__ = ["EVENTS", "OracleError", "judge", "judge_event", "validated"]


class OracleError(AssertionError):
    """An answer or event does not fit the SDK's model; the message says where."""


ROUTES: tuple[tuple[str, re.Pattern[str], Any], ...] = (
    ("POST", re.compile(r"/v3/list-calls"), CallListResponse),
    ("GET", re.compile(r"/v2/get-call/[^/]+"), CallResponse),
    ("POST", re.compile(r"/v2/list-agents"), AgentListResponse),
    ("POST", re.compile(r"/list-contacts"), ContactListResponse),
    ("GET", re.compile(r"/get-contact/[^/]+"), ContactResponse),
    ("GET", re.compile(r"/get-contact-by-phone/[^/]+"), ContactResponse),
    ("POST", re.compile(r"/create-contact"), ContactResponse),
    ("PATCH", re.compile(r"/update-contact/[^/]+"), ContactResponse),
    ("POST", re.compile(r"/create-batch-call"), BatchCallResponse),
)
"""Each route the emulator serves and the SDK's ``cast_to`` for it."""


def _literals(annotation: Any) -> set[Any]:
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    return {value for member in get_args(annotation) for value in _literals(member)}


EVENTS = tuple(sorted(_literals(AgentResponse.model_fields["webhook_events"].annotation)))
"""The voice-call webhook events an agent can subscribe to, as the SDK lists them."""

ERROR_KEYS = {"status", "message"}


def model_for(method: str, path: str) -> Any:
    """The SDK type an answer to ``method path`` (a path or a whole URL, query allowed) is cast to."""
    bare = urlsplit(path).path
    for route_method, pattern, model in ROUTES:
        if method.upper() == route_method and pattern.fullmatch(bare):
            return model
    raise OracleError(f"{method} {path}: no route of the Retell SDK is served there")


def judge(method: str, path: str, body: Any, status: int = 200) -> None:
    """Hold one JSON answer to the SDK's model of its route (an error answer, ``status`` >= 400,
    to Retell's ``{"status": "error", "message"}``)."""
    where = f"{method} {urlsplit(path).path}"
    if status >= 400:
        if not (isinstance(body, dict) and set(body) == ERROR_KEYS and body["status"] == "error"):
            raise OracleError(f"{where} {status}: not Retell's error body: {body!r}")
        if not isinstance(body["message"], str) or not body["message"]:
            raise OracleError(f"{where} {status}: the error message is not a non-empty string")
        return
    validated(model_for(method, path), body, where)


def judge_event(body: Any) -> None:
    """Hold one webhook body to ``{"event", "call"}``: an event the SDK names and a call as
    get-call answers it (``call_ended`` without its analysis, ``call_analyzed`` with it)."""
    if not (isinstance(body, dict) and set(body) == {"event", "call"}):
        raise OracleError(
            f"a webhook body has exactly event and call, not {sorted(body) if isinstance(body, dict) else body!r}"
        )
    event = body["event"]
    if event not in EVENTS:
        raise OracleError(f"{event!r} is not one of the SDK's webhook events {EVENTS}")
    validated(CallResponse, body["call"], f"the call of a {event} webhook")
    analysed = "call_analysis" in body["call"]
    if event == "call_ended" and analysed:
        raise OracleError("a call_ended webhook carries call_analysis (Retell sends it in call_analyzed)")
    if event == "call_analyzed" and not analysed:
        raise OracleError("a call_analyzed webhook carries no call_analysis")


def validated(model: Any, body: Any, where: str | None = None) -> Any:
    """``body`` validated as the strict client does, then held to the three further checks; the
    SDK's object."""
    where = where or getattr(model, "__name__", str(model))
    try:
        instance = validate_type(type_=model, value=body)
    except pydantic.ValidationError as exc:
        raise OracleError(f"{where}: the SDK's strict client refuses it: {_problems(exc)}") from exc
    try:
        _adapter(model).validate_json(json.dumps(body), strict=True)
    except pydantic.ValidationError as exc:
        raise OracleError(f"{where}: passes only by coercion: {_problems(exc)}") from exc
    if model is CallResponse and not isinstance(instance, PhoneCallResponse):
        raise OracleError(f"{where}: a {type(instance).__name__}, not a PhoneCallResponse")
    undeclared: list[str] = []
    _undeclared(instance, "$", undeclared)
    if undeclared:
        raise OracleError(f"{where}: fields the SDK does not declare: {', '.join(undeclared)}")
    return instance


@cache
def _adapter(model: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(model)


def _problems(exc: pydantic.ValidationError) -> str:
    """The errors by path, leaving out how the body fails as a web call (the emulator serves
    phone calls only, and pydantic reports every member of a union that failed)."""
    errors = [error for error in exc.errors() if not any("WebCall" in str(part) for part in error["loc"])]
    return "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in errors or exc.errors())


def _undeclared(value: Any, path: str, found: list[str]) -> None:
    """Every extra field of the models in ``value``, by JSON path."""
    if isinstance(value, pydantic.BaseModel):
        found.extend(f"{path}.{name}" for name in sorted(value.model_extra or {}))
        for name in type(value).model_fields:
            _undeclared(getattr(value, name), f"{path}.{name}", found)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _undeclared(item, f"{path}[{index}]", found)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _undeclared(item, f"{path}.{key}", found)
