"""Mapper base: platform record -> the Odoo values voicesync owns, in the form Odoo reads them back.

A mapper is declarative where it can be (``direct`` pairs, ``references``) with small methods for
the rest, as OCA connector's mappers are. Values come out exactly as Odoo's ``read`` returns them
(``False`` for empty, ``"YYYY-MM-DD HH:MM:SS"`` datetimes, a :class:`Ref` for a many2one), so one
value serves three purposes: the content hash, the drift comparison and the ``load`` row.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from shared.errors import DataError

XMLID_MODULE = "voicesync"


@dataclass(frozen=True)
class Ref:
    """A link to another platform record, written to Odoo by external id."""

    entity: str
    platform_id: str


def xmlid_name(prefix: str, platform_id: str) -> str:
    """The ``ir.model.data`` name of a platform record (module ``voicesync``)."""
    return f"{prefix}_{platform_id}"


def odoo_datetime(value: Any) -> str | bool:
    """ISO 8601 (``Z`` or offset) -> Odoo's naive-UTC ``YYYY-MM-DD HH:MM:SS``; empty -> False."""
    if not value:
        return False
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise DataError(f"not an ISO 8601 date-time: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


# Caps on what voicesync stores of a vendor's text (the README lists them): a name, an email or a
# status longer than MAX_CHAR is no such thing, and a transcript past MAX_TEXT is cut with a note,
# so one record cannot make a worker or a load hold megabytes.
MAX_CHAR = 1024
MAX_TEXT = 256 * 1024
CUT_NOTE = "\n[cut by voicesync: longer than {limit} characters]"
URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
E164 = re.compile(r"\+[0-9]{6,15}")  # ASCII digits only: str.isdigit also takes "\u0661" and "\u00b9"
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


def e164(value: Any) -> str | None:
    """A phone as E.164 (``+14155550123``) once spaces, dots, dashes and brackets are dropped; None
    for anything else."""
    if not isinstance(value, str):
        return None
    number = _PHONE_PUNCTUATION.sub("", value)
    return number if E164.fullmatch(number) else None


def _text(value: Any) -> str | bool:
    """Text as Odoo stores it: stripped (inner lines kept); NUL, which PostgreSQL refuses, dropped."""
    return str(value).replace("\x00", "").strip() or False if value is not None else False


def _capped(limit: int) -> Callable[[Any], str | bool]:
    def capped(value: Any) -> str | bool:
        text = _text(value)
        if isinstance(text, str) and len(text) > limit:
            note = CUT_NOTE.format(limit=limit)
            return text[: limit - len(note)] + note
        return text

    return capped


def link(value: Any) -> str | bool:
    """A link Odoo shows as one: http(s) only (never ``javascript:`` or ``data:``), else empty."""
    text = _text(value)
    return text if isinstance(text, str) and len(text) <= MAX_CHAR and URL.fullmatch(text) else False


def _integer(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DataError(f"not an integer: {value!r}")
    try:
        return int(value)
    except ValueError:
        raise DataError(f"not an integer: {value!r}") from None


def _float(value: Any) -> float:
    """A number as Odoo's ``read`` returns a float field: a float, ``0.0`` for empty.

    Odoo rounds on write only for a field with ``digits``; a manual field has none (its column is
    a ``double precision``), so the value is kept exactly (``repr`` round-trips through ``load``).
    """
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DataError(f"not a number: {value!r}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise DataError(f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise DataError(f"not a finite number: {value!r}")
    return number + 0.0  # -0.0 -> 0.0


def json_text(value: Any) -> str | bool:
    """Any JSON value as pretty, key-sorted JSON text (stable under key order), cut at ``MAX_TEXT``;
    empty -> False."""
    if value is None or (isinstance(value, (str, dict, list)) and not value):
        return False
    try:
        return _capped(MAX_TEXT)(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise DataError(f"not a JSON value: {exc}") from None


_NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    "char": _capped(MAX_CHAR),
    "text": _capped(MAX_TEXT),
    "integer": _integer,
    "float": _float,
    "json": json_text,
    "boolean": bool,
    "datetime": odoo_datetime,
}


class Mapper:
    """Turns one platform record into Odoo values; subclasses declare their fields.

    - ``fields``: Odoo field -> Odoo type (``char``, ``text``, ``integer``, ``boolean``,
      ``datetime``, ``many2one``, ``selection``); the set of fields voicesync owns on the model.
    - ``selections``: selection field -> its ``(value, label)`` choices.
    - ``direct``: ``(platform key, Odoo field)`` copied with the type's normalisation.
    - ``references``: Odoo many2one field -> ``(platform key, entity)``.
    - ``computed``: Odoo field -> method name, for values built from several keys.
    - ``active_field``: the model's archive flag, always written True: a record the platform
      still serves is live, and sending it re-activates one archived earlier. None for a model
      Odoo cannot archive.
    - ``unknown_kept``: Odoo field -> canonical key; when the vendor does not give the key at all
      (not even empty), the field is left out, so Odoo keeps what it holds (a Vapi customer
      with no name must not rename the partner it is matched to).
    - ``create_defaults``: Odoo field -> method, for a field left out but required when voicesync
      creates the record (never written over an existing one).
    - ``matches_partners``: before creating, look for the partner Odoo already has.
    - ``never_written_if``: fields of the Odoo record that, when set, make voicesync link the
      record and never write it (the partner of an Odoo user).
    - ``tracks_updates``: updates are written with Odoo's field tracking on (the model's tracked
      fields log their changes on its chatter); creations are always quiet.
    """

    fields: ClassVar[dict[str, str]] = {}
    direct: ClassVar[tuple[tuple[str, str], ...]] = ()
    references: ClassVar[dict[str, tuple[str, str]]] = {}
    computed: ClassVar[dict[str, str]] = {}
    selections: ClassVar[dict[str, tuple[tuple[str, str], ...]]] = {}
    required: ClassVar[tuple[str, ...]] = ("id", "updated_at")
    active_field: ClassVar[str | None] = "active"
    # fields whose value comes from a per-process cache (a name read once), which parity skips
    cached: ClassVar[frozenset[str]] = frozenset()
    unknown_kept: ClassVar[dict[str, str]] = {}
    create_defaults: ClassVar[dict[str, str]] = {}
    matches_partners: ClassVar[bool] = False
    never_written_if: ClassVar[tuple[str, ...]] = ()
    tracks_updates: ClassVar[bool] = False

    def map(self, record: dict[str, Any]) -> dict[str, Any]:
        """The Odoo values of ``record``; raises :class:`DataError` when it cannot be mapped."""
        if not isinstance(record, dict):
            raise DataError("record is not an object")
        missing = [key for key in self.required if not record.get(key)]
        if missing:
            raise DataError(f"record lacks {', '.join(missing)}")
        values: dict[str, Any] = {}
        for key, field_name in self.direct:
            values[field_name] = self.normalized(field_name, record.get(key))
        for field_name, (key, entity) in self.references.items():
            linked = record.get(key)
            values[field_name] = Ref(entity, str(linked)) if linked else False
        for field_name, method in self.computed.items():
            values[field_name] = getattr(self, method)(record)
        if self.active_field:
            values[self.active_field] = True
        for field_name, key in self.unknown_kept.items():
            if key not in record:
                del values[field_name]
        return values

    def normalized(self, field_name: str, value: Any) -> Any:
        """``value`` as this mapper's field ``field_name`` holds it (capped, typed)."""
        return _NORMALIZERS[self.fields[field_name]](value)

    def defaults_for_create(self, values: dict[str, Any], platform_id: str) -> dict[str, Any]:
        """What a record voicesync creates needs beyond what the platform said (a name)."""
        return {f: getattr(self, m)(values, platform_id) for f, m in self.create_defaults.items() if f not in values}

    def dependencies(self, values: dict[str, Any]) -> list[Ref]:
        """The linked records these values need in Odoo first."""
        return [values[name] for name in self.references if isinstance(values.get(name), Ref)]


def content_hash(values: dict[str, Any], xmlid: Callable[[Ref], str]) -> str:
    """A stable hash of mapped values: unchanged hash means nothing to write."""

    def plain(value: Any) -> Any:
        return xmlid(value) if isinstance(value, Ref) else value

    canonical = json.dumps({k: plain(v) for k, v in values.items()}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
