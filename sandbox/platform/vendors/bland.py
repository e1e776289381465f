"""Bland AI's API and post-call webhook, served from the sandbox's store; shapes from docs.bland.ai
(its Mintlify source, ``CINTELLILABS/docs``, 2026-08). Bland has no official Python SDK.

What is emulated, and the choices made where no source says:

- Auth: the API key bare in ``authorization`` (no ``Bearer``; ``Bearer <key>`` is refused, which
  the docs neither show nor rule out). A 401 answers the documented
  ``{"data": null, "errors": [{"error": "AUTH_FAILURE", "message": "Unauthorized"}]}`` everywhere.
- ``GET /v1/calls``: ``{"total_count", "count", "calls"}``, each call with only the list fields the
  docs' example shows (no transcript). Sorted by ``sort_by`` (``created_at``, default, or
  ``updated_at``; ties by id), newest first unless ``ascending=true``. Filters ``start_date`` /
  ``end_date`` (inclusive; ``YYYY-MM-DD`` read as a UTC day, or an ISO 8601 datetime with an
  offset, compared at the microseconds shown), ``batch_id``, ``completed``, ``inbound``. Then the
  index window ``from`` (inclusive) .. ``to`` (exclusive, as the docs' "from=150 and to=200
  returns 50" says; not confirmed) over the sorted, filtered calls, then ``limit`` (default 1000,
  at most 1000: the maximum is not documented) caps it. ``to < from`` and any malformed value
  answer 400. Other documented filters (``from_number``, ``answered_by``, ``duration_gt``,
  ``timezone``, ``created_at``...) are not emulated and, like unknown parameters, ignored.
- ``GET /v1/calls/{call_id}``: the call details object. ``status`` only once the call has ended
  (the docs' values have none for a live call): completed, failed, ``no-answer``; ``queue_status``
  queued, ``started``, ``complete`` (``call_error`` for a failed call); ``completed`` is true for
  every ended call. ``answered_by``: ``human`` for a completed call, ``voicemail`` (every 4th) or
  ``no-answer`` for an unanswered one, else null. ``started_at`` is shown to the second (rounded up,
  so never before ``created_at``), ``end_at`` = ``started_at`` + ``corrected_duration``, in
  milliseconds with ``Z`` as the examples write them. ``call_length`` is minutes, ``price``
  $0.09 a minute (Bland's list price), ``max_duration`` 30. Every call runs a pathway (its batch's,
  or one for inbound calls), so ``pathway_id`` and ``pathway_version`` are never null. A completed
  call has a transcript (``agent-action`` "Ended call" last when the assistant hung up, and left
  out of ``concatenated_transcript``) and an ``analysis``; others have none (``[]``, ``""``, null).
  ``summary`` is null until a call completes (not confirmed).
- ``GET /v1/pathway``: a bare array of pathway summaries (``id``, ``name``, ``description``,
  ``published_at``, ``production_version_number``; no folders), newest first: one per live batch
  ("<its name> pathway", published when the batch was created) and the inbound line's ("Inbound
  line"), the pathways the calls name. Unpaged, as the docs show it.
- Numbers: the agent's ``from`` (``to`` for inbound calls) is one of a few fixed numbers; every 5th
  call shows the customer's number without its ``+`` (country code kept), as the docs' example
  ``"to": "5551234567"`` does. A call whose contact was deleted shows a stand-in ``+1555...`` number
  (Bland stores the number with the call; the sandbox cannot recall it).
- Batches (the store's campaigns) in the current v2 API only (v1 batches left the docs in 2025):
  ``GET /v2/batches/list?take&skip`` oldest first (not documented), ``take`` 1..1000 (default
  100; neither documented), ``skip`` from 0; ``GET /v2/batches/{id}``. ``description`` is the
  campaign's name, ``call_objects`` a preview of at most 50 of its calls' numbers, ``base_prompt``
  a JSON string. Bland's batch has no status: the campaign's is not shown.
- Ids: calls and batches are UUID-shaped, the entity and the store number laid out in them
  (``ca110000-5a4d-4b1a-8000-<number in hex>`` for calls, ``ba7c...`` for batches), so they map
  back without a table (:func:`store_id`).
- Errors: under ``/v1`` (and the sandbox controls) ``{"status": "error", "message", "errors"?:
  [strings]}``, under ``/v2`` ``{"data": null, "errors": [{"error": CODE, "message"}]}`` with
  ``invalid_parameter`` for each bad parameter; a 429 says "Rate limit exceeded" (the documented
  text) and carries the sandbox's ``Retry-After`` (no Bland REST page shows one).
- Webhooks: one post-call webhook, the call details object, whenever a call change leaves the call
  ended; contacts and campaigns send nothing. ``X-Webhook-Signature`` is the hex HMAC-SHA256 of the
  body bytes with the account's secret (the docs' sample HMACs ``JSON.stringify(req.body)``, which
  is these compact bytes). A failed delivery (any non-2xx) is retried after 0.5, 1 and 2 s: Bland
  documents retries but not their count or delays.
- ``POST /_sandbox/calls/<store id>/message`` re-sends an ended call's post-call webhook now (a
  duplicate delivery, as Bland's ``/v1/postcall/webhooks/resend`` does); 400 for a live call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, request
from werkzeug.datastructures import MultiDict

from sandbox.platform.app import control_answer, json_response
from sandbox.platform.clock import canonical, iso, parse
from sandbox.platform.schema import ID_PREFIX, NotFoundError, record_id
from sandbox.platform.vendors._shared import GOODBYE, conversation, everything, pick, store_number
from sandbox.platform.webhooks import Credential

if TYPE_CHECKING:
    from sandbox.platform.service import PlatformSandbox
    from sandbox.platform.store import Change, Record

PATHS = ("/v1", "/v2")
KEY_SCHEME = ""
RETRY_SCHEDULE = (0.5, 1.0, 2.0)
DEFAULT_LIMIT = MAX_LIMIT = 1000
DEFAULT_TAKE, MAX_TAKE = 100, 1000
PREVIEW_CAP = 50
"""A batch's ``call_objects`` preview holds at most this many numbers."""

