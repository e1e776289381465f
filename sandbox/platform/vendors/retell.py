"""Retell AI's API and webhooks, served from the sandbox's store; shapes from ``retell-sdk`` 6.2.

What is emulated, and the choices made where no source says:

- ``POST /v3/list-calls`` (CallListParams): ``{"items", "has_more", "pagination_key", "total"?}``,
  sorted by ``start_timestamp`` (``sort_order`` ``descending`` by default; a call that has not
  started sorts by its creation time), ties by ``call_id`` in the same direction. ``limit``
  1..1000 (default 50), ``skip``, ``include_total``. ``pagination_key`` is the urlsafe base64 of
  the last item's position; the next page starts strictly after it, so a walk never sees a call
  twice, even while calls are created. Filters (``filter_criteria``, ANDed): ``start_timestamp``,
  ``end_timestamp``, ``duration_ms`` (number ``eq ne gt ge lt le``, range ``bt`` inclusive);
  ``batch_call_id``, ``call_id``, ``from_number``, ``to_number`` (string ``eq ne sw ew co``;
  ``call_id`` also enum ``in``); ``call_status``, ``direction``, ``call_type``,
  ``disconnection_reason``, ``user_sentiment`` (enum ``in``, values as the SDK allows them, so
  ``call_status`` cannot ask for ``registered``); ``call_successful``, ``in_voicemail`` (boolean);
  ``agent`` (a list of ``{agent_id, version?}``, ORed). A call without the filtered value (no
  ``start_timestamp`` yet, no batch) never matches, not even ``ne``. Any other filter, op or
  parameter answers 400 naming it.
- ``GET /v2/get-call/{call_id}``: the call as list-calls shows it, plus ``transcript`` and
  ``transcript_object`` once completed (the list items have neither, as the SDK's list model).
- ``POST /v2/list-agents`` (AgentListParams: ``limit``, ``pagination_key``, ``sort_order`` in the
  query, as the SDK sends them; ``filter_criteria``, in the body, is not served and answers 400):
  ``{"items", "has_more", "pagination_key"}`` of the three agents (voice, never suspended, no
  tags), by ``user_modified_timestamp`` (``descending`` by default), with the same cursor.
- ``POST /list-contacts`` (ContactListParams): ``{"items", "has_more", "pagination_key",
  "total"}`` by ``created_timestamp`` (``desc`` by default), ties by ``contact_id``; the same
  cursor, ``limit`` and ``skip`` rules; filters ``contact_id``, ``phone_number`` (string),
  ``external_id`` (string, or present ``pr``/``np``), ``do_not_call`` (boolean);
  ``search_query`` and ``excluded_contact_ids``. ``GET /get-contact/{id}`` and
  ``GET /get-contact-by-phone/{E.164}`` read one (404 while the contacts are off, below).
  ``external_id`` is the store id for two contacts in three, as a Retell user may or may not set
  it; ``do_not_call`` is always false.
  ``POST /create-contact`` and ``PATCH /update-contact/{id}`` write the store's names and phone
  (the store needs a first or a last name; the other SDK fields answer 400). Creations answer
  201; no source shows Retell's status codes (the SDK accepts any 2xx).
- ``POST /create-batch-call``: a store campaign (active) and one queued outbound call per task,
  to the store contact with that ``to_number`` (a new one, with a generated name, if none has
  it); answers BatchCallResponse. The store keeps no ``from_number``, ``trigger_timestamp`` or
  task options: the calls show the line of their batch's agent. ``call_time_window`` answers 400.
  Retell cannot list or read batch calls, nor does a call carry its batch id, so
  ``settings()`` hands voicesync ``RETELL_BATCH_CALLS=batch_call_id=Name,...``.
- Ids: a store id's number as 32 hex digits after Retell's prefix (``cl_00000012`` ->
  ``call_000...00c``), so an id is read back without a table; one org, three agents (version 1),
  each with its own phone line in area code 650, which no generated contact has. A call's agent
  is its batch's, or chosen by its own number when it has no batch. A call of a deleted contact
  shows ``to``/``from`` ``+1206`` and the contact's number in 7 digits.
- Times: integer epoch milliseconds. Status: queued -> ``registered``, in_progress ->
  ``ongoing``, completed -> ``ended``, failed -> ``error``, no_answer -> ``not_connected``. An
  ended call ends ``duration_seconds`` after its start (at its last update if it never started);
  its cost comes from fixed per-second prices (binary fractions of a cent, so parts add up
  exactly). A completed call's ``call_analysis`` comes from its summary.
- Errors: ``{"status": "error", "message"}`` for every status (the SDK only reads it as JSON);
  401 and 429 with Retell's wording, 400 naming each bad field of a body.
- Webhooks ``{"event", "call"}``: every change of a call sends what its status now calls for,
  with no memory of the status before: ongoing -> ``call_started``; completed, failed, no answer
  -> ``call_ended`` (without ``call_analysis``), and for a completed call then ``call_analyzed``.
  So an edit of an ended call sends them again, as a re-run analysis does. Contact and campaign
  changes send nothing. ``x-retell-signature: v=<ms>,d=<hex HMAC-SHA256 of body + ms>`` keyed
  with the API key in use when sent (``retell.lib.webhook_auth``; an empty key once revoked).
  A non-2xx is retried 3 times, as Retell's docs say; their delays are not published, so 0.5, 1 and 2 s.
- ``POST /_sandbox/calls/<store id>/message {"type": ...}`` sends one event about a call now:
  ``transcript_updated`` (the default, with ``transcript_with_tool_calls``; voicesync must answer
  2xx and ignore it) or a fresh ``call_started`` / ``call_ended`` / ``call_analyzed`` (422 for
  one the call cannot have yet).
  ``PUT /_sandbox/retell/contacts {"enabled": false}`` makes list-contacts answer nothing, as for
  an account that does not use Retell's contacts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, request

from sandbox.platform.app import control_answer, json_body, json_response
from sandbox.platform.clock import parse
from sandbox.platform.schema import E164, ID_DIGITS, ID_PREFIX, NotFoundError, ValidationError, record_id
from sandbox.platform.vendors._shared import Check, conversation, everything, matching, now_ms, pick, store_number
from sandbox.platform.webhooks import Credential

if TYPE_CHECKING:
    from sandbox.platform.service import PlatformSandbox
    from sandbox.platform.store import Change, Record

PATHS = (
    "/v3",
    "/v2",
    "/list-contacts",
    "/get-contact",
    "/get-contact-by-phone",
    "/create-contact",
    "/update-contact",
    "/create-batch-call",
)
KEY_SCHEME = "Bearer"
RETRY_SCHEDULE = (0.5, 1.0, 2.0)
KIND = "retell-api-key"
SIGNATURE_HEADER = "x-retell-signature"
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_EXCLUDED = 1000

PREFIX = {"calls": "call_", "contacts": "contact_", "campaigns": "batch_call_"}
_ENTITY_BY_STORE_PREFIX = {ID_PREFIX[entity]: entity for entity in PREFIX}
_HEX = frozenset("0123456789abcdef")


def _hex_id(name: str) -> str:
    return hashlib.sha256(f"voicesync-sandbox/retell/{name}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Agent:
    """One of the sandbox account's voice agents (all at version 1)."""

    agent_id: str
    name: str
    number: str
    """The agent's phone line (E.164)."""


