"""JSON Schemas (draft 2020-12) of Bland AI's answers and post-call webhook, pinned to its docs.

Bland has no official Python SDK to judge the emulator with, so these schemas stand in for one.
They follow docs.bland.ai as its Mintlify source (``CINTELLILABS/docs``, HEAD 2026-08-09) writes it:
``api-v1/get/calls.mdx`` (list), ``api-v1/get/calls-id.mdx`` (details, its 2024 example and the
older 2023 one), ``api-v2/get/batches.mdx`` and ``batches-id.mdx``, ``api-v1/post/calls.mdx``
(error bodies), ``tutorials/post-call-webhooks.mdx`` and ``api-v1/get/all_pathway.mdx`` (the
pathways' list). The rules:

- ``required``: the fields the docs' examples always show; a field the docs say is there only
  sometimes (``status`` "only present for calls that have been successfully created") is required
  only where it applies.
- ``additionalProperties: false`` everywhere the docs list an object's fields, so the emulator
  cannot invent one; open objects (``variables``, ``metadata``...) are where the docs say the
  caller's own keys go.
- Types and enums as documented; ``# NOT CONFIRMED`` marks what no source shows.

:func:`validate` checks one body against a schema by name; :func:`judge` picks the schema for an
emulator answer by its route and status.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

__all__ = ["NAMES", "SCHEMAS", "judge", "validate"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?"
UTC_TIME = _DATE_TIME + r"\+00:00$"
"""``created_at`` of a call or transcript: every example has ``+00:00``, with 3 to 6 fraction digits."""
ISO_TIME = _DATE_TIME + r"(Z|[+-]\d{2}:\d{2})$"
"""``started_at``, ``end_at``, a batch's ``created_at``: examples use both ``Z`` and ``+00:00``."""

QUEUE_STATUSES = [
    "new",
    "queued",
    "allocated",
    "started",
    "complete",
    "completed",  # only in the 2024 details example; the field's list says "complete"
    "pre_queue_error",
    "queue_error",
    "call_error",
    "complete_error",
]
STATUSES = ["completed", "failed", "busy", "no-answer", "canceled", "unknown"]
ANSWERED_BY = ["human", "voicemail", "unknown", "no-answer", None]
CALL_ENDED_BY = ["ASSISTANT", "USER"]
SPEAKERS = ["user", "assistant", "robot", "agent-action"]
WARM_TRANSFER_STATES = ["STARTED", "TIMED_OUT", "CANCELLED", "MERGED", "NO_ANSWER"]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], required: list[str], **more: Any) -> dict[str, Any]:
    """A closed object: only ``properties``; ``required`` must all be among them."""
    unknown = set(required) - set(properties)
    assert not unknown, f"required but not a property: {unknown}"
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False, **more}


_REF = {
    name: {"$ref": f"#/$defs/{name}"}
    for name in ("phone", "call_id", "transcript", "batch", "warm_transfer", "pathway")
}
_TEXT = {"type": "string"}
_BOOL = {"type": "boolean"}
_OPEN = {"type": "object"}

# The list example writes "to": "5551234567", so a number is not always E.164.
PHONE = {"type": "string", "pattern": r"^\+?[0-9]{7,15}$"}

LISTED_CALL_FIELDS: dict[str, Any] = {
    "call_id": _REF["call_id"],
    "created_at": {"type": "string", "pattern": UTC_TIME},
    "call_length": {"type": "number", "minimum": 0},  # minutes
    "to": _REF["phone"],
    "from": _REF["phone"],
    "completed": _BOOL,
    "queue_status": {"enum": QUEUE_STATUSES},
    "error_message": _nullable(_TEXT),
    "answered_by": {"enum": ANSWERED_BY},  # null: third-party (Awell PR #785) and the details page
    "batch_id": _nullable(_TEXT),  # v1 example "b1234567-...-gen-batch": not always a UUID
}

LISTED_CALL = _object(LISTED_CALL_FIELDS, list(LISTED_CALL_FIELDS))
"""One item of ``GET /v1/calls``. Whether items also carry other details fields (``status``,
``inbound``, ``price``...) is NOT CONFIRMED: only the example's ten are allowed."""