KIND = "hmac"
SIGNATURE_HEADER = "X-Webhook-Signature"
MESSAGE_TYPE = "post-call"
ENDPOINT_URL = "api.prod.bland.ai"
MAX_DURATION = 30
USD_PER_MINUTE = 0.09
AGENT_NUMBERS = ("+14155550134", "+12125550187", "+13125550112")
AUTH_FAILURE = {"data": None, "errors": [{"error": "AUTH_FAILURE", "message": "Unauthorized"}]}

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sandbox.voicesync.invalid/bland")
USER_ID = str(uuid.uuid5(NAMESPACE, "org"))
INBOUND_PATHWAY_ID = str(uuid.uuid5(NAMESPACE, "pathway-inbound"))
INBOUND_PUBLISHED = "2025-01-01T09:00:00.000Z"

ENDED = ("completed", "failed", "no_answer")
STATUS = {"completed": "completed", "failed": "failed", "no_answer": "no-answer"}
QUEUE_STATUS = {
    "queued": "queued",
    "in_progress": "started",
    "completed": "complete",
    "failed": "call_error",
    "no_answer": "complete",
}
FAILED_MESSAGE = "Call failed to connect"

_SECOND = 1_000_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# -- ids ------------------------------------------------------------------------------------------

_ID_CODE = {"calls": "ca11", "campaigns": "ba7c", "contacts": "c0c7"}
_ENTITY_OF_PREFIX = {prefix: entity for entity, prefix in ID_PREFIX.items()}
_ID_TAIL = "0000-5a4d-4b1a-8000-"
_ID_SHAPE = re.compile(r"^([0-9a-f]{4})" + _ID_TAIL + r"([0-9a-f]{12})$")


def public_id(store_id: str) -> str:
    """The UUID Bland shows for a store id: a fixed layout (version 4 bits, RFC 4122 variant) with
    the entity's code in front and the store number in hex at the end, so it maps back directly."""
    entity = _ENTITY_OF_PREFIX[store_id.split("_", 1)[0]]
    return f"{_ID_CODE[entity]}{_ID_TAIL}{store_number(store_id):012x}"


def store_id(entity: str, bland_id: str) -> str | None:
    """The store id of ``entity`` that ``bland_id`` stands for; ``None`` for any other id."""
    match = _ID_SHAPE.match(bland_id.lower())
    if match is None or match[1] != _ID_CODE[entity]:
        return None
    return record_id(entity, int(match[2], 16))


# -- times ----------------------------------------------------------------------------------------


def _micro(canonical_time: str) -> str:
    """A canonical store time as Bland writes ``created_at``: microseconds and ``+00:00``."""
    return canonical_time[:26] + "+00:00"