ORG_ID = "org_" + _hex_id("org")
AGENTS = tuple(
    Agent(f"agent_{_hex_id(f'agent-{n}')}", name, f"+1650555010{n}")
    for n, name in enumerate(("Riley", "Morgan", "Avery"))
)

CALL_STATUS = {
    "queued": "registered",
    "in_progress": "ongoing",
    "completed": "ended",
    "failed": "error",
    "no_answer": "not_connected",
}
ENDED = ("ended", "error", "not_connected")
POSITIVE = ("Customer confirmed the appointment.", "Interested; sent pricing by email.", "Renewed the subscription.")
NEGATIVE = ("Not interested at this time.", "Requested to be removed from the list.")
VOICEMAIL = "Left a voicemail."
SECONDS_PER_WORD = 0.375
"""Speaking pace of the transcripts' word timings (a binary fraction: the times are exact)."""
CENTS_PER_SECOND = {
    "retell_platform": 0.0625,
    "elevenlabs_tts": 0.03125,
    "gpt_4o_mini": 0.015625,
    "telephony": 0.015625,
}


# -- ids and times --------------------------------------------------------------------------------


def public_id(store_id: str) -> str:
    """``cl_00000012`` -> ``call_`` and 12 in 32 hex digits (likewise ``contact_``, ``batch_call_``)."""
    prefix, _, number = store_id.partition("_")
    return f"{PREFIX[_ENTITY_BY_STORE_PREFIX[prefix]]}{int(number):032x}"


def store_id(entity: str, shown: str) -> str | None:
    """The store id of ``entity`` that a Retell id stands for; ``None`` for any other string."""
    digits = shown.removeprefix(PREFIX[entity])
    if digits == shown or len(digits) != 32 or not set(digits) <= _HEX:
        return None
    number = int(digits, 16)
    return record_id(entity, number) if 0 < number < 10**ID_DIGITS else None


def _ms(canonical_time: str) -> int:
    return parse(canonical_time) // 1000


# -- calls as Retell shows them -------------------------------------------------------------------


def _agent(record: Record) -> Agent:
    """The agent of the call's batch, or chosen by the call's own number when it has none."""
    return pick(AGENTS, store_number(record["campaign_id"] or record["id"]))


def _status(record: Record) -> str:
    return CALL_STATUS[record["status"]]


def _start_ms(record: Record) -> int | None:
    return _ms(record["started_at"]) if record["started_at"] else None


def _end_ms(record: Record) -> int | None:
    if _status(record) not in ENDED:
        return None
    start = _start_ms(record)
    return _ms(record["updated_at"]) if start is None else start + record["duration_seconds"] * 1000


def _duration_ms(record: Record) -> int | None:
    return record["duration_seconds"] * 1000 if _status(record) in ENDED else None


def _reason(record: Record) -> str | None:
    status, number = record["status"], store_number(record["id"])
    if status == "completed":
        return str(pick(("user_hangup", "agent_hangup"), number))
    if status == "no_answer":
        return "voicemail_reached" if number % 4 == 0 else "dial_no_answer"
    return "dial_failed" if status == "failed" else None


