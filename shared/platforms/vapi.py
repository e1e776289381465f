"""Vapi (``VOICE_PLATFORM=vapi``): calls, campaigns, and the people they name as contacts.

Shapes from the official ``vapi-server-sdk`` 3.0 models (the tests hold the emulator to them):

- ``GET /call`` answers a bare array, newest first, with no cursor: pages are time windows on
  ``createdAt`` (:class:`~shared.pagination.TimeWindowPaginator`); incremental reads add
  ``updatedAtGt``. ``limit`` is at most 1000.
- ``GET /campaign`` answers ``{"results", "metadata": {"totalItems", "currentPage", ...}}``: page
  numbers, oldest first so that a new campaign cannot shift the pages under a walk; the SDK
  documents a default ``limit`` of 100 and no maximum, so voicesync asks for no more than 100.
- No contacts resource: a contact is a customer (``{"number", "name", "email", "externalId"}``) that
  calls and campaigns name, identified by its E.164 number; the contacts walk is the customers of
  the calls, then of the campaigns. A customer with no number is not a contact.
- No contact writes (Odoo -> platform): there is nothing to write to.
- ``GET /assistant`` answers a bare array of Assistants (``id``, ``name`` optional); ``limit`` is
  documented with a default of 100 and no maximum. Read for the calls' assistants' names
  (:mod:`shared.platforms.assistants`), in time windows on ``createdAt`` as the calls are; that
  the answer is newest first is not confirmed by any source.
- Server messages ``{"message": {"type", "call", ...}}``: ``end-of-call-report`` and
  ``status-update`` read their call again; every other type is answered and kept as ignored.
  Authenticated by a bearer token or an HMAC, as the Vapi credential is set (``VAPI_WEBHOOK_*``).
- Not confirmed by any source: Vapi's error body and its rate-limit headers. Errors are read
  defensively (a NestJS-style ``{"message", "error", "statusCode"}``, else the status alone), and
  a 429 is retried after ``Retry-After`` when sent, else with voicesync's own backoff.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests

from shared.errors import ApiError, ConfigError, DataError, error_for_response
from shared.pagination import PageNumberPaginator, Record, TimeWindowPaginator, bad_page
from shared.platforms.base import (
    SYSTEM,
    Capabilities,
    Endpoint,
    Event,
    Normalized,
    Platform,
    check_id,
    phone_contact,
)
from shared.signing import SignatureError, fresh_timestamp

if TYPE_CHECKING:
    from shared.settings import Settings

MAX_CALLS_PER_PAGE = 1000
MAX_CAMPAIGNS_PER_PAGE = 100
MAX_ASSISTANTS_PER_PAGE = 100
ACTED_ON = ("end-of-call-report", "status-update")
DIRECTIONS = {"inboundPhoneCall": "inbound", "outboundPhoneCall": "outbound", "webCall": "web"}
MIN_SECRET_LENGTH = 16
DEFAULT_HEADERS = {"bearer": "Authorization", "hmac": "x-signature"}
CREDENTIAL_HEADERS = {"Authorization": "bearer", "X-Vapi-Secret": "bearer", "x-signature": "hmac"}
"""The headers a Vapi credential comes in, and its kind: X-Vapi-Secret is Vapi's older bearer header."""


def _customer(customer: Any, updated_at: str) -> Record | None:
    """The canonical contact of a Vapi customer; None without a usable number."""
    if not isinstance(customer, dict):
        return None
    return phone_contact(customer.get("number"), updated_at, name=customer.get("name"), email=customer.get("email"))


def _duration(started: Any, ended: Any) -> int:
    """Whole seconds between ``startedAt`` and ``endedAt`` (Vapi has no duration field)."""
    if not (started and ended):
        return 0
    try:
        seconds = (datetime.fromisoformat(str(ended)) - datetime.fromisoformat(str(started))).total_seconds()
    except ValueError:
        raise DataError(f"not ISO 8601 instants: {started!r}, {ended!r}") from None
    return max(0, round(seconds))


def _call(raw: Record) -> Normalized:
    contact = _customer(raw.get("customer"), str(raw.get("updatedAt") or ""))
    artifact = raw.get("artifact") if isinstance(raw.get("artifact"), dict) else {}
    analysis = raw.get("analysis") if isinstance(raw.get("analysis"), dict) else {}
    record = {
        "id": raw.get("id"),
        "updated_at": raw.get("updatedAt"),
        "contact_id": contact["id"] if contact else None,
        "contact_name": contact.get("name") if contact else None,
        "campaign_id": raw.get("campaignId"),
        "direction": DIRECTIONS.get(str(raw.get("type")), raw.get("type")),
        "status": raw.get("status"),
        "started_at": raw.get("startedAt"),
        "ended_at": raw.get("endedAt"),
        "duration_seconds": _duration(raw.get("startedAt"), raw.get("endedAt")),
        "ended_reason": raw.get("endedReason"),
        "cost": raw.get("cost"),
        "summary": analysis.get("summary"),
        "transcript": artifact.get("transcript"),
        "recording_url": artifact.get("recordingUrl"),
        "success_evaluation": analysis.get("successEvaluation"),
        "structured_data": analysis.get("structuredData"),
        "assistant_id": raw.get("assistantId"),
    }
    return Normalized(record, {"contacts": [contact]} if contact else {})


