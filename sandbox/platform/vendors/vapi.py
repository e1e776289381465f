"""Vapi's API and server messages, served from the sandbox's store; shapes from ``vapi-server-sdk`` 3.0.

What is emulated, and the choices made where no source says:

- ``GET /call``: a bare JSON array, newest ``createdAt`` first (ties: id, descending), filtered by
  ``createdAt|updatedAt`` ``Gt|Lt|Ge|Le``, ``id``, ``assistantId``, ``phoneNumberId``; ``limit``
  1..1000 (default 100, else 400). No cursor: clients page by moving a ``createdAtLt`` window.
  ``GET /call/{id}``.
- ``GET /campaign?page&limit&sortOrder&sortBy`` (+ the same time filters): ``{"results",
  "metadata"}`` (CampaignPaginatedResponse). The SDK documents the defaults, page 1, limit 100,
  ``sortOrder=DESC``, ``sortBy=createdAt``; ``sortBy=updatedAt`` also works, the SDK's
  ``duration|cost`` mean nothing for a campaign and answer 400. ``GET /campaign/{id}``.
- ``GET /assistant?limit`` (1..1000, default 100): the org's three assistants (Assistant:
  ``id``, ``orgId``, ``name``, ``createdAt``, ``updatedAt``), newest first; every call and
  campaign names one of them.
- No contacts: Vapi has no such resource. The store's contacts are the people calls name, as the
  call's ``customer`` (``name`` left out for every 7th contact, ``externalId`` = the store id for
  two contacts in three, as a Vapi user may or may not set them). It is the contact as it is now,
  not a snapshot from the time of the call.
- Ids: the store's ids (``cl_00000001``) shown as stable uuid5s (:func:`vapi_id`, back with
  :func:`store_id`); one org, a few assistants and phone numbers.
- Times: ISO 8601 in milliseconds with ``Z``; the filters compare those millisecond values.
- Status: queued → ``queued``, in_progress → ``in-progress``, completed/failed/no_answer →
  ``ended`` with an ``endedReason`` from the SDK's list. Campaigns: draft → ``scheduled``,
  active and paused → ``in-progress`` (Vapi has no pause), completed → ``ended``.
- Errors: Vapi is a NestJS app and no source shows its error body, so NestJS's default:
  ``{"message", "error": <reason phrase>, "statusCode"}``; ``message`` is a list of strings for
  bad parameters, as NestJS's ValidationPipe answers.
- Server messages ``{"message": {...}}``: a call change sends a ``status-update``; a completed call
  also an ``end-of-call-report`` after it. Campaign and contact changes send nothing (Vapi has no
  such messages). A failed delivery is not retried (Vapi's default). Credentials: ``bearer``
  (``Authorization: Bearer <secret>``, or the bare secret in another header such as the older
  ``X-Vapi-Secret``) or ``hmac`` (``x-signature``: hex HMAC-SHA256 of ``"{x-timestamp}.{body}"``,
  ``x-timestamp`` in Unix milliseconds).
- ``POST /_sandbox/calls/<store id>/message {"type": ...}`` sends one message about a call now:
  ``speech-update`` or ``conversation-update`` (which voicesync must answer 2xx and ignore), or a
  fresh ``status-update`` / ``end-of-call-report`` (a duplicate).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import http
import math
import operator
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, request
from werkzeug.datastructures import MultiDict

from sandbox.platform.app import control_answer, json_body, json_response
from sandbox.platform.clock import canonical, iso, parse
from sandbox.platform.schema import ID_PREFIX, NotFoundError, ValidationError, record_id
from sandbox.platform.vendors._shared import Check, conversation, everything, matching, now_ms, pick, store_number
from sandbox.platform.webhooks import Credential

if TYPE_CHECKING:
    from sandbox.platform.service import PlatformSandbox
    from sandbox.platform.store import Change, Record

PATHS = ("/call", "/campaign", "/assistant")
KEY_SCHEME = "Bearer"
RETRY_SCHEDULE: tuple[float, ...] = ()
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SAMPLE_CAP = 50
"""A campaign's ``customers`` and ``calls`` hold at most this many (its first calls')."""

KINDS = ("bearer", "hmac")
DEFAULT_HEADER = {"bearer": "Authorization", "hmac": "x-signature"}
TIMESTAMP_HEADER = "x-timestamp"

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sandbox.voicesync.invalid/vapi")
ORG_ID = str(uuid.uuid5(NAMESPACE, "org"))
ASSISTANT_IDS = tuple(str(uuid.uuid5(NAMESPACE, f"assistant-{n}")) for n in (1, 2, 3))
ASSISTANT_NAMES = ("Riley", "Morgan", "Avery")
ASSISTANTS_CREATED = "2025-01-0{n}T09:00:00.000Z"
PHONE_NUMBER_IDS = tuple(str(uuid.uuid5(NAMESPACE, f"phone-number-{n}")) for n in (1, 2))

CALL_STATUS = {
    "queued": "queued",
    "in_progress": "in-progress",
    "completed": "ended",
    "failed": "ended",
    "no_answer": "ended",
}
CAMPAIGN_STATUS = {"draft": "scheduled", "active": "in-progress", "paused": "in-progress", "completed": "ended"}
_NEGATIVE_SUMMARIES = ("Not interested at this time.", "Requested to be removed from the list.", "Left a voicemail.")
_USD_PER_MINUTE = {"transport": 0.01, "stt": 0.01, "llm": 0.02, "tts": 0.036, "vapi": 0.05}


# -- ids ------------------------------------------------------------------------------------------

_store_ids: dict[int, str] = {}
_mapped_through: dict[str, int] = {}
_ids_lock = threading.Lock()


def vapi_id(store_id: str) -> str:
    """The uuid Vapi shows for a store id: uuid5, the same in every sandbox and run."""
    vid = uuid.uuid5(NAMESPACE, store_id)
    _store_ids[vid.int] = store_id
    return str(vid)


def store_id(platform: PlatformSandbox, entity: str, vid: str) -> str | None:
    """The store id of ``entity`` that ``vid`` stands for, ``None`` when there is none.

    uuid5 cannot be inverted, so every id handed out is remembered; one never handed out in this
    process (a client's from an earlier run) is found by mapping every id the store has issued.
    """
    try:
        key = uuid.UUID(vid).int
    except ValueError:
        return None
    if key not in _store_ids:
        _map_issued(platform, entity)
    found = _store_ids.get(key)
    return found if found is not None and found.startswith(ID_PREFIX[entity] + "_") else None


def _map_issued(platform: PlatformSandbox, entity: str) -> None:
    """Map every id up to the newest live one (ids are issued in order, deleted ones included)."""
    total = platform.store.page(entity, 1, 1).total
    if not total:
        return
    newest = store_number(platform.store.page(entity, total, 1).records[0]["id"])
    with _ids_lock:
        for number in range(_mapped_through.get(entity, 0) + 1, newest + 1):
            vapi_id(record_id(entity, number))
        _mapped_through[entity] = max(newest, _mapped_through.get(entity, 0))


public_id = vapi_id


# -- records as Vapi shows them -------------------------------------------------------------------


def _ms(canonical_time: str) -> str:
    """A canonical store time (microseconds) as Vapi writes it: milliseconds and ``Z``."""
    return canonical_time[:23] + "Z"


def customer(contact: Record) -> dict[str, Any]:
    """A contact as a Vapi customer (CreateCustomerDto)."""
    number = store_number(contact["id"])
    dto: dict[str, Any] = {"number": contact["phone"]}
    name = " ".join(part for part in (contact["first_name"], contact["last_name"]) if part)
    if name and number % 7:
        dto["name"] = name
    if contact["email"]:
        dto["email"] = contact["email"]
    if number % 3:
        dto["externalId"] = contact["id"]
    return dto


def assistants() -> list[dict[str, Any]]:
    """The org's assistants as Vapi lists them (Assistant), newest first."""
    listed = [
        {
            "id": vid,
            "orgId": ORG_ID,
            "name": name,
            "createdAt": ASSISTANTS_CREATED.format(n=n),
            "updatedAt": ASSISTANTS_CREATED.format(n=n),
        }
        for n, (vid, name) in enumerate(zip(ASSISTANT_IDS, ASSISTANT_NAMES, strict=True), 1)
    ]
    return listed[::-1]


def _line(number: int) -> tuple[str, str]:
    """The assistant and phone number of campaign ``number`` (or of inbound call ``number``)."""
    return pick(ASSISTANT_IDS, number), pick(PHONE_NUMBER_IDS, number)


def _line_of(record: Record) -> tuple[str, str]:
    """A call's assistant and phone number: its campaign's, or by its own number if inbound."""
    return _line(store_number(record["campaign_id"] or record["id"]))


def _ended_reason(record: Record) -> str | None:
    number = store_number(record["id"])
    status = record["status"]
    if status == "completed":
        return pick(("customer-ended-call", "assistant-ended-call"), number)
    if status == "no_answer":
        return "voicemail" if number % 4 == 0 else "customer-did-not-answer"
    if status == "failed":
        return "twilio-failed-to-connect-call"
    return None


def _costs(seconds: int) -> tuple[float, dict[str, float]]:
    """The call's cost and its breakdown, from fixed per-minute prices; parts add up to the total."""
    micro = {part: round(seconds * rate * 1_000_000 / 60) for part, rate in _USD_PER_MINUTE.items()}
    total = sum(micro.values()) / 1_000_000
    breakdown: dict[str, float] = {part: value / 1_000_000 for part, value in micro.items()}
    breakdown.update(
        total=total,
        llmPromptTokens=float(seconds * 12),
        llmCompletionTokens=float(seconds * 3),
        ttsCharacters=float(seconds * 14),
    )
    return total, breakdown


def _transcript(record: Record, contact: Record | None) -> str:
    """The conversation as Vapi writes it: ``AI: ...`` and ``User: ...`` lines."""
    speaker = {"agent": "AI", "user": "User"}
    return "\n".join(f"{speaker[who]}: {text}" for who, text in conversation(record, contact, "Riley"))


def _analysis(record: Record) -> dict[str, Any]:
    if record["status"] != "completed":
        return {}
    summary = record["summary"]
    success = summary not in _NEGATIVE_SUMMARIES
    analysis: dict[str, Any] = {
        "successEvaluation": "true" if success else "false",
        "structuredData": {
            "interested": success,
            "callbackRequested": "call back" in (summary or "").lower(),
            "durationSeconds": record["duration_seconds"],
        },
    }
    if summary:
        analysis["summary"] = summary
    return analysis


def call(platform: PlatformSandbox, record: Record) -> dict[str, Any]:
    """A store call as a Vapi Call."""
    status = CALL_STATUS[record["status"]]
    assistant, phone_number = _line_of(record)
    body: dict[str, Any] = {
        "id": vapi_id(record["id"]),
        "orgId": ORG_ID,
        "createdAt": _ms(record["created_at"]),
        "updatedAt": _ms(record["updated_at"]),
        "type": "inboundPhoneCall" if record["direction"] == "inbound" else "outboundPhoneCall",
        "status": status,
        "assistantId": assistant,
        "phoneNumberId": phone_number,
    }
    if record["campaign_id"]:
        body["campaignId"] = vapi_id(record["campaign_id"])
    contact = platform.store.get("contacts", record["contact_id"]) if record["contact_id"] else None
    if contact is not None:
        body["customer"] = customer(contact)
    started = record["started_at"]
    if started:
        body["startedAt"] = _ms(started)
    cost, breakdown = _costs(record["duration_seconds"] if status == "ended" else 0)
    body["cost"] = cost
    if status == "ended":
        ended_us = parse(started) + record["duration_seconds"] * 1_000_000 if started else parse(record["updated_at"])
        artifact: dict[str, Any] = {}
        if record["status"] == "completed":
            artifact["transcript"] = _transcript(record, contact)
        if record["recording_url"]:
            artifact["recordingUrl"] = record["recording_url"]
        body.update(
            endedAt=_ms(iso(ended_us)),
            endedReason=_ended_reason(record),
            costBreakdown=breakdown,
            artifact=artifact,
            analysis=_analysis(record),
        )
    return body


COUNTERS = {
    "scheduled": "callsCounterScheduled",
    "queued": "callsCounterQueued",
    "in-progress": "callsCounterInProgress",
    "voicemail": "callsCounterEndedVoicemail",
    "ended": "callsCounterEnded",
}
"""Campaign counter by call status (and ``voicemail``, the ended reason); none is ever scheduled."""


@dataclass
class _Tally:
    """What a campaign shows of its calls."""

    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS.values(), 0))
    calls: dict[str, Any] = field(default_factory=dict)
    contact_ids: dict[str, None] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        status = CALL_STATUS[record["status"]]
        self.counters[COUNTERS[status]] += 1
        if _ended_reason(record) == "voicemail":
            self.counters[COUNTERS["voicemail"]] += 1
        if len(self.calls) < SAMPLE_CAP:
            self.calls[vapi_id(record["id"])] = {"status": status}
        if len(self.contact_ids) < SAMPLE_CAP and record["contact_id"]:
            self.contact_ids[record["contact_id"]] = None


