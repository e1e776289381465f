"""Campaign (platform) -> ``utm.campaign`` (Odoo)."""

from __future__ import annotations

from typing import Any

from shared.mappers.base import Mapper


class CampaignMapper(Mapper):
    """``title`` is the campaign's name as people see it; ``name`` is Odoo's unique campaign
    identifier (used in tracking links), so voicesync gives it a stable unique value of its own
    instead of letting Odoo suffix duplicates ("Spring [2]"), which would read as drift forever.
    A campaign gone from the platform is archived through ``active``, as partners are."""

    fields = {"name": "char", "title": "char", "active": "boolean"}
    direct = (("name", "title"),)
    computed = {"name": "identifier"}

    def identifier(self, record: dict[str, Any]) -> str:
        return f"voicesync-{record['id']}"