def _millis(us: int) -> str:
    return iso(us)[:23] + "Z"


def _second_up(us: int) -> int:
    return -(-us // _SECOND) * _SECOND


def _moment(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


# -- calls as Bland shows them --------------------------------------------------------------------


def _contact(platform: PlatformSandbox, record: Record) -> Record | None:
    return platform.store.get("contacts", record["contact_id"]) if record["contact_id"] else None


def _customer_number(record: Record, contact: Record | None) -> str:
    """The customer's E.164 number; a fixed stand-in once the contact is gone."""
    if contact is not None:
        return str(contact["phone"])
    return f"+1555{store_number(record['contact_id'] or record['id']) % 10_000_000:07d}"


def _numbers(record: Record, contact: Record | None) -> tuple[str, str]:
    """``to`` and ``from`` as shown: every 5th call writes the customer's number without ``+``."""
    number = store_number(record["id"])
    customer = _customer_number(record, contact)
    shown = customer.removeprefix("+") if number % 5 == 0 else customer
    agent = pick(AGENT_NUMBERS, store_number(record["campaign_id"]) if record["campaign_id"] else number)
    return (agent, shown) if record["direction"] == "inbound" else (shown, agent)


def _ended(record: Record) -> bool:
    return record["status"] in ENDED


def _seconds(record: Record) -> int:
    """How long the call lasted; a live call has no length yet."""
    return int(record["duration_seconds"]) if _ended(record) else 0


def _answered_by(record: Record) -> str | None:
    if record["status"] == "completed":
        return "human"
    if record["status"] == "no_answer":
        return "voicemail" if store_number(record["id"]) % 4 == 0 else "no-answer"
    return None


def listed_call(record: Record, contact: Record | None) -> dict[str, Any]:
    """A store call as one item of ``GET /v1/calls``: the fields the docs' list example shows."""
    to, from_ = _numbers(record, contact)
    return {
        "call_id": public_id(record["id"]),
        "created_at": _micro(record["created_at"]),
        "call_length": _seconds(record) / 60,
        "to": to,
        "from": from_,
        "completed": _ended(record),
        "queue_status": QUEUE_STATUS[record["status"]],
        "error_message": FAILED_MESSAGE if record["status"] == "failed" else None,
        "answered_by": _answered_by(record),
        "batch_id": public_id(record["campaign_id"]) if record["campaign_id"] else None,
    }


def _span(record: Record) -> tuple[int | None, int | None]:
    """When the call connected (to the second, rounded up) and, once ended, when it ended."""
    started = _second_up(parse(record["started_at"])) if record["started_at"] else None
    if not _ended(record):
        return started, None
    if started is None:
        return None, _second_up(parse(record["updated_at"]))
    return started, started + _seconds(record) * _SECOND


def _e164(number: str) -> str:
    return number if number.startswith("+") else "+" + number


def _short(number: str) -> str:
    """A number as Bland's ``short_*`` variables write it: national, for North America."""
    full = _e164(number)
    return full.removeprefix("+1") if full.startswith("+1") else full[1:]


def _variables(call_id: str, to: str, from_: str, customer: str, at_us: int) -> dict[str, Any]:
    """The system variables Bland sets when a call starts (``now`` as JavaScript writes a Date)."""
    moment = _moment(at_us)
    return {
        "now": moment.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)"),
        "now_utc": moment.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "short_from": _short(from_),
        "short_to": _short(to),
        "from": _e164(from_),
        "to": _e164(to),
        "call_id": call_id,
        "phone_number": customer,
    }


def _ended_by(record: Record) -> str:
    return "USER" if store_number(record["id"]) % 3 == 0 else "ASSISTANT"


def _lines(record: Record, contact: Record | None) -> list[tuple[str, str]]:
    """A completed call's conversation as ``(speaker, text)``."""
    said = conversation(record, contact, "Blandie")
    lines = [("user", "Hello?"), *(("assistant" if who == "agent" else who, text) for who, text in said)]
    if _ended_by(record) == "ASSISTANT":
        lines.append(("agent-action", f"Ended call: {GOODBYE}"))
    return lines


def _transcripts(record: Record, lines: list[tuple[str, str]], call_id: str, started: int) -> list[dict[str, Any]]:
    """Transcript items spread over the call; ids are integers, as in every example."""
    step = record["duration_seconds"] * _SECOND // (len(lines) + 1)
    return [
        {
            "id": store_number(record["id"]) * 100 + index,
            "created_at": _micro(iso(started + (index + 1) * step)),
            "text": text,
            "user": speaker,
            "c_id": call_id,
            "status": None,
            "transcript_id": None,
        }
        for index, (speaker, text) in enumerate(lines)
    ]


def _conversation(record: Record, contact: Record | None, call_id: str, started: int | None) -> dict[str, Any]:
    """A completed call's transcript, item by item and as one text (without the agent's actions)."""
    if record["status"] != "completed" or started is None:
        return {"concatenated_transcript": "", "transcripts": []}
    lines = _lines(record, contact)
    return {
        "concatenated_transcript": " \n ".join(f"{who}: {text}" for who, text in lines if who != "agent-action"),
        "transcripts": _transcripts(record, lines, call_id, started),
    }


def _analysis(record: Record) -> dict[str, Any] | None:
    if record["status"] != "completed":
        return None
    summary = record["summary"] or ""
    return {
        "interested": not summary.startswith(("Not interested", "Requested to be removed")),
        "callback_requested": "call back" in summary.lower(),
    }


def call(platform: PlatformSandbox, record: Record) -> dict[str, Any]:
    """A store call as Bland's call details object (also the post-call webhook's body)."""
    contact = _contact(platform, record)
    listed = listed_call(record, contact)
    call_id, to, from_ = listed["call_id"], listed["to"], listed["from"]
    customer = _customer_number(record, contact)
    started, ended = _span(record)
    completed = record["status"] == "completed"
    duration = _seconds(record)
    body: dict[str, Any] = {
        **listed,
        "c_id": call_id,
        "corrected_duration": str(duration),
        "request_data": {} if record["direction"] == "inbound" else {"phone_number": to, "wait": False},
        "inbound": record["direction"] == "inbound",
        "endpoint_url": ENDPOINT_URL,
        "max_duration": MAX_DURATION,
        "variables": _variables(call_id, to, from_, customer, started or parse(record["created_at"])),
        "record": record["recording_url"] is not None,
        "recording_url": record["recording_url"],
        "metadata": {},
        "summary": record["summary"] if completed else None,
        "price": round(duration / 60 * USD_PER_MINUTE, 4) if completed else 0.0,
        "local_dialing": False,
        "pathway_id": _pathway_id(record),
        "pathway_logs": None,
        "pathway_version": 1,
        "analysis": _analysis(record),
        **_conversation(record, contact, call_id, started),
    }
    if started is not None:
        body["started_at"] = iso(started)[:19] + "+00:00"
    if ended is not None:
        body.update(status=STATUS[record["status"]], end_at=_millis(ended))
    if completed:
        body["call_ended_by"] = _ended_by(record)
    return body


def _pathway_id(record: Record) -> str:
    """The pathway a call ran: its batch's, or the inbound number's."""
    if record["campaign_id"]:
        return _batch_pathway_id(record["campaign_id"])
    return INBOUND_PATHWAY_ID


def _batch_pathway_id(campaign_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "pathway-" + campaign_id))