def _phone_of(platform: PlatformSandbox, record: Record) -> str:
    """The contact's number; a deleted contact's is gone from the store, so a stand-in."""
    contact = platform.store.get("contacts", record["contact_id"])
    return contact["phone"] if contact else f"+1206{store_number(record['contact_id']) % 10**7:07d}"


def _numbers(platform: PlatformSandbox, record: Record) -> tuple[str, str]:
    """``(from_number, to_number)``: the agent's line calls the contact, or the contact calls it."""
    line, phone = _agent(record).number, _phone_of(platform, record)
    return (phone, line) if record["direction"] == "inbound" else (line, phone)


def _sentiment(record: Record) -> str | None:
    if record["status"] != "completed":
        return None
    summary = record["summary"]
    return "Positive" if summary in POSITIVE else "Negative" if summary in NEGATIVE else "Neutral"


def _successful(record: Record) -> bool | None:
    sentiment = _sentiment(record)
    return None if sentiment is None else sentiment != "Negative" and record["summary"] != VOICEMAIL


def _in_voicemail(record: Record) -> bool | None:
    return None if record["status"] != "completed" else record["summary"] == VOICEMAIL


def _analysis(record: Record) -> dict[str, Any] | None:
    """A completed call's post-call analysis, all of it from the store's summary."""
    sentiment = _sentiment(record)
    if sentiment is None:
        return None
    summary = record["summary"]
    analysis: dict[str, Any] = {
        "user_sentiment": sentiment,
        "call_successful": _successful(record),
        "in_voicemail": _in_voicemail(record),
        "custom_analysis_data": {
            "interested": sentiment == "Positive",
            "callback_requested": "call back" in (summary or "").lower(),
        },
    }
    if summary:
        analysis["call_summary"] = summary
    return analysis


def _cost(seconds: int) -> dict[str, Any]:
    """Cents from per-second prices that are binary fractions, so the sums are exact."""
    products = [
        {"product": product, "unit_price": price, "cost": price * seconds}
        for product, price in CENTS_PER_SECOND.items()
    ]
    unit_price = sum(CENTS_PER_SECOND.values())
    return {
        "product_costs": products,
        "combined_cost": unit_price * seconds,
        "total_duration_seconds": seconds,
        "total_duration_unit_price": unit_price,
    }


def _lines(platform: PlatformSandbox, record: Record) -> list[tuple[str, str]]:
    """What was said, ``(role, text)``: a completed call's conversation."""
    contact = platform.store.get("contacts", record["contact_id"])
    return conversation(record, contact, _agent(record).name)


def _said(platform: PlatformSandbox, record: Record) -> list[tuple[str, str]]:
    """The lines said so far: all of a completed call's, the first two of one going on."""
    shown = {"completed": None, "in_progress": 2}
    if record["status"] not in shown:
        return []
    return _lines(platform, record)[: shown[record["status"]]]