CALL_LIST = _object(
    {
        "total_count": {"type": "integer", "minimum": 0},  # in the field list, not in the example
        "count": {"type": "integer", "minimum": 0},
        "calls": {"type": "array", "items": {"$ref": "#/$defs/listed_call"}},
    },
    ["count", "calls"],
)

TRANSCRIPT = _object(
    {
        "id": {"type": "integer"},  # an integer in every example (the old Fern SDK says string)
        "created_at": {"type": "string", "pattern": UTC_TIME},
        "text": _TEXT,
        "user": {"enum": SPEAKERS},
        "c_id": _REF["call_id"],  # not in the webhook example's items
        "status": _nullable(_TEXT),  # null in the example; its other values NOT CONFIRMED
        "transcript_id": _nullable({"type": "string", "pattern": UUID}),
    },
    ["id", "created_at", "text", "user"],
)

WARM_TRANSFER = _object(
    {
        "proxy_agent_calls": {
            "type": "array",
            "items": _object(
                {"state": {"enum": WARM_TRANSFER_STATES}, "call_id": _REF["call_id"], "phone_number": _REF["phone"]},
                ["state", "call_id", "phone_number"],
            ),
        },
        "state": {"enum": WARM_TRANSFER_STATES},
    },
    ["proxy_agent_calls", "state"],
)

DETAILS_FIELDS: dict[str, Any] = {
    **LISTED_CALL_FIELDS,
    "c_id": _REF["call_id"],  # documented as "number"; a UUID string in every example
    "corrected_duration": {"type": "string", "pattern": r"^[0-9]+$"},  # seconds, as a string
    "request_data": _OPEN,
    "inbound": _BOOL,
    "started_at": {"type": "string", "pattern": ISO_TIME},
    "end_at": {"type": "string", "pattern": ISO_TIME},
    "status": {"enum": STATUSES},
    "endpoint_url": _TEXT,
    "max_duration": {"type": "number", "minimum": 0},  # minutes
    "variables": _OPEN,
    "record": _BOOL,
    "recording_url": _nullable(_TEXT),
    "metadata": _OPEN,
    "summary": _nullable(_TEXT),  # null before the call ends: NOT CONFIRMED
    "price": {"type": "number", "minimum": 0},  # USD
    "local_dialing": _BOOL,
    "call_ended_by": {"enum": CALL_ENDED_BY},
    "pathway_id": _nullable(_TEXT),
    "pathway_logs": {"type": ["string", "array", "null"]},  # string per the table, array per the webhook
    "pathway_version": _nullable({"type": "number"}),
    "analysis": _nullable(_OPEN),
    "analysis_schema": _nullable(_OPEN),  # old examples only
    "concatenated_transcript": _TEXT,
    "transcripts": {"type": "array", "items": _REF["transcript"]},
    "transferred_to": _REF["phone"],
    "transferred_at": {"type": "string", "pattern": ISO_TIME},
    "citations": {"type": "array"},
    "warm_transfer_call": _REF["warm_transfer"],
    "is_proxy_agent_call": _BOOL,
    "is_canary": _nullable(_BOOL),
    "voice_id": _TEXT,
}

ENDED_CALL = {"if": {"properties": {"completed": {"const": True}}}, "then": {"required": ["status", "end_at"]}}
"""Both details examples are of ended calls and show ``status`` and ``end_at``; that a live call has
no ``status`` follows from the docs ("only present for calls that have been successfully created")
and its values (none means "in progress")."""

SHOWN_BY_EVERY_DETAILS_EXAMPLE = (
    *("c_id", "call_length", "corrected_duration", "batch_id", "to", "from", "request_data", "completed"),
    *("created_at", "queue_status", "endpoint_url", "max_duration", "error_message", "variables"),
    *("answered_by", "concatenated_transcript", "transcripts"),
)
"""What the 2024 and the 2023 example both show (the 2023 one has no ``call_id``; the list has)."""
SHOWN_BY_THE_2024_EXAMPLE = (
    *("call_id", "inbound", "record", "recording_url", "metadata", "summary", "price", "local_dialing"),
    *("pathway_id", "pathway_logs", "pathway_version", "analysis"),
)
"""What the 2024 example adds that the docs give every call (null where it does not apply)."""

