"""What a platform record may hold: entities, writable fields, their checks, required fields, ids.

One table of field rules serves both the public API (``POST``/``PATCH /v1/contacts``) and the
control changes, so a test can never put the sandbox into a state the real platform could not be in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sandbox.platform.clock import canonical

ENTITIES = ("contacts", "campaigns", "calls")
DELETABLE = ("contacts", "campaigns")
SINGULAR = {"contacts": "contact", "campaigns": "campaign", "calls": "call"}
ID_PREFIX = {"contacts": "ct", "campaigns": "cp", "calls": "cl"}
ID_DIGITS = 8
READ_ONLY = ("id", "created_at", "updated_at")

CAMPAIGN_STATUSES = ("draft", "active", "paused", "completed")
CALL_STATUSES = ("queued", "in_progress", "completed", "failed", "no_answer")
DIRECTIONS = ("inbound", "outbound")

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Check = Callable[[Any], Any]
"""Returns the value to store (maybe normalised) or raises ValueError with a message for clients."""


class ValidationError(ValueError):
    """Field-level rejection of a write; ``fields`` maps each bad field to what is wrong with it."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in fields.items()))
        self.fields = dict(fields)


class NotFoundError(LookupError):
    """No live record of that entity has that id."""


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("must be a string or null")
    return value


def _email(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise ValueError("must be an email address or null")
    return value.lower()


def _phone(value: Any) -> str:
    if not isinstance(value, str) or not E164.match(value):
        raise ValueError("must be an E.164 number such as +14155550123")
    return value


def _one_of(*allowed: str) -> Check:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return check


def _timestamp(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 timestamp or null")
    return canonical(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a non-negative integer")
    return value


def _https_url(value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and value.startswith("https://")):
        raise ValueError("must be an https URL or null")
    return value


FIELDS: dict[str, dict[str, Check]] = {
    "contacts": {
        "first_name": _text,
        "last_name": _text,
        "email": _email,
        "phone": _phone,
        "company": _text,
    },
    "campaigns": {"name": _text, "status": _one_of(*CAMPAIGN_STATUSES)},
    "calls": {
        "contact_id": _text,
        "campaign_id": _text,
        "direction": _one_of(*DIRECTIONS),
        "status": _one_of(*CALL_STATUSES),
        "started_at": _timestamp,
        "duration_seconds": _count,
        "recording_url": _https_url,
        "summary": _text,
    },
}
REQUIRED = {
    "contacts": ("phone",),
    "campaigns": ("name", "status"),
    "calls": ("contact_id", "direction", "status", "duration_seconds"),
}
UNIQUE = {"contacts": ("email", "phone"), "campaigns": (), "calls": ()}
REFERENCES = {
    "contacts": {},
    "campaigns": {},
    "calls": {"contact_id": "contacts", "campaign_id": "campaigns"},
}


def check_entity(entity: str) -> str:
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
    return entity


def record_id(entity: str, number: int) -> str:
    """Ids are zero-padded so that string order is creation order (lists are ordered by id)."""
    return f"{ID_PREFIX[entity]}_{number:0{ID_DIGITS}d}"


def clean(entity: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The writable ``values``, checked and normalised; ValidationError lists every problem."""
    rules = FIELDS[entity]
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name in READ_ONLY:
            errors[name] = "is read-only"
        elif name not in rules:
            errors[name] = "is not a field of " + SINGULAR[entity]
        else:
            try:
                cleaned[name] = rules[name](value)
            except ValueError as exc:
                errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def check_complete(entity: str, record: Mapping[str, Any]) -> None:
    """Raise ValidationError when a record about to be stored lacks a required field."""
    errors = {name: "is required" for name in REQUIRED[entity] if record.get(name) is None}
    if entity == "contacts" and not (record.get("first_name") or record.get("last_name")):
        errors["first_name"] = "first_name or last_name is required"
    if errors:
        raise ValidationError(errors)