def pathways(platform: PlatformSandbox) -> list[dict[str, Any]]:
    """Every pathway as ``GET /v1/pathway`` lists it, newest first."""
    inbound = {"id": INBOUND_PATHWAY_ID, "name": "Inbound line", "published_at": INBOUND_PUBLISHED}
    listed = [inbound] + [
        {
            "id": _batch_pathway_id(record["id"]),
            "name": f"{record['name']} pathway",
            "published_at": _millis(parse(record["created_at"])),
        }
        for record in everything(platform, "campaigns")
    ]
    listed.sort(key=lambda pathway: (pathway["published_at"], pathway["id"]), reverse=True)
    return [{**pathway, "description": None, "production_version_number": 1} for pathway in listed]


# -- batches --------------------------------------------------------------------------------------


def batch(record: Record, phones: Iterable[str]) -> dict[str, Any]:
    """A store campaign as a v2 batch; ``phones`` are its calls' numbers (the preview's)."""
    prompt = {"record": True, "task": f"Call about {record['name']}. Be brief and friendly."}
    return {
        "id": public_id(record["id"]),
        "user_id": USER_ID,
        "base_prompt": json.dumps(prompt, separators=(",", ":")),
        "created_at": _millis(parse(record["created_at"])),
        "call_objects": [{"phone_number": phone} for phone in phones],
        "description": record["name"],
    }


