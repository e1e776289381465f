"""Call (canonical) -> ``x_voicesync_call`` (Odoo), linked to its partner and campaign.

The canonical call is the same for every vendor (the adapters produce it); a key a vendor does not
give is absent and maps to empty, as Odoo reads empty back: ``False``, ``0`` for the duration,
``0.0`` for the cost.

``x_cost`` is a manual float field: Odoo gives those no ``digits``, so the column is a
``double precision`` and ``read`` returns the float written, unrounded (0.1234 stays 0.1234);
the mapper therefore does not round either. ``x_structured_data`` holds any JSON value as
pretty, key-sorted JSON text, so its hash does not depend on the vendor's key order.
"""

from __future__ import annotations

from typing import Any

from shared.mappers.base import Mapper, json_text, link


class CallMapper(Mapper):
    fields = {
        "x_name": "char",
        "x_partner_id": "many2one",
        "x_campaign_id": "many2one",
        "x_assistant": "char",
        "x_direction": "char",
        "x_status": "char",
        "x_ended_reason": "char",
        "x_started_at": "datetime",
        "x_ended_at": "datetime",
        "x_duration_seconds": "integer",
        "x_cost": "float",
        "x_recording_url": "char",
        "x_success_evaluation": "char",
        "x_summary": "text",
        "x_transcript": "text",
        "x_structured_data": "text",
        "x_active": "boolean",
    }
    direct = (
        ("id", "x_name"),
        ("assistant_id", "x_assistant"),
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
    computed = {"x_structured_data": "structured_data", "x_recording_url": "recording_url"}
    # No contact_id required: a web call, or a Vapi customer with no number, names nobody, and is
    # written without a partner rather than refused.
    required = ("id", "updated_at")
    active_field = "x_active"
    tracks_updates = True  # the analysis arriving after the call shows on the call's chatter

    def recording_url(self, record: dict[str, Any]) -> str | bool:
        """The recording's link, shown by Odoo as a link: http(s) only, else empty."""
        return link(record.get("recording_url"))

    def structured_data(self, record: dict[str, Any]) -> str | bool:
        """The vendor's structured data (any JSON value) as stable JSON text; empty -> False."""
        return json_text(record.get("structured_data"))