def _utterances(lines: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The lines as Retell's transcript objects, a word every ``SECONDS_PER_WORD`` from the start."""
    utterances, at = [], 0
    for role, text in lines:
        words = []
        for word in text.split():
            words.append({"word": word, "start": at * SECONDS_PER_WORD, "end": (at + 1) * SECONDS_PER_WORD})
            at += 1
        utterances.append({"role": role, "content": text, "words": words})
    return utterances


def call(platform: PlatformSandbox, record: Record, whole: bool = True) -> dict[str, Any]:
    """A store call as Retell's PhoneCallResponse (``whole``) or as a list-calls item."""
    agent = _agent(record)
    from_number, to_number = _numbers(platform, record)
    body: dict[str, Any] = {
        "call_id": public_id(record["id"]),
        "call_type": "phone_call",
        "agent_id": agent.agent_id,
        "agent_version": 1,
        "agent_name": agent.name,
        "call_status": _status(record),
        "direction": record["direction"],
        "from_number": from_number,
        "to_number": to_number,
        "metadata": {},
    }
    contact = platform.store.get("contacts", record["contact_id"])
    if contact and contact["first_name"]:
        body["retell_llm_dynamic_variables"] = {"customer_name": contact["first_name"]}
    if record["started_at"]:
        body["start_timestamp"] = _start_ms(record)
    if body["call_status"] in ENDED:
        body.update(
            end_timestamp=_end_ms(record),
            duration_ms=_duration_ms(record),
            disconnection_reason=_reason(record),
            call_cost=_cost(record["duration_seconds"]),
        )
    if record["recording_url"]:
        body["recording_url"] = record["recording_url"]
    analysis = _analysis(record)
    if analysis is not None:
        body["call_analysis"] = analysis
    if whole and record["status"] == "completed":
        lines = _lines(platform, record)
        body["transcript"] = "\n".join(f"{role.capitalize()}: {text}" for role, text in lines)
        body["transcript_object"] = _utterances(lines)
    return body


def contact(record: Record) -> dict[str, Any]:
    """A store contact as Retell's ContactResponse."""
    body: dict[str, Any] = {
        "contact_id": public_id(record["id"]),
        "created_timestamp": _ms(record["created_at"]),
        "user_modified_timestamp": _ms(record["updated_at"]),
        "org_id": ORG_ID,
        "phone_number": record["phone"],
        "do_not_call": False,
    }
    body.update((name, record[name]) for name in ("first_name", "last_name") if record[name] is not None)
    if _external_id(record) is not None:
        body["external_id"] = record["id"]
    return body


def _external_id(record: Record) -> str | None:
    return record["id"] if store_number(record["id"]) % 3 else None


def render(platform: PlatformSandbox, entity: str, record: Record) -> dict[str, Any] | None:
    """Calls as get-call answers them, contacts as list-contacts does; batch calls cannot be read."""
    if entity == "calls":
        return call(platform, record)
    if entity == "contacts":
        return contact(record)
    return None


# -- webhooks -------------------------------------------------------------------------------------

EVENTS = ("call_started", "call_ended", "call_analyzed", "transcript_updated")


def call_event(platform: PlatformSandbox, record: Record, event: str) -> dict[str, Any]:
    """One webhook body of ``event`` about a call as it is now; ValidationError when the call
    cannot have it (a ``call_ended`` of a call still going on...)."""
    if event not in EVENTS:
        raise ValidationError({"type": f"must be one of {', '.join(EVENTS)}"})
    body = call(platform, record)
    status = body["call_status"]
    if event == "call_started" and "start_timestamp" not in body:
        raise ValidationError({"type": "a call_started needs a call that has started"})
    if event == "call_ended":
        if status not in ENDED:
            raise ValidationError({"type": "a call_ended needs a call that has ended"})
        body.pop("call_analysis", None)
    if event == "call_analyzed" and "call_analysis" not in body:
        raise ValidationError({"type": "a call_analyzed needs a completed call"})
    if event == "transcript_updated":
        body["transcript_with_tool_calls"] = _utterances(_said(platform, record))
    return {"event": event, "call": body}


def _events_for(record: Record) -> tuple[str, ...]:
    status = _status(record)
    if status == "ongoing":
        return ("call_started",) if record["started_at"] else ()  # Retell starts a call as it connects
    if status == "ended":
        return ("call_ended", "call_analyzed")
    return ("call_ended",) if status in ENDED else ()


def messages(platform: PlatformSandbox, change: Change) -> list[dict[str, Any]]:
    if not change.type.startswith("call."):
        return []
    return [call_event(platform, change.record, event) for event in _events_for(change.record)]


def message_type(body: Mapping[str, Any]) -> str:
    return str(body["event"])


def credential(given: Credential | None) -> Credential:
    """Retell signs with the API key, so there is no secret (nor header) to choose."""
    kind = (given or Credential()).kind or KIND
    if kind != KIND:
        raise ValueError(f"Retell signs webhooks with the API key ({KIND}), not {kind!r}")
    return Credential(KIND)


def _batch_name(name: str) -> str:
    return name.replace(",", "").replace("=", "")


def settings(platform: PlatformSandbox) -> dict[str, str]:
    """Every batch call as ``batch_call_id=Name``: Retell's API cannot list them."""
    batches = (f"{public_id(r['id'])}={_batch_name(r['name'])}" for r in everything(platform, "campaigns"))
    return {"RETELL_BATCH_CALLS": ",".join(batches)}


def signature(key: str, payload: bytes, ms: int) -> str:
    """``v=<ms>,d=<hex HMAC-SHA256 of payload + ms>``, as ``retell.lib.webhook_auth.symmetric["sign"]``."""
    digest = hmac.new(key.encode(), payload + str(ms).encode(), hashlib.sha256).hexdigest()
    return f"v={ms},d={digest}"


def sign(platform: PlatformSandbox, msg_id: str, payload: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature(platform.api_key or "", payload, now_ms())}


# -- errors ---------------------------------------------------------------------------------------

_FIXED_MESSAGES = {
    401: "API key is missing or invalid.",
    429: "Account rate limited, please throttle your requests.",
}


def error(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Response:
    """Retell's ``{"status": "error", "message"}``; ``code`` has no place in it."""
    text = _FIXED_MESSAGES.get(status) or ("; ".join(f"{k}: {v}" for k, v in fields.items()) if fields else message)
    return json_response({"status": "error", "message": text}, status, dict(headers or {}))


def _refuse(problems: Mapping[str, str]) -> None:
    if problems:
        abort(error(400, "bad_request", "", fields=problems))


# -- request bodies -------------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    """The request's JSON object; an empty body is ``{}``, anything else but an object a 400."""
    if not request.get_data():
        return {}
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        abort(error(400, "bad_request", "the body must be a JSON object"))
    return body


def _unknown(body: Mapping[str, Any], known: Iterable[str], problems: dict[str, str]) -> None:
    for name in sorted(set(body) - set(known)):
        problems[name] = "is not a parameter the sandbox supports"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(
    body: Mapping[str, Any], name: str, default: int, low: int, high: int | None, problems: dict[str, str]
) -> int:
    """An integer parameter in ``low..high`` (JSON has one number type: ``10.0`` is 10)."""
    value = body.get(name, default)
    fits = _is_number(value) and float(value).is_integer() and low <= value <= (high if high is not None else value)
    if not fits:
        problems[name] = f"must be an integer from {low}" + (f" to {high}" if high is not None else "")
        return default
    return int(value)


def _descending(body: Mapping[str, Any], orders: tuple[str, str], problems: dict[str, str]) -> bool:
    """Whether ``sort_order`` is the first (descending, the default) of ``orders``."""
    order = body.get("sort_order", orders[0])
    if order not in orders:
        problems["sort_order"] = f"must be one of {', '.join(orders)}"
    return order != orders[1]


def _flag(body: Mapping[str, Any], name: str, problems: dict[str, str]) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        problems[name] = "must be a boolean"
    return value is True


# -- filters --------------------------------------------------------------------------------------


_OPS: dict[str, dict[str, Callable[[Any, Any], bool]]] = {
    "number": {
        "eq": operator.eq,
        "ne": operator.ne,
        "gt": operator.gt,
        "ge": operator.ge,
        "lt": operator.lt,
        "le": operator.le,
    },
    "range": {"bt": lambda value, bounds: bounds[0] <= value <= bounds[1]},
    "string": {"eq": operator.eq, "ne": operator.ne, "sw": str.startswith, "ew": str.endswith, "co": operator.contains},
    "enum": {"in": lambda value, allowed: value in allowed},
    "boolean": {"eq": operator.eq},
    "present": {"pr": lambda value, _: value is not None, "np": lambda value, _: value is None},
}


@dataclass(frozen=True)
class Filterable:
    """A field ``filter_criteria`` can name: the filter types it takes and its value on a record
    (``None``: the record has none). ``choices``: the values an enum filter may list."""

    types: tuple[str, ...]
    value: Callable[[Record], Any]
    choices: tuple[str, ...] = ()


def _value_problem(type_: str, spec: Mapping[str, Any], choices: tuple[str, ...]) -> str | None:
    """What is wrong with a filter's ``value`` (and keys) for its type, if anything."""
    keys = {"type", "op"} | (set() if type_ == "present" else {"value"})
    if set(spec) != keys:
        return f"a {type_} filter has exactly the keys {', '.join(sorted(keys))}"
    value = spec.get("value")
    if type_ == "number" and not _is_number(value):
        return "value must be a number"
    if type_ == "range" and not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
        return "value must be [lower_bound, upper_bound]"
    if type_ == "string" and not isinstance(value, str):
        return "value must be a string"
    if type_ == "boolean" and not isinstance(value, bool):
        return "value must be a boolean"
    if type_ == "enum":
        if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            return "value must be a list of strings"
        wrong = [item for item in value if choices and item not in choices]
        if wrong:
            return f"{', '.join(map(repr, wrong))} not among {', '.join(choices)}"
    return None


def _condition(spec: Any, field: Filterable) -> tuple[Check | None, str | None]:
    """A filter object as a check, or what is wrong with it."""
    if not isinstance(spec, dict):
        return None, "must be an object with type, op and value"
    type_, op = spec.get("type"), spec.get("op")
    if type_ not in field.types:
        return None, f"type {type_!r} is not supported here; use {' or '.join(field.types)}"
    if op not in _OPS[type_]:
        return None, f"op {op!r} is not supported for a {type_} filter; use {', '.join(_OPS[type_])}"
    problem = _value_problem(type_, spec, field.choices)
    if problem:
        return None, problem
    compare, wanted = _OPS[type_][op], spec.get("value")
    if type_ == "present":
        return (lambda record: compare(field.value(record), None)), None

    def check(record: Record) -> bool:
        value = field.value(record)
        return value is not None and compare(value, wanted)

    return check, None


def _agent_condition(spec: Any, field: Filterable) -> tuple[Check | None, str | None]:
    """``agent``: a list of ``{agent_id, version?}``, any of which may match (every call is of
    version 1)."""
    entries = spec if isinstance(spec, list) and spec else None
    if entries is None or not all(
        isinstance(entry, dict) and isinstance(entry.get("agent_id"), str) for entry in entries
    ):
        return None, "must be a non-empty list of {agent_id, version?}"
    for entry in entries:
        versions = entry.get("version", [])
        if set(entry) - {"agent_id", "version"} or not (isinstance(versions, list) and all(map(_is_number, versions))):
            return None, "each entry has agent_id and optionally version, a list of numbers"
    wanted = {entry["agent_id"] for entry in entries if not entry.get("version") or 1 in entry["version"]}
    return (lambda record: field.value(record) in wanted), None


def _criteria(body: Mapping[str, Any], fields: Mapping[str, Filterable], problems: dict[str, str]) -> list[Check]:
    """The checks of ``filter_criteria`` (``agent`` too where ``fields`` has it)."""
    criteria = body.get("filter_criteria", {})
    if not isinstance(criteria, dict):
        problems["filter_criteria"] = "must be an object"
        return []
    checks = []
    for name, spec in criteria.items():
        field = fields.get(name)
        if field is None:
            check, problem = None, "is not a filter the sandbox supports"
        else:
            check, problem = _agent_condition(spec, field) if name == "agent" else _condition(spec, field)
        if problem:
            problems[f"filter_criteria.{name}"] = problem
        elif check is not None:
            checks.append(check)
    return checks


def _call_fields(platform: PlatformSandbox) -> dict[str, Filterable]:
    """What list-calls filters on (the parties' numbers need the store's contacts)."""
    numbers = ("number", "range")
    return {
        "start_timestamp": Filterable(numbers, _start_ms),
        "end_timestamp": Filterable(numbers, _end_ms),
        "duration_ms": Filterable(numbers, _duration_ms),
        "batch_call_id": Filterable(("string",), lambda r: r["campaign_id"] and public_id(r["campaign_id"])),
        "call_id": Filterable(("string", "enum"), lambda r: public_id(r["id"])),
        "from_number": Filterable(("string",), lambda r: _numbers(platform, r)[0]),
        "to_number": Filterable(("string",), lambda r: _numbers(platform, r)[1]),
        "call_status": Filterable(("enum",), _status, ("not_connected", "ongoing", "ended", "error")),
        "call_type": Filterable(("enum",), lambda r: "phone_call", ("web_call", "phone_call")),
        "direction": Filterable(("enum",), operator.itemgetter("direction"), ("inbound", "outbound")),
        "disconnection_reason": Filterable(("enum",), _reason),
        "user_sentiment": Filterable(("enum",), _sentiment, ("Negative", "Positive", "Neutral", "Unknown")),
        "call_successful": Filterable(("boolean",), _successful),
        "in_voicemail": Filterable(("boolean",), _in_voicemail),
        "agent": Filterable(("agent",), lambda r: _agent(r).agent_id),
    }


CONTACT_FIELDS = {
    "contact_id": Filterable(("string",), lambda r: public_id(r["id"])),
    "phone_number": Filterable(("string",), operator.itemgetter("phone")),
    "external_id": Filterable(("string", "present"), _external_id),
    "do_not_call": Filterable(("boolean",), lambda r: False),
}


def _search(body: Mapping[str, Any], problems: dict[str, str]) -> list[Check]:
    """``search_query``: a case-insensitive substring of the phone, names or external id."""
    query = body.get("search_query")
    if query is None:
        return []
    if not isinstance(query, str):
        problems["search_query"] = "must be a string"
        return []
    needle = query.lower()
    keys = ("phone", "first_name", "last_name")
    return [
        lambda r: any(needle in str(v).lower() for v in (*map(r.get, keys), _external_id(r)) if v is not None),
    ]


def _excluded(body: Mapping[str, Any], problems: dict[str, str]) -> list[Check]:
    excluded = body.get("excluded_contact_ids", [])
    if not (isinstance(excluded, list) and len(excluded) <= MAX_EXCLUDED and all(isinstance(i, str) for i in excluded)):
        problems["excluded_contact_ids"] = f"must be a list of at most {MAX_EXCLUDED} contact ids"
        return []
    gone = set(excluded)
    return [lambda r: public_id(r["id"]) not in gone] if gone else []


# -- pages ----------------------------------------------------------------------------------------

Position = tuple[int, str]


def _encode(position: Position) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position), separators=(",", ":")).encode()).decode().rstrip("=")


