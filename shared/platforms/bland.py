"""Bland AI (``VOICE_PLATFORM=bland``): calls, batches as campaigns, and the people calls name.

Bland has no official Python SDK; shapes from its public API docs (the tests pin the emulator to
JSON Schemas of them; the README lists what no source confirms):

- The key is sent bare: ``authorization: <key>``, no ``Bearer``.
- ``GET /v1/calls``: an index window (``from``/``to``, ``limit`` at most 1000 — the docs give only
  the default, 1000), ``ascending`` by ``created_at``, so that a call made during a walk lands
  after it instead of shifting its pages; answers ``{"total_count", "count", "calls"}``, so the
  pages after the first are known and shared among the workers. Listed calls carry neither the
  direction nor the transcript: each listed call is read whole (``GET /v1/calls/{call_id}``).
- No ``updated_at``: an incremental run reads back ``VOICESYNC_LOOKBACK`` (``start_date``), which
  re-reads the calls not yet completed then. A call's instant is its end, else its start, else
  its creation.
- Campaigns are batches: ``GET /v2/batches/list`` (``skip``/``take``, ``{"data", "errors"}``) and
  ``GET /v2/batches/{id}``; a call names its batch by ``batch_id``. The v1 batch routes left the
  docs in 2025.
- A call names the pathway it ran (``pathway_id``); ``GET /v1/pathway`` lists every pathway
  (a bare array of ``{"id", "name", "description", ...}``, unpaged), read once for their names
  (:mod:`shared.platforms.assistants`).
- No contacts resource: a person is the call's other number (``to`` of an outbound call, ``from``
  of an inbound one), known by number (``tel-<digits>``). A number given without ``+`` (the docs
  show ``"to": "5551234567"``) is read as NANP when it has 10 digits, else as digits after ``+``.
- Webhooks: the post-call payload (the call details), ``X-Webhook-Signature`` = hex HMAC-SHA256 of
  the body with the signing secret (``BLAND_WEBHOOK_SECRET``, space-separated for a rotation).
  The raw bytes are verified; failing that, the body re-serialised compactly (the docs' example
  signs ``JSON.stringify``). No timestamp, so no replay window: the dedupe key is call + status,
  and the call is read again (API first), never taken from the body.
- Errors come in two shapes (``{"status": "error", "message"}`` and ``{"data": null, "errors":
  [{"error", "message"}]}``), both read; no rate-limit header is documented.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import requests

from shared.errors import ApiError, ConfigError, DataError, error_for_response
from shared.mappers.base import e164
from shared.pagination import OffsetPaginator, Record, WholeListPaginator, bad_page
from shared.platforms.base import (
    SYSTEM,
    Capabilities,
    Endpoint,
    Event,
    Normalized,
    Platform,
    check_id,
    number_only,
)
from shared.signing import SignatureError, hex_hmac_matches
from shared.timeutil import iso, parse_instant

if TYPE_CHECKING:
    from shared.settings import Settings

MAX_CALLS_PER_PAGE = 1000
MAX_BATCHES_PER_PAGE = 100
MIN_SECRET_LENGTH = 16
NANP_DIGITS = 10

Reader = Callable[[Any, int], tuple[list[Record], int | None, int | None]]


def bland_e164(number: Any) -> str | None:
    """A number as Bland gives it (``+14155550123``, or bare digits: ten are North American), in
    E.164; None when it is no number."""
    if not isinstance(number, str):
        return None
    if number.startswith("+"):
        return e164(number)
    return e164("+1" + number if len(number) == NANP_DIGITS else "+" + number)


def _instant(text: Any) -> str | None:
    if not text:
        return None
    try:
        return iso(parse_instant(str(text)))
    except ValueError:
        raise DataError(f"not an ISO 8601 instant: {text!r}") from None


def _seconds(raw: Record) -> int:
    """``corrected_duration`` (seconds, as text), else ``call_length`` (minutes)."""
    try:
        if raw.get("corrected_duration") not in (None, ""):
            return int(float(raw["corrected_duration"]))
        return round(float(raw.get("call_length") or 0) * 60)
    except (TypeError, ValueError):
        raise DataError(f"no duration in {raw.get('corrected_duration')!r}, {raw.get('call_length')!r}") from None


def _structured(raw: Record) -> dict[str, Any] | None:
    data = {key: raw[key] for key in ("answered_by", "analysis", "variables") if raw.get(key)}
    return data or None


def _ended_reason(raw: Record) -> str | None:
    """Voicemail when Bland says so, else who hung up, else the error."""
    if raw.get("answered_by") == "voicemail":
        return "voicemail"
    return raw.get("call_ended_by") or raw.get("error_message")


def _call(raw: Record) -> Normalized:
    completed = bool(raw.get("completed"))
    updated_at = _instant((completed and raw.get("end_at")) or raw.get("started_at") or raw.get("created_at"))
    inbound = bool(raw.get("inbound"))
    person = number_only(bland_e164(raw.get("from") if inbound else raw.get("to")))
    record = {
        "id": raw.get("call_id"),
        "updated_at": updated_at,
        "contact_id": person["id"] if person else None,
        "campaign_id": raw.get("batch_id"),
        "direction": "inbound" if inbound else "outbound",
        "status": raw.get("status") or raw.get("queue_status"),
        "started_at": _instant(raw.get("started_at")),
        "ended_at": _instant(raw.get("end_at")) if completed else None,
        "duration_seconds": _seconds(raw),
        "ended_reason": _ended_reason(raw),
        "cost": raw.get("price"),
        "summary": raw.get("summary"),
        "transcript": raw.get("concatenated_transcript"),
        "recording_url": raw.get("recording_url"),
        "structured_data": _structured(raw),
        "voicemail": raw.get("answered_by") == "voicemail" if raw.get("answered_by") else None,
        "assistant_id": raw.get("pathway_id"),
    }
    return Normalized(record, {"contacts": [person]} if person else {})


def _batch(raw: Record) -> Normalized:
    return Normalized(
        {"id": raw.get("id"), "updated_at": _instant(raw.get("created_at")), "name": raw.get("description")}
    )


def _calls_reader(size: int) -> Reader:
    def read(body: Any, number: int) -> tuple[list[Record], int | None, int | None]:
        if not isinstance(body, dict) or not isinstance(body.get("calls"), list):
            raise bad_page("call list answer has no 'calls' list")
        try:
            total = int(body["total_count"])
        except (KeyError, TypeError, ValueError):
            raise bad_page("call list answer has no total_count") from None
        more = bool(body["calls"]) and number * size < total
        return body["calls"], number + 1 if more else None, total

    return read


def _batches_reader(size: int) -> Reader:
    def read(body: Any, number: int) -> tuple[list[Record], int | None, int | None]:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise bad_page("batch list answer has no 'data' list")
        return body["data"], number + 1 if len(body["data"]) >= size else None, None

    return read


def _whole_call(platform: Platform, raw: Record, whole: bool) -> Record:
    """The call as its details give it: the list has neither direction nor transcript, and the
    direction says who the person is, so even a derived walk needs it."""
    read = platform.read("calls", check_id(raw.get("call_id"), "call_id"))
    if not isinstance(read, dict):
        raise DataError("call details answered no call")
    return read


def _started_since(since: str) -> dict[str, str]:
    return {"start_date": parse_instant(since).isoformat()}


def _calls_page(size: int) -> OffsetPaginator:
    n = min(size, MAX_CALLS_PER_PAGE)
    return OffsetPaginator(n, _calls_reader(n))


def _batches_page(size: int) -> OffsetPaginator:
    n = min(size, MAX_BATCHES_PER_PAGE)
    return OffsetPaginator(n, _batches_reader(n), page_param="skip", size_param="take", end_param=None)


class BlandPlatform(Platform):
    name = "bland"
    key_scheme = ""
    capabilities = Capabilities(derived={"contacts": ("calls",)}, incremental="lookback")
    endpoints = {
        "calls": Endpoint(
            path="/v1/calls",
            item_path="/v1/calls/{id}",
            paginator=_calls_page,
            since=_started_since,
            params={"ascending": "true", "sort_by": "created_at"},
            expand=_whole_call,
        ),
        "campaigns": Endpoint(
            path="/v2/batches/list",
            item_path="/v2/batches/{id}",
            paginator=_batches_page,
            since=lambda since: {},  # no filter on batches: every run reads every batch
        ),
        "assistants": Endpoint(
            path="/v1/pathway",
            item_path=None,
            paginator=lambda size: WholeListPaginator(),
            since=lambda since: {},
        ),
    }

    def classify(self, response: requests.Response) -> ApiError:
        """Either of Bland's error shapes, else the status."""
        try:
            body = response.json()
        except ValueError:
            body = None
        message, name = response.reason or "error", ""
        if isinstance(body, dict):
            errors = body.get("errors") if isinstance(body.get("errors"), list) else []
            first = errors[0] if errors else None
            if isinstance(first, dict):
                message, name = str(first.get("message") or message), str(first.get("error") or "")
            message = str(body.get("message") or message)
            if errors and not isinstance(first, dict):
                message = f"{message}: {'; '.join(map(str, errors))}"
        return error_for_response(response, message, system=SYSTEM, name=name)

    def read(self, entity: str, record_id: str) -> Any:
        """A batch comes wrapped in ``{"data": ...}``."""
        raw = super().read(entity, record_id)
        return raw.get("data") if entity == "campaigns" and isinstance(raw, dict) else raw

    def normalize(self, entity: str, raw: Record) -> Normalized:
        if entity == "calls":
            return _call(raw)
        if entity == "campaigns":
            return _batch(raw)
        if entity == "assistants":
            return Normalized({"id": raw.get("id"), "name": raw.get("name")})
        raise DataError(f"bland has no {entity} records")