def _tallies(platform: PlatformSandbox, campaign_ids: Iterable[str]) -> dict[str, _Tally]:
    """One pass over the calls, for every campaign named."""
    tallies = {campaign_id: _Tally() for campaign_id in campaign_ids}
    for record in everything(platform, "calls"):
        tally = tallies.get(record["campaign_id"])
        if tally is not None:
            tally.add(record)
    return tallies


def campaign(platform: PlatformSandbox, record: Record, tally: _Tally) -> dict[str, Any]:
    """A store campaign as a Vapi Campaign."""
    assistant, phone_number = _line(store_number(record["id"]))
    contacts = (platform.store.get("contacts", contact_id) for contact_id in tally.contact_ids)
    body: dict[str, Any] = {
        "id": vapi_id(record["id"]),
        "orgId": ORG_ID,
        "createdAt": _ms(record["created_at"]),
        "updatedAt": _ms(record["updated_at"]),
        "name": record["name"],
        "status": CAMPAIGN_STATUS[record["status"]],
        "assistantId": assistant,
        "phoneNumberId": phone_number,
        "customers": [customer(contact) for contact in contacts if contact is not None],
        "calls": tally.calls,
        **tally.counters,
    }
    if record["status"] == "completed":
        body["endedReason"] = "campaign.ended.success"
    return body


