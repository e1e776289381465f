"""Instants as voicesync stores and compares them: aware UTC datetimes, ISO 8601 text."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_instant(text: str) -> datetime:
    """ISO 8601 with ``Z`` or an offset -> aware UTC datetime (naive input is taken as UTC)."""
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
