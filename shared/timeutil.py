"""Instants as voicesync stores and compares them: aware UTC datetimes, ISO 8601 text."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_instant(text: str) -> datetime:
    """ISO 8601 with ``Z`` or an offset -> aware UTC datetime (naive input is taken as UTC)."""
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime (a naive one, as SQLite hands back, is taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