def render(platform: PlatformSandbox, entity: str, record: Record) -> dict[str, Any] | None:
    if entity == "calls":
        return call(platform, record)
    if entity == "campaigns":
        return campaign(platform, record, _tallies(platform, [record["id"]])[record["id"]])
    return None


# -- server messages ------------------------------------------------------------------------------

IGNORABLE = ("speech-update", "conversation-update")
MESSAGE_TYPES = ("status-update", "end-of-call-report", *IGNORABLE)


def call_message(platform: PlatformSandbox, record: Record, type_: str) -> dict[str, Any]:
    """One server message (``{"message": {...}}``) of ``type_`` about a call as it is now."""
    vapi_call = call(platform, record)
    message: dict[str, Any] = {"type": type_, "timestamp": now_ms()}
    if type_ == "status-update":
        message["status"] = vapi_call["status"]
        if "endedReason" in vapi_call:
            message["endedReason"] = vapi_call["endedReason"]
    elif type_ == "end-of-call-report":
        if "endedReason" not in vapi_call:
            raise ValidationError({"type": "an end-of-call-report needs a call that has ended"})
        keys = ("endedReason", "artifact", "analysis", "customer", "startedAt", "endedAt", "cost")
        message.update((key, vapi_call[key]) for key in keys if key in vapi_call)
    elif type_ == "speech-update":
        message.update(status="started", role="user", turn=0)
    elif type_ == "conversation-update":
        lines = _transcript(record, None).splitlines()
        message["messagesOpenAIFormatted"] = [
            {"role": "assistant" if line.startswith("AI:") else "user", "content": line.split(": ", 1)[1]}
            for line in lines[:2]
        ]
    else:
        raise ValidationError({"type": f"must be one of {', '.join(MESSAGE_TYPES)}"})
    message["call"] = vapi_call
    return {"message": message}