def _campaign(raw: Record) -> Normalized:
    updated_at = str(raw.get("updatedAt") or "")
    people = [_customer(customer, updated_at) for customer in raw.get("customers") or []]
    record = {
        "id": raw.get("id"),
        "updated_at": raw.get("updatedAt"),
        "name": raw.get("name"),
        "status": raw.get("status"),
    }
    return Normalized(record, {"contacts": [p for p in people if p]})


def _read_campaigns(body: Any, number: int) -> tuple[list[Record], int | None, int | None]:
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise bad_page("campaign list answer has no 'results' list")
    meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    try:
        total, per_page = int(meta["totalItems"]), int(meta["itemsPerPage"])
    except (KeyError, TypeError, ValueError):
        raise bad_page("campaign list answer has no usable metadata") from None
    more = number * per_page < total and bool(body["results"])
    return body["results"], number + 1 if more else None, total


def _since(since: str) -> dict[str, str]:
    return {"updatedAtGt": since}


class VapiPlatform(Platform):
    name = "vapi"
    capabilities = Capabilities(derived={"contacts": ("calls", "campaigns")})
    endpoints = {
        "calls": Endpoint(
            path="/call",
            item_path="/call/{id}",
            paginator=lambda size: TimeWindowPaginator(min(size, MAX_CALLS_PER_PAGE)),
            since=_since,
        ),
        "campaigns": Endpoint(
            path="/campaign",
            item_path="/campaign/{id}",
            paginator=lambda size: PageNumberPaginator(
                min(size, MAX_CAMPAIGNS_PER_PAGE), _read_campaigns, size_param="limit"
            ),
            since=_since,
            params={"sortBy": "createdAt", "sortOrder": "ASC"},
        ),
        "assistants": Endpoint(
            path="/assistant",
            item_path=None,
            paginator=lambda size: TimeWindowPaginator(min(size, MAX_ASSISTANTS_PER_PAGE)),
            since=_since,
        ),
    }

    def classify(self, response: requests.Response) -> ApiError:
        """A NestJS-style body when there is one (``message`` may be a list), else the status."""
        message, name = response.reason or "error", ""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            text = body.get("message")
            message = "; ".join(map(str, text)) if isinstance(text, list) else str(text or message)
            name = str(body.get("error") or "")
        return error_for_response(response, message, system=SYSTEM, name=name)

    def normalize(self, entity: str, raw: Record) -> Normalized:
        if entity == "calls":
            return _call(raw)
        if entity == "campaigns":
            return _campaign(raw)
        if entity == "assistants":
            return Normalized({"id": raw.get("id"), "name": raw.get("name")})
        raise DataError(f"vapi has no {entity} records")


@dataclass(frozen=True)
class _Credential:
    auth: str
    header: str
    timestamp_header: str
    algorithm: str
    encoding: str
    prefix: str
    payload_format: str


def _setting(values: Mapping[str, str], name: str, allowed: tuple[str, ...] = (), default: str = "") -> str:
    """``VAPI_WEBHOOK_<name>``, else ``default``, else its default in ``SETTINGS``."""
    value = values.get(f"VAPI_WEBHOOK_{name}") or default or SETTINGS[f"VAPI_WEBHOOK_{name}"]
    if allowed and value not in allowed:
        raise ConfigError(f"setting VAPI_WEBHOOK_{name} must be one of {', '.join(allowed)}")
    return value