def _cursor(body: Mapping[str, Any], problems: dict[str, str]) -> Position | None:
    """The position a ``pagination_key`` names; a problem when it is not one this server gave."""
    key = body.get("pagination_key")
    if key is None:
        return None
    try:
        ms, shown = json.loads(base64.urlsafe_b64decode(str(key) + "=" * (-len(str(key)) % 4)))
        if isinstance(ms, int) and isinstance(shown, str):
            return ms, shown
    except (ValueError, TypeError, binascii.Error):
        pass
    problems["pagination_key"] = "is not a pagination key this server handed out"
    return None


def _call_position(record: Record) -> Position:
    """Where a call sorts: its start, or its creation while it has not started."""
    return _start_ms(record) or _ms(record["created_at"]), public_id(record["id"])


def _contact_position(record: Record) -> Position:
    return _ms(record["created_at"]), public_id(record["id"])


@dataclass(frozen=True)
class Window:
    """Which part of the sorted matches a list request asks for."""

    limit: int
    skip: int
    descending: bool
    after: Position | None

    def page(self, records: list[Record], position: Callable[[Record], Position]) -> tuple[list[Record], str | None]:
        """The page and the pagination key of the next one (``None`` when there is none)."""
        keyed = [(position(record), record) for record in records]
        if self.after is not None:
            after = self.after
            keyed = [(key, r) for key, r in keyed if (key < after if self.descending else key > after)]
        keyed.sort(key=operator.itemgetter(0), reverse=self.descending)
        shown = keyed[self.skip : self.skip + self.limit + 1]
        more = len(shown) > self.limit
        return [record for _, record in shown[: self.limit]], _encode(shown[self.limit - 1][0]) if more else None


