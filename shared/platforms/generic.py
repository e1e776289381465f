"""voicesync's own reference API (``VOICE_PLATFORM=generic``), served by the sandbox.

Lists ``GET /v1/<entity>?page=N&per_page=M[&updated_since=ISO]`` answering ``{"data", "next_page",
"total"}``; single reads ``GET /v1/<entity>/<id>``; contact writes; errors ``{"error": {"code",
"message"}}``; webhooks in the Standard Webhooks scheme. Its records are already nearly canonical.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from shared.errors import ApiError, ConfigError, error_for_response
from shared.pagination import PageNumberPaginator, Record, bad_page
from shared.platforms.base import SYSTEM, Capabilities, Endpoint, Event, Normalized, Platform, check_id
from shared.signing import check_secret, verify

if TYPE_CHECKING:
    from shared.settings import Settings

EVENT_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "contact": ("contacts", ("created", "updated", "deleted")),
    "campaign": ("campaigns", ("created", "updated", "deleted")),
    "call": ("calls", ("created", "updated", "completed")),
}


def _read_page(body: Any, number: int) -> tuple[list[Record], int | None, int | None]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise bad_page("list answer has no 'data' list")
    next_page, total = body.get("next_page"), body.get("total")
    return body["data"], int(next_page) if next_page is not None else None, int(total) if total is not None else None


def _endpoint(entity: str) -> Endpoint:
    return Endpoint(
        path=f"/v1/{entity}",
        item_path=f"/v1/{entity}/{{id}}",
        paginator=lambda size: PageNumberPaginator(size, _read_page),
        since=lambda since: {"updated_since": since},
    )


def _name(record: Record) -> str | None:
    parts = [str(record.get(key) or "").strip() for key in ("first_name", "last_name")]
    return " ".join(part for part in parts if part) or None


class GenericPlatform(Platform):
    name = "generic"
    capabilities = Capabilities(contact_writes=True)
    endpoints = {entity: _endpoint(entity) for entity in ("contacts", "campaigns", "calls")}

    def classify(self, response: requests.Response) -> ApiError:
        """The ``{"error": {"code", "message"}}`` envelope, or the bare status."""
        try:
            error = response.json().get("error") or {}
            message, code = str(error.get("message") or response.reason), str(error.get("code") or "")
        except (ValueError, AttributeError):
            message, code = response.reason or "error", ""
        return error_for_response(response, message, system=SYSTEM, name=code)

    def normalize(self, entity: str, raw: Record) -> Normalized:
        if entity != "contacts":
            return Normalized(raw)
        contact = {key: raw.get(key) for key in ("id", "updated_at", "email", "phone")}
        return Normalized({**contact, "name": _name(raw)})

    def create_contact(self, partner: Mapping[str, Any]) -> Normalized:
        """A platform contact made from an Odoo partner's values."""
        return self.normalize("contacts", self.request("POST", "/v1/contacts", json=contact_values(partner)))

    def update_contact(self, record_id: str, partner: Mapping[str, Any]) -> Normalized:
        path = self.endpoint("contacts").item_path.format(id=quote(record_id, safe=""))
        return self.normalize("contacts", self.request("PATCH", path, json=contact_values(partner)))


class GenericWebhooks:
    """Standard Webhooks: several ``whsec_`` secrets at once, for rotation."""

    credential_setting = "VOICE_WEBHOOK_SECRET"
    warnings: tuple[str, ...] = ()

    def __init__(self, settings: Settings) -> None:
        self.secrets = settings.voice_webhook_secrets
        for number, secret in enumerate(self.secrets, 1):
            try:
                check_secret(secret)
            except ValueError as exc:
                raise ConfigError(
                    f"setting VOICE_WEBHOOK_SECRET: secret {number} {exc} (the platform's dashboard shows it)"
                ) from None

    def verify(self, headers: Mapping[str, str], body: bytes) -> str:
        return verify(self.secrets, headers, body)

    def events(self, body: Any) -> tuple[str, list[Event]]:
        if not isinstance(body, dict):
            raise ValueError("body is not a JSON object")
        event_type = body.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise ValueError("type is missing")
        data = body.get("data")
        record_id = check_id(data.get("id") if isinstance(data, dict) else None, "data.id")
        singular, _, action = event_type.partition(".")
        entity, actions = EVENT_TYPES.get(singular, ("", ()))
        return event_type, [Event(event_type, entity, record_id)] if action in actions else []


def contact_values(partner: Mapping[str, Any]) -> dict[str, Any]:
    """A partner as platform contact fields (the reverse of the contact mapper)."""
    first, _, last = str(partner.get("name") or "").strip().partition(" ")
    return {
        "first_name": first,
        "last_name": last.strip(),
        "email": partner.get("email") or None,
        "phone": partner.get("phone") or None,
    }


ADAPTER = GenericPlatform
WEBHOOKS = GenericWebhooks
API_URL = ""  # no public API: VOICE_API_URL names the one to read (`voicesync sandbox` serves one)
SETTINGS: dict[str, str] = {}  # its webhook secret is VOICE_WEBHOOK_SECRET, a setting of its own