def messages(platform: PlatformSandbox, change: Change) -> list[dict[str, Any]]:
    if not change.type.startswith("call."):
        return []
    types = ["status-update"] + (["end-of-call-report"] if change.type == "call.completed" else [])
    return [call_message(platform, change.record, type_) for type_ in types]


def message_type(body: Mapping[str, Any]) -> str:
    return str(body["message"]["type"])


def credential(given: Credential | None) -> Credential:
    """``bearer`` unless told otherwise; a random secret; the kind's usual header."""
    given = given or Credential()
    kind = given.kind or "bearer"
    if kind not in KINDS:
        raise ValueError(f"Vapi authenticates server messages by {' or '.join(KINDS)}, not {kind!r}")
    return Credential(kind, given.secret or secrets.token_urlsafe(32), given.header or DEFAULT_HEADER[kind])


def settings(platform: PlatformSandbox) -> dict[str, str]:
    credential = platform.webhook_credential
    values = {"VAPI_WEBHOOK_SECRET": str(credential.secret), "VAPI_WEBHOOK_AUTH": str(credential.kind)}
    if credential.header != DEFAULT_HEADER[str(credential.kind)]:
        values["VAPI_WEBHOOK_HEADER"] = str(credential.header)
    return values


def hmac_signature(secret: str, timestamp: str, payload: bytes) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}.{raw body}"``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()