def _window(body: Mapping[str, Any], orders: tuple[str, str], problems: dict[str, str]) -> Window:
    return Window(
        limit=_whole(body, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, problems),
        skip=_whole(body, "skip", 0, 0, None, problems),
        descending=_descending(body, orders, problems),
        after=_cursor(body, problems),
    )


AGENT_LIST_KEYS = ("limit", "pagination_key", "sort_order")
AGENTS_MODIFIED_MS = 1_735_722_000_000  # 2025-01-01 09:00 UTC, plus n ms for agent n


def _agent_item(n: int, agent: Agent) -> dict[str, Any]:
    """An agent as list-agents shows it."""
    return {
        "agent_id": agent.agent_id,
        "agent_name": agent.name,
        "channel": "voice",
        "is_suspended": False,
        "tags": {},
        "user_modified_timestamp": AGENTS_MODIFIED_MS + n,
    }


def list_agents(query: Mapping[str, str], body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer of ``POST /v2/list-agents``."""
    problems: dict[str, str] = {}
    _unknown({**query, **body}, AGENT_LIST_KEYS, problems)
    params = {name: int(value) if name == "limit" and value.isdigit() else value for name, value in query.items()}
    window = _window(params, ("descending", "ascending"), problems)
    _refuse(problems)
    items = [_agent_item(n, agent) for n, agent in enumerate(AGENTS)]
    shown, key = window.page(items, lambda item: (item["user_modified_timestamp"], item["agent_id"]))
    return {"items": shown, "has_more": key is not None, "pagination_key": key}


CALL_LIST_KEYS = ("filter_criteria", "include_total", "limit", "pagination_key", "skip", "sort_order")
CONTACT_LIST_KEYS = (
    "excluded_contact_ids",
    "filter_criteria",
    "limit",
    "pagination_key",
    "search_query",
    "skip",
    "sort_order",
)


def list_calls(platform: PlatformSandbox, body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer of ``POST /v3/list-calls``."""
    problems: dict[str, str] = {}
    _unknown(body, CALL_LIST_KEYS, problems)
    window = _window(body, ("descending", "ascending"), problems)
    include_total = _flag(body, "include_total", problems)
    checks = _criteria(body, _call_fields(platform), problems)
    _refuse(problems)
    selected = matching(everything(platform, "calls"), checks)
    shown, key = window.page(selected, _call_position)
    answer: dict[str, Any] = {
        "items": [call(platform, record, whole=False) for record in shown],
        "has_more": key is not None,
        "pagination_key": key,
    }
    if include_total:
        answer["total"] = len(selected)
    return answer


def list_contacts(platform: PlatformSandbox, body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer of ``POST /list-contacts`` (nothing while the sandbox's contacts are off)."""
    problems: dict[str, str] = {}
    _unknown(body, CONTACT_LIST_KEYS, problems)
    window = _window(body, ("desc", "asc"), problems)
    checks = _criteria(body, CONTACT_FIELDS, problems) + _search(body, problems) + _excluded(body, problems)
    _refuse(problems)
    selected = matching(everything(platform, "contacts"), checks) if platform.retell_contacts else []
    shown, key = window.page(selected, _contact_position)
    return {
        "items": [contact(r) for r in shown],
        "has_more": key is not None,
        "pagination_key": key,
        "total": len(selected),
    }


# -- writes ---------------------------------------------------------------------------------------

BATCH_KEYS = ("from_number", "tasks", "name", "trigger_timestamp", "reserved_concurrency")
TASK_KEYS = (
    "to_number",
    "agent_override",
    "custom_sip_headers",
    "ignore_e164_validation",
    "metadata",
    "override_agent_id",
    "override_agent_version",
    "retell_llm_dynamic_variables",
)
CONTACT_KEYS = ("first_name", "last_name", "do_not_call")
_STORE_NAMES = {"phone": "phone_number"}


def _phone(value: Any) -> bool:
    return isinstance(value, str) and bool(E164.match(value))


def _tasks(tasks: Any, problems: dict[str, str]) -> list[str]:
    """The tasks' ``to_number`` s."""
    if not (isinstance(tasks, list) and tasks and all(isinstance(task, dict) for task in tasks)):
        problems["tasks"] = "must be a non-empty list of objects"
        return []
    for index, task in enumerate(tasks):
        if not _phone(task.get("to_number")):
            problems[f"tasks[{index}].to_number"] = "must be an E.164 number such as +14155550123"
        _unknown(task, TASK_KEYS, problems)
    return [task.get("to_number") for task in tasks]


def _batch(body: Mapping[str, Any]) -> tuple[str, str, list[str], int]:
    """``(name, from_number, to_numbers, scheduled_ms)`` of a create-batch-call body, or a 400."""
    problems: dict[str, str] = {}
    _unknown(body, BATCH_KEYS, problems)
    if not _phone(body.get("from_number")):
        problems["from_number"] = "must be an E.164 number such as +14155550123"
    phones = _tasks(body.get("tasks"), problems)
    name = body.get("name", "Batch call")
    if not (isinstance(name, str) and name):
        problems["name"] = "must be a non-empty string"
    trigger = body.get("trigger_timestamp", now_ms())
    if not _is_number(trigger):
        problems["trigger_timestamp"] = "must be epoch milliseconds"
    if "reserved_concurrency" in body:
        _whole(body, "reserved_concurrency", 0, 0, None, problems)
    _refuse(problems)
    return name, body["from_number"], phones, int(trigger)


def _contact_values(body: Mapping[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    """The store values of a create- or update-contact body, or a 400."""
    problems: dict[str, str] = {}
    _unknown(body, known, problems)
    for name in ("first_name", "last_name"):
        if name in body and not isinstance(body[name], str):
            problems[name] = "must be a string"
    if body.get("do_not_call", False) is not False:
        problems["do_not_call"] = "the sandbox's contacts can only be callable (false)"
    if "phone_number" in known and not _phone(body.get("phone_number")):
        problems["phone_number"] = "must be an E.164 number such as +14155550123"
    _refuse(problems)
    values = {name: body[name] for name in ("first_name", "last_name") if name in body}
    return values | ({"phone": body["phone_number"]} if "phone_number" in known else {})


def _written(platform: PlatformSandbox, write: Callable[[], Change]) -> Record:
    """Make a store change and publish it; the store's refusal is a 400 in Retell's names."""
    try:
        change = write()
    except ValidationError as exc:
        abort(error(400, "bad_request", "", fields={_STORE_NAMES.get(k, k): v for k, v in exc.fields.items()}))
    return platform.publish(change)[0]


def create_batch_call(platform: PlatformSandbox, body: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign and its queued calls; the answer of ``POST /create-batch-call``."""
    name, from_number, phones, scheduled = _batch(body)
    batch = platform.create("campaigns", {"name": name, "status": "active"})
    owners = {record["phone"]: record["id"] for record in everything(platform, "contacts")}
    for phone in phones:
        if phone not in owners:
            owners[phone] = platform.create("contacts", {"phone": phone})["id"]
        platform.create(
            "calls",
            {"contact_id": owners[phone], "campaign_id": batch["id"], "direction": "outbound", "status": "queued"},
        )
    return {
        "batch_call_id": public_id(batch["id"]),
        "name": name,
        "from_number": from_number,
        "scheduled_timestamp": scheduled,
        "total_task_count": len(phones),
    }


# -- routes ---------------------------------------------------------------------------------------


def register(app: Flask, platform: PlatformSandbox) -> None:
    platform.retell_contacts = True

    def found(entity: str, shown: str) -> Record:
        sid = store_id(entity, shown)
        record = platform.store.get(entity, sid) if sid else None
        if record is None:
            raise NotFoundError(f"{entity[:-1].capitalize()} not found.")
        return record

    @app.post("/v3/list-calls", endpoint="POST /v3/list-calls")
    def post_list_calls() -> Response:
        return json_response(list_calls(platform, _body()))

    @app.get("/v2/get-call/<call_id>", endpoint="GET /v2/get-call/<call_id>")
    def get_call(call_id: str) -> Response:
        return json_response(call(platform, found("calls", call_id)))

    @app.post("/v2/list-agents", endpoint="POST /v2/list-agents")
    def post_list_agents() -> Response:
        return json_response(list_agents(request.args.to_dict(), _body()))

    @app.post("/list-contacts", endpoint="POST /list-contacts")
    def post_list_contacts() -> Response:
        return json_response(list_contacts(platform, _body()))

    def listed_contact(record: Record | None) -> Response:
        if record is None or not platform.retell_contacts:
            raise NotFoundError("Contact not found.")
        return json_response(contact(record))

    @app.get("/get-contact/<contact_id>", endpoint="GET /get-contact/<contact_id>")
    def get_contact(contact_id: str) -> Response:
        sid = store_id("contacts", contact_id)
        return listed_contact(platform.store.get("contacts", sid) if sid else None)

    @app.get("/get-contact-by-phone/<phone>", endpoint="GET /get-contact-by-phone/<phone>")
    def get_contact_by_phone(phone: str) -> Response:
        return listed_contact(next((r for r in everything(platform, "contacts") if r["phone"] == phone), None))

    @app.post("/create-contact", endpoint="POST /create-contact")
    def create_contact() -> Response:
        values = _contact_values(_body(), ("phone_number", *CONTACT_KEYS))
        return json_response(contact(_written(platform, lambda: platform.store.create("contacts", values))), 201)

    @app.patch("/update-contact/<contact_id>", endpoint="PATCH /update-contact/<contact_id>")
    def update_contact(contact_id: str) -> Response:
        sid = found("contacts", contact_id)["id"]
        values = _contact_values(_body(), CONTACT_KEYS)
        return json_response(contact(_written(platform, lambda: platform.store.update("contacts", sid, values))))

    @app.post("/create-batch-call", endpoint="POST /create-batch-call")
    def post_create_batch_call() -> Response:
        return json_response(create_batch_call(platform, _body()), 201)

    @app.put("/_sandbox/retell/contacts")
    def put_contacts() -> Response:
        enabled = json_body().get("enabled")
        if not isinstance(enabled, bool):
            raise ValidationError({"enabled": "must be a boolean"})
        platform.retell_contacts = enabled
        return json_response({"enabled": enabled})

    @app.post("/_sandbox/calls/<record_id>/message")
    def control_message(record_id: str) -> Response:
        record = platform.store.get("calls", record_id)
        if record is None:
            raise NotFoundError(f"no call {record_id}")
        event = str(json_body(optional=True).get("type", "transcript_updated"))
        return control_answer(record, platform.sender.send(call_event(platform, record, event)))