def _previews(platform: PlatformSandbox, campaign_ids: Iterable[str]) -> dict[str, list[str]]:
    """Up to ``PREVIEW_CAP`` distinct numbers each campaign called, in call order; one pass."""
    previews: dict[str, dict[str, None]] = {campaign_id: {} for campaign_id in campaign_ids}
    for record in everything(platform, "calls"):
        numbers = previews.get(record["campaign_id"])
        if numbers is not None and len(numbers) < PREVIEW_CAP:
            numbers[_customer_number(record, _contact(platform, record))] = None
    return {campaign_id: list(numbers) for campaign_id, numbers in previews.items()}


def render(platform: PlatformSandbox, entity: str, record: Record) -> dict[str, Any] | None:
    if entity == "calls":
        return call(platform, record)
    if entity == "campaigns":
        return batch(record, _previews(platform, [record["id"]])[record["id"]])
    return None


# -- webhooks -------------------------------------------------------------------------------------


def messages(platform: PlatformSandbox, change: Change) -> list[dict[str, Any]]:
    """The post-call webhook, for a call change that leaves the call ended."""
    if change.type.startswith("call.") and _ended(change.record):
        return [call(platform, change.record)]
    return []


def message_type(body: Mapping[str, Any]) -> str:
    return MESSAGE_TYPE


def credential(given: Credential | None) -> Credential:
    """The account's signing secret (random unless given); Bland signs one way, in one header."""
    given = given or Credential()
    if given.kind not in (None, KIND):
        raise ValueError(f"Bland signs webhooks by {KIND} only, not {given.kind!r}")
    if given.header not in (None, SIGNATURE_HEADER):
        raise ValueError(f"Bland signs webhooks in {SIGNATURE_HEADER} only, not {given.header!r}")
    return Credential(KIND, given.secret or secrets.token_urlsafe(32), SIGNATURE_HEADER)


def settings(platform: PlatformSandbox) -> dict[str, str]:
    return {"BLAND_WEBHOOK_SECRET": str(platform.webhook_credential.secret)}


def signature(secret: str, payload: bytes) -> str:
    """Hex HMAC-SHA256 of the body bytes: no timestamp, no prefix, as the docs show."""
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def sign(platform: PlatformSandbox, msg_id: str, payload: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature(str(platform.webhook_credential.secret), payload)}


# -- errors ---------------------------------------------------------------------------------------

_CODES = {"server_error": "INTERNAL_SERVER_ERROR", "rate_limited": "RATE_LIMIT_EXCEEDED"}