def sign(platform: PlatformSandbox, msg_id: str, payload: bytes) -> dict[str, str]:
    credential = platform.webhook_credential
    secret, header = str(credential.secret), str(credential.header)
    if credential.kind == "hmac":
        timestamp = str(now_ms())
        return {header: hmac_signature(secret, timestamp, payload), TIMESTAMP_HEADER: timestamp}
    return {header: f"Bearer {secret}" if header.lower() == "authorization" else secret}


# -- errors ---------------------------------------------------------------------------------------


def error(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Response:
    """NestJS's default error body; ``code`` has no place in it."""
    text: str | list[str] = [f"{name} {problem}" for name, problem in fields.items()] if fields else message
    body = {"message": text, "error": http.HTTPStatus(status).phrase, "statusCode": status}
    return json_response(body, status, dict(headers or {}))


def _bad_request(problems: Mapping[str, str]) -> None:
    if problems:
        abort(error(400, "bad_request", "", fields=problems))


# -- queries --------------------------------------------------------------------------------------

_BOUNDS: dict[str, Callable[[str, str], bool]] = {
    "Gt": operator.gt,
    "Lt": operator.lt,
    "Ge": operator.ge,
    "Le": operator.le,
}
_TIME_FIELDS = {"createdAt": "created_at", "updatedAt": "updated_at"}


def _integer(args: MultiDict[str, str], name: str, default: int, maximum: int | None, problems: dict[str, str]) -> int:
    text = args.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value.is_integer() or value < 1 or (maximum is not None and value > maximum):
        problems[name] = "must be an integer from 1" + (f" to {maximum}" if maximum else "")
        return default
    return int(value)


def _time_check(store_field: str, compare: Callable[[str, str], bool], bound: str) -> Check:
    """Compares the millisecond time Vapi shows (as a canonical string, so strings compare as
    times) with a canonical ``bound``."""
    return lambda record: compare(record[store_field][:23] + "000Z", bound)


def _time_checks(args: MultiDict[str, str], problems: dict[str, str]) -> list[Check]:
    """The ``createdAtGt``... filters."""
    checks: list[Check] = []
    for name, store_field in _TIME_FIELDS.items():
        for suffix, compare in _BOUNDS.items():
            text = args.get(name + suffix)
            if text is None:
                continue
            try:
                # An unencoded "+00:00" in a query string arrives as " 00:00".
                checks.append(_time_check(store_field, compare, canonical(text.replace(" ", "+"))))
            except ValueError:
                problems[name + suffix] = "must be an ISO 8601 date string with an offset"
    return checks


def _equal(value_of: Callable[[Record], Any], wanted: Any) -> Check:
    return lambda record: value_of(record) == wanted


def _id_checks(platform: PlatformSandbox, entity: str, args: MultiDict[str, str]) -> list[Check]:
    """``id`` (both lists), ``assistantId`` and ``phoneNumberId`` (calls) filters."""
    checks = [_equal(operator.itemgetter("id"), store_id(platform, entity, args["id"]))] if "id" in args else []
    if entity == "calls":
        for position, name in enumerate(("assistantId", "phoneNumberId")):
            if name in args:
                checks.append(_equal(lambda record, p=position: _line_of(record)[p], args[name]))
    return checks


# -- routes ---------------------------------------------------------------------------------------


def register(app: Flask, platform: PlatformSandbox) -> None:
    def found(entity: str, vid: str) -> Record:
        sid = store_id(platform, entity, vid)
        record = platform.store.get(entity, sid) if sid else None
        if record is None:
            raise NotFoundError(f"{entity[:-1].capitalize()} not found")
        return record

    @app.get("/call", endpoint="GET /call")
    def list_calls() -> Response:
        problems: dict[str, str] = {}
        limit = _integer(request.args, "limit", DEFAULT_LIMIT, MAX_LIMIT, problems)
        checks = _time_checks(request.args, problems)
        _bad_request(problems)
        selected = matching(everything(platform, "calls"), checks + _id_checks(platform, "calls", request.args))
        newest = heapq.nlargest(limit, selected, key=lambda record: (record["created_at"][:23], record["id"]))
        return json_response([call(platform, record) for record in newest])

    @app.get("/call/<vid>", endpoint="GET /call/<id>")
    def read_call(vid: str) -> Response:
        return json_response(call(platform, found("calls", vid)))

    @app.get("/assistant", endpoint="GET /assistant")
    def list_assistants() -> Response:
        problems: dict[str, str] = {}
        limit = _integer(request.args, "limit", DEFAULT_LIMIT, MAX_LIMIT, problems)
        _bad_request(problems)
        return json_response(assistants()[:limit])

    @app.get("/campaign", endpoint="GET /campaign")
    def list_campaigns() -> Response:
        args = request.args
        problems: dict[str, str] = {}
        page = _integer(args, "page", 1, None, problems)
        limit = _integer(args, "limit", DEFAULT_LIMIT, MAX_LIMIT, problems)
        order = args.get("sortOrder", "DESC")
        if order not in ("ASC", "DESC"):
            problems["sortOrder"] = "must be one of ASC, DESC"
        sort_by = _TIME_FIELDS.get(args.get("sortBy", "createdAt"))
        if sort_by is None:
            problems["sortBy"] = "must be one of createdAt, updatedAt"
        checks = _time_checks(args, problems) + _id_checks(platform, "campaigns", args)
        _bad_request(problems)
        selected = matching(everything(platform, "campaigns"), checks)
        selected.sort(key=lambda record: (record[str(sort_by)][:23], record["id"]), reverse=order == "DESC")
        shown = selected[(page - 1) * limit : page * limit]
        tallies = _tallies(platform, (record["id"] for record in shown))
        metadata = {
            "itemsPerPage": limit,
            "totalItems": len(selected),
            "currentPage": page,
            "totalPages": math.ceil(len(selected) / limit),
            "sortOrder": order,
        }
        results = [campaign(platform, record, tallies[record["id"]]) for record in shown]
        return json_response({"results": results, "metadata": metadata})

    @app.get("/campaign/<vid>", endpoint="GET /campaign/<id>")
    def read_campaign(vid: str) -> Response:
        return json_response(render(platform, "campaigns", found("campaigns", vid)))

    @app.post("/_sandbox/calls/<record_id>/message")
    def control_message(record_id: str) -> Response:
        record = platform.store.get("calls", record_id)
        if record is None:
            raise NotFoundError(f"no call {record_id}")
        type_ = json_body(optional=True).get("type", "speech-update")
        return control_answer(record, platform.sender.send(call_message(platform, record, str(type_))))