CALL_DETAILS = _object(
    DETAILS_FIELDS, [*SHOWN_BY_EVERY_DETAILS_EXAMPLE, *SHOWN_BY_THE_2024_EXAMPLE], allOf=[ENDED_CALL]
)
"""``GET /v1/calls/{call_id}``. ``voice_id``, ``warm_transfer_call``, ``is_proxy_agent_call``,
``is_canary`` and ``call_ended_by`` are in the 2024 example only and optional here: whether every
call carries them is NOT CONFIRMED."""

WEBHOOK_ONLY_FIELDS: dict[str, Any] = {
    "pre_transfer_duration": {"type": "number", "minimum": 0},
    "post_transfer_duration": {"type": "number", "minimum": 0},
    "pathway_tags": {"type": "array", "items": _TEXT},
    "recording_expiration": {"type": "string", "pattern": ISO_TIME},
    "citation_schema_ids": {"type": "array", "items": _TEXT},
    "disposition_tag": _TEXT,
}

WEBHOOK_EXAMPLE_FIELDS = (
    *("call_id", "c_id", "call_length", "batch_id", "to", "from", "completed", "created_at", "inbound"),
    *("queue_status", "max_duration", "error_message", "variables", "answered_by", "record", "recording_url"),
    *("metadata", "summary", "price", "started_at", "local_dialing", "call_ended_by", "pathway_logs"),
    *("transferred_to", "pre_transfer_duration", "post_transfer_duration", "pathway_tags", "status"),
    *("recording_expiration", "pathway_id", "is_proxy_agent_call", "is_canary", "citation_schema_ids"),
    *("warm_transfer_call", "concatenated_transcript", "transcripts", "corrected_duration", "end_at"),
    "disposition_tag",
)
"""The top-level keys of the "Standard Post-Call Webhook" example."""

POST_CALL_WEBHOOK = _object(
    {**DETAILS_FIELDS, **WEBHOOK_ONLY_FIELDS},
    # What the details require and the webhook example shows too (it has no request_data,
    # endpoint_url, pathway_version or analysis), and what an ended call always has.
    [name for name in CALL_DETAILS["required"] if name in WEBHOOK_EXAMPLE_FIELDS] + ["status", "end_at"],
)
"""The standard post-call webhook: "essentially the Call Details object" (so its fields may be
there), plus the fields only the webhook example shows; no ``event_type`` wrapper."""

BATCH = _object(
    {
        "id": {"type": "string", "pattern": UUID},  # the examples' ids are UUID-shaped (with typos)
        "user_id": {"type": "string", "pattern": UUID},
        "base_prompt": {"type": "string", "contentMediaType": "application/json"},  # a JSON string
        "created_at": {"type": "string", "pattern": ISO_TIME},
        # "A preview of the call objects": each takes any POST /v1/calls property (NOT CONFIRMED
        # which the preview keeps); the examples show these two.
        "call_objects": {
            "type": "array",
            "items": _object({"phone_number": _REF["phone"], "task": _TEXT}, ["phone_number"]),
        },
        "description": _TEXT,
    },
    ["id", "user_id", "base_prompt", "created_at", "call_objects", "description"],
)

PATHWAY = _object(
    {
        "id": {"type": "string", "pattern": UUID},
        "name": _TEXT,
        "description": _nullable(_TEXT),
        "published_at": _nullable({"type": "string", "pattern": ISO_TIME}),
        "folder_name": _TEXT,  # "Omitted for pathways at the root level"
        "production_version_number": _nullable({"type": "integer"}),
    },
    ["id", "name", "description", "published_at", "production_version_number"],
)
PATHWAY_LIST = {"type": "array", "items": _REF["pathway"]}
"""GET /v1/pathway: "a JSON array of pathway summaries, newest first. Nodes and edges are not
included"."""

_NO_ERRORS = {"type": "null"}  # "Always `null` on success."
BATCH_LIST = _object({"data": {"type": "array", "items": _REF["batch"]}, "errors": _NO_ERRORS}, ["data", "errors"])
BATCH_GET = _object({"data": _REF["batch"], "errors": _NO_ERRORS}, ["data", "errors"])

