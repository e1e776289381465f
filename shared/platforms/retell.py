"""Retell AI (``VOICE_PLATFORM=retell``): calls, batch calls as campaigns, contacts.

Shapes from the official ``retell-sdk`` 6.2 (generated from Retell's OpenAPI spec; the tests read
the emulator through it in strict mode):

- ``POST /v3/list-calls`` with a JSON body: ``filter_criteria`` (ANDed), ``limit`` (voicesync asks
  for at most 1000), ``pagination_key``, ``sort_order`` by ``start_timestamp``; answers
  ``{"items", "has_more", "pagination_key"}``. Listed calls carry no transcript, so an ended call
  is read whole (``GET /v2/get-call/{call_id}``): one more read per ended call listed.
- No ``updated_at``: an incremental run reads back ``VOICESYNC_LOOKBACK`` on ``start_timestamp``
  (the analysis arrives after the call ends), and the ``call_analyzed`` webhook brings it sooner.
  A call's instant is its end, plus one millisecond once analysed, so a read without the analysis
  never replaces one with it.
- Contacts: ``POST /list-contacts`` (a cursor, oldest first); one is read by its number,
  ``GET /get-contact-by-phone/{phone_number}`` (in the SDK since 6.2.13; 6.2.0 had no single
  read). A call names its person only by number, so a person is known by number
  (``tel-<digits>``, as under Vapi): the contacts walk is Retell's contacts, then the numbers the
  calls name, which also serves accounts that do not use Retell's contacts.
- Campaigns are batch calls. Retell cannot list or read them, and a call does not name its batch:
  voicesync knows the batches from ``RETELL_BATCH_CALLS`` (``batch_call_id=Name`` entries, ids from
  ``create-batch-call`` answers or the dashboard) and finds each one's calls with
  ``filter_criteria.batch_call_id`` (:class:`BatchIndex`). A campaign is derived from its calls:
  it reaches Odoo with its first call.
- A call names its agent (``agent_id``) and, where it gives it, the agent's name (``agent_name``,
  optional in the SDK). Without one, the name comes from ``POST /v2/list-agents`` (``limit``,
  ``pagination_key`` and ``sort_order`` in the query, ``{"items": [{"agent_id", "agent_name",
  ...}], "has_more", "pagination_key"}``), read once and kept (:mod:`shared.platforms.assistants`).
- Webhooks ``{"event", "call"}``: ``call_started``, ``call_ended`` and ``call_analyzed`` read their
  call again; other events are answered and kept as ignored. ``x-retell-signature:
  v=<epoch ms>,d=<hex>`` is HMAC-SHA256, keyed with the API key, of the body followed by the
  timestamp, refused more than 5 minutes off (the SDK's ``verify``). The raw bytes are verified;
  failing that, the body re-serialised compactly (``JSON.stringify``, as Retell's docs verify).
  Duplicates are real (Retell retries a delivery up to 3 times): the dedupe key is event + call.
- No contact writes: Retell's contacts can be written, but the Odoo -> platform push is not
  built for it yet.
- Not confirmed by any source: the error body ``{"status": "error", "message"}``; a 429 is retried
  after ``Retry-After`` when sent, else with voicesync's own backoff.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from shared.errors import ApiError, ConfigError, DataError, error_for_response
from shared.pagination import CursorPaginator, Record, bad_page
from shared.platforms.base import (
    SYSTEM,
    Capabilities,
    Endpoint,
    Event,
    Normalized,
    Platform,
    Walk,
    check_id,
    number_only,
    phone_contact,
)
from shared.signing import MESSAGE_ID, SignatureError, fresh_timestamp, hex_hmac_matches
from shared.timeutil import iso, parse_instant

if TYPE_CHECKING:
    from shared.settings import Settings

MAX_PER_PAGE = 1000
BATCH_REFRESH_SECONDS = 60.0
ACTED_ON = ("call_started", "call_ended", "call_analyzed")
SIGNATURE = re.compile(r"v=([^,]*),d=([0-9a-fA-F]{64})")  # v: checked by fresh_timestamp


def _instant(ms: Any) -> str | None:
    """Epoch milliseconds as ISO 8601 (None when absent)."""
    if ms is None:
        return None
    try:
        return iso(datetime.fromtimestamp(float(ms) / 1000, tz=UTC))
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"not epoch milliseconds: {ms!r}") from None


def _ms(instant: str) -> int:
    return int(parse_instant(instant).timestamp() * 1000)


def _version(raw: Record) -> str:
    """The call's instant, for ordering its reads: its end (else start), one millisecond later once
    analysed; the epoch for a call that has not started."""
    ms = raw.get("end_timestamp") or raw.get("start_timestamp") or 0
    return str(_instant(int(ms) + (1 if raw.get("call_analysis") else 0)))


def _person(raw: Record) -> Record | None:
    """The person a phone call is with: the caller of an inbound call, the callee of an outbound one."""
    if raw.get("call_type") != "phone_call":
        return None
    number = raw.get("from_number") if raw.get("direction") == "inbound" else raw.get("to_number")
    return number_only(number)


def _analysis_data(analysis: Mapping[str, Any]) -> dict[str, Any] | None:
    """Sentiment, voicemail and the agent's custom analysis, as the call's structured data."""
    data = {key: analysis[key] for key in ("user_sentiment", "in_voicemail") if analysis.get(key) is not None}
    if analysis.get("custom_analysis_data"):
        data["custom_analysis_data"] = analysis["custom_analysis_data"]
    return data or None


def _cost(raw: Record) -> float | None:
    """The combined cost in dollars (Retell gives cents)."""
    cost = raw.get("call_cost") if isinstance(raw.get("call_cost"), dict) else {}
    cents = cost.get("combined_cost")
    return None if cents is None else float(cents) / 100


def _success(analysis: Mapping[str, Any]) -> str | None:
    value = analysis.get("call_successful")
    return None if value is None else str(bool(value)).lower()


def _read_list(body: Any) -> tuple[list[Record], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise bad_page("list answer has no 'items' list")
    more, key = body.get("has_more"), body.get("pagination_key")
    if more and not key:
        raise bad_page("list answer has more but no pagination_key")
    return body["items"], str(key) if more else None


def _started_since(since: str) -> dict[str, Any]:
    return {"filter_criteria": {"start_timestamp": {"type": "number", "op": "ge", "value": _ms(since)}}}


def _whole_call(platform: Platform, raw: Record, whole: bool) -> Record:
    """An ended call as ``get-call`` gives it (the list leaves the transcript out), where the walk
    is after the calls themselves rather than the people and batches they name."""
    if not whole or raw.get("call_status") != "ended":
        return raw
    whole = platform.read("calls", check_id(raw.get("call_id"), "call_id"))
    if not isinstance(whole, dict):
        raise DataError("get-call answered no call")
    return whole


def _calls(*, expanded: bool) -> Endpoint:
    return Endpoint(
        path="/v3/list-calls",
        item_path="/v2/get-call/{id}",
        paginator=lambda size: CursorPaginator(min(size, MAX_PER_PAGE), _read_list),
        since=_started_since,
        params={"sort_order": "descending"},
        method="POST",
        expand=_whole_call if expanded else None,
    )


def batch_calls(text: str) -> dict[str, str]:
    """``RETELL_BATCH_CALLS`` (``id=Name,id2``) as batch call id -> name (the id when unnamed)."""
    batches: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        batch_id, _, name = (piece.strip() for piece in entry.partition("="))
        try:
            batches[check_id(batch_id, "a batch call id")] = name or batch_id
        except ValueError as exc:
            raise ConfigError(f"setting RETELL_BATCH_CALLS: {exc} (entries are batch_call_id=Name)") from None
    return batches


class BatchIndex:
    """Which configured batch call each call belongs to, since a call does not say: each batch's
    calls are listed (``filter_criteria.batch_call_id``), again when a call it does not know is
    asked about and the last reading is older than :data:`BATCH_REFRESH_SECONDS` (a new call of a
    batch is linked at its next read after that)."""

    def __init__(self, platform: Platform, batches: Mapping[str, str]) -> None:
        self.platform = platform
        self.batches = dict(batches)
        self._batch_of: dict[str, str] = {}
        self._read_at: float | None = None
        self._reading: dict[str, Walk] = {}  # a reading under way: the batches still to walk
        self._found: dict[str, str] = {}

    def batch_of(self, call_id: str) -> str | None:
        if not self.batches:
            return None
        stale = self._read_at is None or time.monotonic() - self._read_at > BATCH_REFRESH_SECONDS
        if call_id not in self._batch_of and stale:
            self._read()
        return self._batch_of.get(call_id)

    def _read(self) -> None:
        """Walk every batch's calls. A page that fails (its task is retried) keeps what was read:
        the next try goes on from there instead of starting all the batches over."""
        if not self._reading:
            self._found = {}
            self._reading = {batch_id: self._walk(batch_id) for batch_id in self.batches}
        for batch_id, walk in list(self._reading.items()):
            for page in walk:
                self._found.update((str(record["id"]), batch_id) for record in page.records)
            del self._reading[batch_id]
        self._batch_of, self._read_at = self._found, time.monotonic()

    def _walk(self, batch_id: str) -> Walk:
        where = {"filter_criteria": {"batch_call_id": {"type": "string", "op": "eq", "value": batch_id}}}
        return self.platform.pages("batch_calls", where=where)


class RetellPlatform(Platform):
    name = "retell"
    capabilities = Capabilities(derived={"contacts": ("calls",), "campaigns": ("calls",)}, incremental="lookback")
    endpoints = {
        "calls": _calls(expanded=True),
        "batch_calls": _calls(expanded=False),  # the batch index's own reading: ids only
        "contacts": Endpoint(
            path="/list-contacts",
            item_path=None,
            paginator=lambda size: CursorPaginator(min(size, MAX_PER_PAGE), _read_list),
            since=lambda since: {},  # no filter on changes: every run reads every contact
            params={"sort_order": "asc"},
            method="POST",
        ),
        "assistants": Endpoint(
            path="/v2/list-agents",
            item_path=None,
            paginator=lambda size: CursorPaginator(min(size, MAX_PER_PAGE), _read_list),
            since=lambda since: {},
            method="POST",
            in_query=True,
        ),
    }

    def __init__(
        self, base_url: str, api_key: str, *, batches: Mapping[str, str] | None = None, **options: Any
    ) -> None:
        super().__init__(base_url, api_key, **options)
        self.batches = BatchIndex(self, batches or {})

    @classmethod
    def options(cls, settings: Settings) -> dict[str, Any]:
        return {
            **super().options(settings),
            "batches": batch_calls(settings.vendor_settings.get("RETELL_BATCH_CALLS", "")),
        }

    def classify(self, response: requests.Response) -> ApiError:
        """``{"status": "error", "message"}`` when Retell sends it, else the status."""
        try:
            body = response.json()
        except ValueError:
            body = None
        message = body.get("message") if isinstance(body, dict) else None
        return error_for_response(response, str(message or response.reason or "error"), system=SYSTEM)

    def read(self, entity: str, record_id: str) -> Any:
        """A contact is read by its number (its id here is the number)."""
        if entity != "contacts":
            return super().read(entity, record_id)
        number = "+" + record_id.removeprefix("tel-")
        return self.request("GET", f"/get-contact-by-phone/{quote(number, safe='')}")

    def normalize(self, entity: str, raw: Record) -> Normalized:
        if entity == "calls":
            return self._call(raw)
        if entity == "contacts":
            return self._contact(raw)
        if entity == "batch_calls":
            return Normalized({"id": raw.get("call_id"), "updated_at": _version(raw)})
        if entity == "assistants":
            return Normalized({"id": raw.get("agent_id"), "name": raw.get("agent_name")})
        raise DataError(f"retell has no {entity} records")

    def _contact(self, raw: Record) -> Normalized:
        updated_at = _instant(raw.get("user_modified_timestamp") or raw.get("created_timestamp"))
        name = " ".join(str(raw[key]).strip() for key in ("first_name", "last_name") if raw.get(key))
        contact = phone_contact(raw.get("phone_number"), str(updated_at or ""), name=name)
        if contact is None:
            raise DataError(f"retell contact {raw.get('contact_id')!r} has no E.164 phone_number")
        return Normalized(contact)

    def _call(self, raw: Record) -> Normalized:
        updated_at = _version(raw)
        call_id = raw.get("call_id")
        person = _person(raw)
        batch = self.batches.batch_of(str(call_id)) if call_id else None
        analysis = raw.get("call_analysis") if isinstance(raw.get("call_analysis"), dict) else {}
        direction = raw.get("direction") if raw.get("call_type") == "phone_call" else "web"
        record = {
            "id": call_id,
            "updated_at": updated_at,
            "contact_id": person["id"] if person else None,
            "campaign_id": batch,
            "direction": direction,
            "status": raw.get("call_status"),
            "started_at": _instant(raw.get("start_timestamp")),
            "ended_at": _instant(raw.get("end_timestamp")),
            "duration_seconds": round(int(raw.get("duration_ms") or 0) / 1000),
            "ended_reason": raw.get("disconnection_reason"),
            "cost": _cost(raw),
            "summary": analysis.get("call_summary"),
            "transcript": raw.get("transcript"),
            "recording_url": raw.get("recording_url"),
            "success_evaluation": _success(analysis),
            "structured_data": _analysis_data(analysis),
            "sentiment": analysis.get("user_sentiment"),
            "voicemail": analysis.get("in_voicemail"),
            "assistant_id": raw.get("agent_id"),
            "assistant_name": raw.get("agent_name"),
        }
        related: dict[str, list[Record]] = {"contacts": [person]} if person else {}
        if batch is not None:
            related["campaigns"] = [{"id": batch, "updated_at": updated_at, "name": self.batches.batches[batch]}]
        return Normalized(record, related)


MIN_KEY_LENGTH = 16  # a Retell API key ("key_" and hex) is longer; anything shorter is a typo


class RetellWebhooks:
    """``x-retell-signature`` under the API key (``RETELL_WEBHOOK_API_KEY``, space-separated for a
    rotation, else ``VOICE_API_KEY``: Retell signs with the key that has its webhook badge)."""

    credential_setting = "RETELL_WEBHOOK_API_KEY (or VOICE_API_KEY)"
    warnings: tuple[str, ...] = ()

    def __init__(self, settings: Settings) -> None:
        own = settings.vendor_settings.get("RETELL_WEBHOOK_API_KEY", "").split()
        self.secrets = tuple(key for key in own or [settings.voice_api_key] if key)
        named = "RETELL_WEBHOOK_API_KEY" if own else "VOICE_API_KEY"
        if any(len(key) < MIN_KEY_LENGTH for key in self.secrets):
            raise ConfigError(f"setting {named}: each Retell API key has {MIN_KEY_LENGTH} characters or more")

    def verify(self, headers: Mapping[str, str], body: bytes) -> str:
        offered = headers.get("x-retell-signature", "")
        if not offered:
            raise SignatureError("missing_headers", "x-retell-signature is required")
        match = SIGNATURE.fullmatch(offered.strip())
        if not match:
            raise SignatureError("bad_signature", "x-retell-signature is not v=<epoch ms>,d=<hex>")
        stamp, digest = match.groups()
        fresh_timestamp(stamp, "x-retell-signature's v", unit=1000)
        if not hex_hmac_matches(self.secrets, body, digest, suffix=stamp.encode()):
            raise SignatureError("bad_signature", "the signature matches no current API key")
        return _dedupe_key(body)

    def events(self, body: Any) -> tuple[str, list[Event]]:
        if not isinstance(body, dict) or not isinstance(body.get("event"), str):
            raise ValueError("body is not a Retell webhook ({'event': ..., 'call': {...}})")
        kind = body["event"]
        if kind not in ACTED_ON:
            return kind, []
        call = body.get("call")
        call_id = check_id(call.get("call_id") if isinstance(call, dict) else None, "call.call_id")
        return kind, [Event(kind, "calls", call_id)]


def _dedupe_key(body: bytes) -> str:
    """Event + call: Retell sends each event of a call once, and again only as a retry. A body that
    names neither is keyed by its bytes (and refused as no Retell event after that)."""
    try:
        parsed = json.loads(body)
        key = f"retell-{parsed['event']}-{check_id(parsed['call']['call_id'], 'call_id')}"
    except (ValueError, KeyError, TypeError):
        key = ""
    return key if MESSAGE_ID.fullmatch(key) else "retell-" + hashlib.sha256(body).hexdigest()[:48]


ADAPTER = RetellPlatform
WEBHOOKS = RetellWebhooks
API_URL = "https://api.retellai.com"
SETTINGS = {"RETELL_BATCH_CALLS": "", "RETELL_WEBHOOK_API_KEY": ""}