def error(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Response:
    """Bland's v2 envelope under ``/v2`` (and for every 401, as the docs show it), else v1's."""
    problems = [f"{name} {problem}" for name, problem in (fields or {}).items()]
    message = "Rate limit exceeded" if status == 429 else message
    body: dict[str, Any]
    if status == 401:
        body = AUTH_FAILURE
    elif request.path == "/v2" or request.path.startswith("/v2/"):
        listed = [{"error": "invalid_parameter", "message": problem} for problem in problems]
        body = {"data": None, "errors": listed or [{"error": _CODES.get(code, code.upper()), "message": message}]}
    else:
        body = {"status": "error", "message": message, **({"errors": problems} if problems else {})}
    return json_response(body, status, dict(headers or {}))


# -- queries --------------------------------------------------------------------------------------


class _Query:
    """A request's query parameters read with Bland's types; every bad one is kept for one 400."""

    def __init__(self, args: MultiDict[str, str]) -> None:
        self.args = args
        self.problems: dict[str, str] = {}

    def integer(self, name: str, default: int | None, low: int, high: int | None = None) -> int | None:
        text = self.args.get(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            self.problems[name] = f"must be an integer from {low}" + (f" to {high}" if high is not None else "")
            return default
        return value

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        text = self.args.get(name)
        if text is None:
            return default
        if text.lower() not in ("true", "false"):
            self.problems[name] = "must be true or false"
            return default
        return text.lower() == "true"

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        value = self.args.get(name, options[0])
        if value not in options:
            self.problems[name] = f"must be one of {', '.join(options)}"
            return options[0]
        return value

    def bound(self, name: str, end: bool) -> str | None:
        """An inclusive canonical time bound: a date's first (or, for ``end``, last) microsecond, or
        an ISO 8601 datetime with an offset."""
        text = self.args.get(name)
        if text is None:
            return None
        try:
            if _DATE.match(text):
                day = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
                first = parse(day.isoformat())
                return iso(first + 86_400 * _SECOND - 1) if end else iso(first)
            # An unencoded "+05:00" in a query string arrives as " 05:00".
            return canonical(text.replace(" ", "+"))
        except ValueError:
            self.problems[name] = "must be a date (YYYY-MM-DD) or an ISO 8601 datetime with an offset"
            return None

    def checked(self) -> None:
        if self.problems:
            abort(error(400, "bad_request", "Invalid parameters", fields=self.problems))


def _call_filter(query: _Query) -> Callable[[Record], bool]:
    """Whether a call passes the filters of ``GET /v1/calls`` (bad ones kept in ``query``)."""
    completed, inbound = query.boolean("completed"), query.boolean("inbound")
    start, end = query.bound("start_date", end=False), query.bound("end_date", end=True)
    batch_id = query.args.get("batch_id")
    campaign_id = store_id("campaigns", batch_id) if batch_id is not None else None

    def keep(record: Record) -> bool:
        return (
            (completed is None or _ended(record) is completed)
            and (inbound is None or (record["direction"] == "inbound") is inbound)
            and (start is None or record["created_at"] >= start)
            and (end is None or record["created_at"] <= end)
            and (batch_id is None or (campaign_id is not None and record["campaign_id"] == campaign_id))
        )

    return keep


def _call_window(query: _Query) -> Callable[[list[Record]], list[Record]]:
    """Sorts, then takes the ``from``..``to`` index window, then at most ``limit``."""
    first = query.integer("from", 0, 0) or 0
    stop = query.integer("to", None, first)
    limit = query.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT) or DEFAULT_LIMIT
    ascending = query.boolean("ascending", False)
    sort_by = query.choice("sort_by", ("created_at", "updated_at"))

    def window(calls: list[Record]) -> list[Record]:
        ordered = sorted(calls, key=lambda record: (record[sort_by], record["id"]), reverse=not ascending)
        return ordered[first:stop][:limit]

    return window


# -- routes ---------------------------------------------------------------------------------------


def register(app: Flask, platform: PlatformSandbox) -> None:
    def found(entity: str, bland_id: str, message: str) -> Record:
        sid = store_id(entity, bland_id)
        record = platform.store.get(entity, sid) if sid else None
        if record is None:
            raise NotFoundError(message)
        return record

    @app.get("/v1/calls", endpoint="GET /v1/calls")
    def list_calls() -> Response:
        query = _Query(request.args)
        keep, window = _call_filter(query), _call_window(query)
        query.checked()
        selected = [record for record in everything(platform, "calls") if keep(record)]
        shown = window(selected)
        calls = [listed_call(record, _contact(platform, record)) for record in shown]
        return json_response({"total_count": len(selected), "count": len(calls), "calls": calls})

    @app.get("/v1/calls/<call_id>", endpoint="GET /v1/calls/<id>")
    def read_call(call_id: str) -> Response:
        return json_response(call(platform, found("calls", call_id, "Call not found")))

    @app.get("/v1/pathway", endpoint="GET /v1/pathway")
    def list_pathways() -> Response:
        return json_response(pathways(platform))

    @app.get("/v2/batches/list", endpoint="GET /v2/batches/list")
    def list_batches() -> Response:
        query = _Query(request.args)
        take = query.integer("take", DEFAULT_TAKE, 1, MAX_TAKE) or DEFAULT_TAKE
        skip = query.integer("skip", 0, 0) or 0
        query.checked()
        shown = everything(platform, "campaigns")[skip : skip + take]
        previews = _previews(platform, (record["id"] for record in shown))
        return json_response({"data": [batch(record, previews[record["id"]]) for record in shown], "errors": None})

    @app.get("/v2/batches/<batch_id>", endpoint="GET /v2/batches/<id>")
    def read_batch(batch_id: str) -> Response:
        record = found("campaigns", batch_id, "Batch not found")
        return json_response({"data": render(platform, "campaigns", record), "errors": None})

    @app.post("/_sandbox/calls/<record_id>/message")
    def control_message(record_id: str) -> Response:
        record = platform.store.get("calls", record_id)
        if record is None:
            raise NotFoundError(f"no call {record_id}")
        if not _ended(record):
            abort(error(400, "bad_request", f"call {record_id} has not ended: Bland sends its webhook at the end"))
        return control_answer(record, platform.sender.send(call(platform, record)))