V1_ERROR = _object(
    {"status": {"const": "error"}, "message": _TEXT, "errors": {"type": "array", "items": _TEXT}},
    ["status", "message"],
)
"""POST /v1/calls's documented failure body. That GET /v1/calls(/{id}) fail with it too is NOT
CONFIRMED (the emulator's choice)."""

V2_ERROR = _object(
    {
        "data": {"type": "null"},
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": _object({"error": _TEXT, "message": _TEXT}, ["error", "message"]),
        },
    },
    ["data", "errors"],
)

AUTH_FAILURE = {
    **V2_ERROR,
    "properties": {
        **V2_ERROR["properties"],
        "errors": {"const": [{"error": "AUTH_FAILURE", "message": "Unauthorized"}]},
    },
}
"""The documented 401 of POST /v1/calls, taken to be every route's 401 (NOT CONFIRMED elsewhere)."""

SCHEMAS: dict[str, dict[str, Any]] = {
    "call_list": CALL_LIST,
    "listed_call": LISTED_CALL,
    "call_details": CALL_DETAILS,
    "transcript": TRANSCRIPT,
    "post_call_webhook": POST_CALL_WEBHOOK,
    "batch_list": BATCH_LIST,
    "batch_get": BATCH_GET,
    "batch": BATCH,
    "pathway_list": PATHWAY_LIST,
    "pathway": PATHWAY,
    "v1_error": V1_ERROR,
    "v2_error": V2_ERROR,
    "auth_failure": AUTH_FAILURE,
}
NAMES = tuple(SCHEMAS)
_DEFS = {**SCHEMAS, "phone": PHONE, "call_id": {"type": "string", "pattern": UUID}, "warm_transfer": WARM_TRANSFER}


@cache
def _validator(name: str) -> Draft202012Validator:
    """One document per name: the schema itself at the root, every schema under ``$defs``."""
    if name not in SCHEMAS:
        raise KeyError(f"no Bland schema {name!r}; known: {', '.join(NAMES)}")
    document = {"$schema": DIALECT, **SCHEMAS[name], "$defs": _DEFS}
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def _where(path: Any) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def validate(name: str, body: Any, context: str = "") -> None:
    """AssertionError listing, by JSON path, every way ``body`` breaks schema ``name``."""
    problems = sorted(_validator(name).iter_errors(body), key=lambda error: list(map(str, error.absolute_path)))
    if problems:
        lines = [f"{_where(error.absolute_path)}: {error.message[:300]}" for error in problems[:20]]
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise AssertionError(f"{context or 'body'} does not fit Bland's {name}:\n  " + "\n  ".join(lines) + more)


ROUTES = (
    ("GET", re.compile(r"^/v1/calls/?$"), "call_list"),
    ("GET", re.compile(r"^/v1/calls/[^/]+/?$"), "call_details"),
    ("GET", re.compile(r"^/v1/pathway/?$"), "pathway_list"),
    ("GET", re.compile(r"^/v2/batches/list/?$"), "batch_list"),
    ("GET", re.compile(r"^/v2/batches/[^/]+/?$"), "batch_get"),
)
"""The success schema of each route the emulator serves, first match wins."""


def schema_for(method: str, path: str, status: int) -> str | None:
    """The schema an answer of ``method path`` with ``status`` must fit; ``None`` outside Bland's API
    (the sandbox's ``/_sandbox`` controls)."""
    path = urlsplit(path).path
    v2 = path == "/v2" or path.startswith("/v2/")
    if not (v2 or path == "/v1" or path.startswith("/v1/")):
        return None
    if status == 401:
        return "auth_failure"
    if status >= 400:
        return "v2_error" if v2 else "v1_error"
    for route_method, pattern, name in ROUTES:
        if method.upper() == route_method and pattern.match(path):
            return name
    raise AssertionError(f"{method} {path} answered {status}, but the docs have no such Bland route")


def judge(method: str, path: str, body: Any, status: int) -> None:
    """Hold one emulator answer (``path`` or a whole URL) to the schema of its route, or to the error
    envelope of its API version for a non-2xx; AssertionError says what does not fit."""
    name = schema_for(method, path, status)
    if name is not None:
        validate(name, body, context=f"{method.upper()} {urlsplit(path).path} ({status})")
