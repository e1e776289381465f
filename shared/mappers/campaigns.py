"""Campaign (platform) -> ``utm.campaign`` (Odoo)."""

from __future__ import annotations

from typing import Any

from shared.mappers.base import Mapper


class CampaignMapper(Mapper):
    """``title`` is the campaign's name as people see it; ``name`` is Odoo's unique campaign
    identifier (used in tracking links), so voicesync gives it a stable unique value of its own
    instead of letting Odoo suffix duplicates ("Spring [2]"), which would read as drift forever.
    ``utm.campaign`` has no ``active`` field: a campaign gone from the platform stays in Odoo."""

    fields = {"name": "char", "title": "char"}
    direct = (("name", "title"),)
    computed = {"name": "identifier"}
    active_field = None

    def identifier(self, record: dict[str, Any]) -> str:
        return f"voicesync-{record['id']}"