class BlandWebhooks:
    """The post-call webhook, signed with the account's signing secret."""

    credential_setting = "BLAND_WEBHOOK_SECRET"
    warnings: tuple[str, ...] = ()

    def __init__(self, settings: Settings) -> None:
        self.secrets = tuple(settings.vendor_settings.get("BLAND_WEBHOOK_SECRET", "").split())
        if not self.secrets:
            raise ConfigError("setting BLAND_WEBHOOK_SECRET is required (Bland's dashboard, Settings, Keys)")
        if any(len(secret) < MIN_SECRET_LENGTH for secret in self.secrets):
            raise ConfigError(f"setting BLAND_WEBHOOK_SECRET: each secret needs {MIN_SECRET_LENGTH} characters or more")

    def verify(self, headers: Mapping[str, str], body: bytes) -> str:
        offered = headers.get("X-Webhook-Signature", "")
        if not offered:
            raise SignatureError("missing_headers", "X-Webhook-Signature is required")
        if not hex_hmac_matches(self.secrets, body, offered):
            raise SignatureError("bad_signature", "the signature matches no current secret")
        return "bland-" + hashlib.sha256(_call_and_status(body)).hexdigest()[:48]

    def events(self, body: Any) -> tuple[str, list[Event]]:
        if not isinstance(body, dict):
            raise ValueError("body is not a Bland post-call payload (an object with call_id)")
        return "post-call", [Event("post-call", "calls", check_id(body.get("call_id"), "call_id"))]


def _call_and_status(body: bytes) -> bytes:
    """What makes a post-call delivery the same one: its call and the call's status (a repeat of
    the same is a duplicate; the call ending differently later is not). Its bytes otherwise."""
    try:
        parsed = json.loads(body)
        return f"{parsed['call_id']}|{parsed.get('status') or parsed.get('queue_status')}".encode()
    except (ValueError, KeyError, TypeError):
        return body


ADAPTER = BlandPlatform
WEBHOOKS = BlandWebhooks
API_URL = "https://api.bland.ai"
SETTINGS = {"BLAND_WEBHOOK_SECRET": ""}
