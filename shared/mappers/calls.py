"""Call (canonical) -> ``x_voicesync_call`` (Odoo), linked to its partner and campaign.

The canonical call is the same for every vendor (the adapters produce it); a key a vendor does not
give is absent and maps to empty, as Odoo reads empty back: ``False``, ``0`` for the duration,
``0.0`` for the cost (a float field reads back ``0.0`` for empty, so ``x_cost_known`` says whether
the vendor gave one, and the views show no cost where it did not).

People read a call by ``x_name``, built here: "Outbound call with Jonas Dubois · 25 Dec 14:21 UTC".
The time is said in UTC, as text cannot follow each reader's time zone (the ``Started`` column
does); the platform's id has its own field, ``x_platform_id``. Status, direction and outcome keep
the vendor's words in char fields and their meaning in selections (:mod:`call_labels`).
``x_assistant`` is the assistant's (agent's, pathway's) name where the adapter knows it
(``assistant_name``), else its id; the id itself is in ``x_assistant_id``.

``x_cost`` is a manual float field: Odoo gives those no ``digits``, so the column is a
``double precision`` and ``read`` returns the float written, unrounded (0.1234 stays 0.1234);
the mapper therefore does not round either. ``x_structured_data`` holds any JSON value as
``key: value`` lines, keys sorted, so its hash does not depend on the vendor's key order.
``x_duration_minutes`` is the duration in minutes, which Odoo's ``float_time`` widget shows as
``13:32`` (minutes:seconds); the whole seconds stay in ``x_duration_seconds``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.errors import DataError
from shared.mappers import call_labels as labels
from shared.mappers.base import MAX_TEXT, Mapper, link, odoo_datetime

TIME_IN_NAME = "%d %b %H:%M UTC"
CALL_KIND = {"inbound": "Inbound call", "outbound": "Outbound call", "web": "Web call"}
NUMBER_CONTACT = "tel-"  # a contact known by its number only (shared.platforms.base.contact_id)


class CallMapper(Mapper):
    fields = {
        "x_name": "char",
        "x_platform_id": "char",
        "x_partner_id": "many2one",
        "x_campaign_id": "many2one",
        "x_assistant": "char",
        "x_assistant_id": "char",
        "x_direction": "char",
        "x_status": "char",
        "x_ended_reason": "char",
        "x_started_at": "datetime",
        "x_has_start": "boolean",
        "x_ended_at": "datetime",
        "x_duration_seconds": "integer",
        "x_cost": "float",
        "x_recording_url": "char",
        "x_success_evaluation": "char",
        "x_summary": "text",
        "x_transcript": "text",
        "x_structured_data": "text",
        "x_active": "boolean",
        "x_call_direction": "selection",
        "x_call_status": "selection",
        "x_outcome": "selection",
        "x_duration_minutes": "float",
        "x_cost_known": "boolean",
        "x_success": "selection",
        "x_sentiment": "selection",
        "x_voicemail": "boolean",
        "x_callback": "boolean",
    }
    selections = {
        "x_call_direction": labels.DIRECTIONS,
        "x_call_status": labels.STATUSES,
        "x_outcome": labels.OUTCOMES,
        "x_success": labels.SUCCESS,
        "x_sentiment": labels.SENTIMENTS,
    }
    direct = (
        ("id", "x_platform_id"),
        ("assistant_id", "x_assistant_id"),
        ("direction", "x_direction"),
        ("status", "x_status"),
        ("ended_reason", "x_ended_reason"),
        ("started_at", "x_started_at"),
        ("ended_at", "x_ended_at"),
        ("duration_seconds", "x_duration_seconds"),
        ("cost", "x_cost"),
        ("success_evaluation", "x_success_evaluation"),
        ("summary", "x_summary"),
        ("transcript", "x_transcript"),
    )
    references = {"x_partner_id": ("contact_id", "contacts"), "x_campaign_id": ("campaign_id", "campaigns")}
    computed = {
        "x_name": "name",
        "x_assistant": "assistant",
        "x_has_start": "has_start",
        "x_structured_data": "structured_data",
        "x_recording_url": "recording_url",
        "x_call_direction": "direction",
        "x_call_status": "status",
        "x_outcome": "outcome",
        "x_duration_minutes": "minutes",
        "x_cost_known": "cost_known",
        "x_success": "success",
        "x_sentiment": "sentiment",
        "x_voicemail": "voicemail",
        "x_callback": "callback",
    }
    # No contact_id required: a web call, or a Vapi customer with no number, names nobody, and is
    # written without a partner rather than refused.
    required = ("id", "updated_at")
    active_field = "x_active"
    cached = frozenset({"x_assistant"})  # the name each process reads once and may learn later
    tracks_updates = True  # the analysis arriving after the call shows on the call's chatter

    def recording_url(self, record: dict[str, Any]) -> str | bool:
        """The recording's link, shown by Odoo as a link: http(s) only, else empty."""
        return link(record.get("recording_url"))

    def name(self, record: dict[str, Any]) -> str:
        """What the call was, with whom and when: "Inbound call with +33612345678 · 25 Dec 14:21 UTC"."""
        title = CALL_KIND.get(str(labels.direction(record.get("direction"))), "Call")
        who = _text_or_none(record.get("contact_name")) or _number_of(record.get("contact_id"))
        if who:
            title += f" with {who}"
        started = odoo_datetime(record.get("started_at"))
        if isinstance(started, str):
            title += " · " + datetime.strptime(started, "%Y-%m-%d %H:%M:%S").strftime(TIME_IN_NAME)
        return title

    def assistant(self, record: dict[str, Any]) -> str | bool:
        """The assistant by the name its vendor gives it, else by its id."""
        return self.normalized("x_assistant", record.get("assistant_name") or record.get("assistant_id"))

    def has_start(self, record: dict[str, Any]) -> bool:
        """Whether the call has started: calls sort on it first, so the ones not started come last
        (Odoo refuses "nulls last" in a custom model's order)."""
        return bool(odoo_datetime(record.get("started_at")))

    def direction(self, record: dict[str, Any]) -> str | bool:
        return labels.direction(record.get("direction"))

    def status(self, record: dict[str, Any]) -> str | bool:
        return labels.status(record.get("status"))

    def outcome(self, record: dict[str, Any]) -> str | bool:
        return labels.outcome(record.get("ended_reason"), record.get("status"))

    def minutes(self, record: dict[str, Any]) -> float:
        """The duration in minutes (``float_time`` shows 812 s as ``13:32``)."""
        return self.normalized("x_duration_seconds", record.get("duration_seconds")) / 60

    def cost_known(self, record: dict[str, Any]) -> bool:
        return record.get("cost") not in (None, "")

    def success(self, record: dict[str, Any]) -> str | bool:
        return labels.success(record.get("success_evaluation"))

    def sentiment(self, record: dict[str, Any]) -> str | bool:
        return labels.sentiment(record.get("sentiment"))

    def voicemail(self, record: dict[str, Any]) -> bool:
        """Whether a machine took the call: the vendor's flag, else its ended reason."""
        return record.get("voicemail") is True or self.outcome(record) == "voicemail"

    def callback(self, record: dict[str, Any]) -> bool:
        """Whether the caller asked to be called back (the vendor's analysis says so)."""
        return labels.callback(record.get("structured_data"))

    def structured_data(self, record: dict[str, Any]) -> str | bool:
        """The vendor's structured data (any JSON value) as ``key: value`` lines; empty -> False."""
        value = record.get("structured_data")
        if value is None or (isinstance(value, (str, dict, list)) and not value):
            return False
        try:
            text = "\n".join(labels.key_value_lines(value))
        except (TypeError, ValueError) as exc:
            raise DataError(f"not a JSON value: {exc}") from None
        return self.normalized("x_structured_data", text) if len(text) > MAX_TEXT else text


def _text_or_none(value: Any) -> str | None:
    return str(value).strip() or None if isinstance(value, str) else None


def _number_of(contact: Any) -> str | None:
    """The number of a contact known by it alone (``tel-14155550123`` -> ``+14155550123``)."""
    return (
        "+" + contact.removeprefix(NUMBER_CONTACT)
        if isinstance(contact, str) and contact.startswith(NUMBER_CONTACT)
        else None
    )
