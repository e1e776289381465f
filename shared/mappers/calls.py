"""Call (platform) -> ``x_voicesync_call`` (Odoo), linked to its partner and campaign."""

from __future__ import annotations

from shared.mappers.base import Mapper


class CallMapper(Mapper):
    fields = {
        "x_name": "char",
        "x_partner_id": "many2one",
        "x_campaign_id": "many2one",
        "x_direction": "char",
        "x_status": "char",
        "x_started_at": "datetime",
        "x_duration_seconds": "integer",
        "x_recording_url": "char",
        "x_summary": "text",
        "x_active": "boolean",
    }
    direct = (
        ("id", "x_name"),
        ("direction", "x_direction"),
        ("status", "x_status"),
        ("started_at", "x_started_at"),
        ("duration_seconds", "x_duration_seconds"),
        ("recording_url", "x_recording_url"),
        ("summary", "x_summary"),
    )
    references = {"x_partner_id": ("contact_id", "contacts"), "x_campaign_id": ("campaign_id", "campaigns")}
    required = ("id", "updated_at", "contact_id")
    active_field = "x_active"