class VapiWebhooks:
    """A Vapi credential on the server URL: a bearer token (several, for rotation) or an HMAC.

    Settings: ``VAPI_WEBHOOK_SECRET`` (space-separated), ``VAPI_WEBHOOK_AUTH=bearer|hmac``, and,
    as the credential is set in Vapi, ``VAPI_WEBHOOK_HEADER`` (``Authorization``, or the older
    ``X-Vapi-Secret``; ``x-signature`` for HMAC), ``VAPI_WEBHOOK_TIMESTAMP_HEADER``
    (``x-timestamp``), ``VAPI_WEBHOOK_ALGORITHM`` (``sha256``), ``VAPI_WEBHOOK_ENCODING`` (``hex``),
    ``VAPI_WEBHOOK_PREFIX`` (none) and ``VAPI_WEBHOOK_PAYLOAD`` (``{timestamp}.{body}``).

    A server message has no id: its dedupe key is the hash of its bytes, so a repeated delivery
    is a duplicate and two different messages never are.
    """

    credential_setting = "VAPI_WEBHOOK_SECRET"

    def __init__(self, settings: Settings) -> None:
        values = settings.vendor_settings
        self.secrets = tuple(values.get("VAPI_WEBHOOK_SECRET", "").split())
        if any(len(secret) < MIN_SECRET_LENGTH for secret in self.secrets):
            raise ConfigError(f"setting VAPI_WEBHOOK_SECRET: each secret needs at least {MIN_SECRET_LENGTH} characters")
        auth = _setting(values, "AUTH", ("bearer", "hmac"))
        self.credential = _Credential(
            auth=auth,
            header=_setting(values, "HEADER", default=DEFAULT_HEADERS[auth]),
            timestamp_header=_setting(values, "TIMESTAMP_HEADER"),
            algorithm=_setting(values, "ALGORITHM", ("sha256", "sha512", "sha1")),
            encoding=_setting(values, "ENCODING", ("hex", "base64")),
            prefix=_setting(values, "PREFIX"),
            payload_format=_setting(values, "PAYLOAD"),
        )
        if "{body}" not in self.credential.payload_format:
            raise ConfigError("setting VAPI_WEBHOOK_PAYLOAD must contain {body}")
        if auth == "hmac" and "{timestamp}" not in self.credential.payload_format:
            raise ConfigError(
                "setting VAPI_WEBHOOK_PAYLOAD must contain {timestamp}, or a signed message can be replayed"
            )
        self.warnings: tuple[str, ...] = (
            (
                "Vapi webhooks use a bearer token (VAPI_WEBHOOK_AUTH=bearer): a captured request can be replayed "
                "for ever; set an HMAC credential in Vapi and VAPI_WEBHOOK_AUTH=hmac",
            )
            if auth == "bearer"
            else ()
        )

    def verify(self, headers: Mapping[str, str], body: bytes) -> str:
        offered = headers.get(self.credential.header, "")
        if not offered:
            raise SignatureError("missing_headers", self._missing(headers))
        if self.credential.auth == "bearer":
            token = offered[7:] if offered[:7].lower() == "bearer " else offered
            expected = [secret.encode() for secret in self.secrets]
            matched = [hmac.compare_digest(token.strip().encode(), e) for e in expected]
        else:
            timestamp = self._fresh_timestamp(headers)
            matched = [hmac.compare_digest(offered.encode(), self.signature(s, timestamp, body)) for s in self.secrets]
        if not any(matched):
            raise SignatureError("bad_signature", "the credential matches no current secret")
        return "vapi-" + hashlib.sha256(body).hexdigest()[:48]

    def _missing(self, headers: Mapping[str, str]) -> str:
        """Which header was expected and, when the credential came in another one Vapi uses, the
        settings that accept it (names only: the delivery is refused all the same)."""
        expected = self.credential.header
        came = next((h for h in CREDENTIAL_HEADERS if h.lower() != expected.lower() and headers.get(h)), None)
        if came is None:
            return f"{expected} is required"
        kind = CREDENTIAL_HEADERS[came]
        needed = [f"VAPI_WEBHOOK_AUTH={kind}"] if kind != self.credential.auth else []
        needed.append(f"VAPI_WEBHOOK_HEADER={came}")
        older = " (Vapi's older header)" if came == "X-Vapi-Secret" else ""
        advice = f"set {' and '.join(needed)} to accept it"
        return f"{expected} is required; the request carries {came}{older} instead: {advice}"

    def signature(self, secret: str, timestamp: str, body: bytes) -> bytes:
        """The header value Vapi sends for ``body`` at ``timestamp`` under this credential."""
        head, _, tail = self.credential.payload_format.partition("{body}")
        signed = (
            head.replace("{timestamp}", timestamp).encode() + body + tail.replace("{timestamp}", timestamp).encode()
        )
        digest = hmac.new(secret.encode(), signed, self.credential.algorithm).digest()
        text = digest.hex() if self.credential.encoding == "hex" else base64.b64encode(digest).decode()
        return (self.credential.prefix + text).encode()

    def _fresh_timestamp(self, headers: Mapping[str, str]) -> str:
        """The timestamp header, within the tolerance window (seconds or milliseconds)."""
        text = headers.get(self.credential.timestamp_header, "")
        fresh_timestamp(text, self.credential.timestamp_header)
        return text

    def events(self, body: Any) -> tuple[str, list[Event]]:
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise ValueError("body is not a Vapi server message ({'message': {'type': ...}})")
        kind = message["type"]
        if kind not in ACTED_ON:
            return kind, []
        call = message.get("call")
        return kind, [
            Event(kind, "calls", check_id(call.get("id") if isinstance(call, dict) else None, "message.call.id"))
        ]


ADAPTER = VapiPlatform
WEBHOOKS = VapiWebhooks
API_URL = "https://api.vapi.ai"
SETTINGS = {
    "VAPI_WEBHOOK_SECRET": "",
    "VAPI_WEBHOOK_AUTH": "bearer",
    "VAPI_WEBHOOK_HEADER": "",  # by the credential's kind: DEFAULT_HEADERS
    "VAPI_WEBHOOK_TIMESTAMP_HEADER": "x-timestamp",
    "VAPI_WEBHOOK_ALGORITHM": "sha256",
    "VAPI_WEBHOOK_ENCODING": "hex",
    "VAPI_WEBHOOK_PREFIX": "",
    "VAPI_WEBHOOK_PAYLOAD": "{timestamp}.{body}",
}
