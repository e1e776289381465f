"""Campaign (platform) -> ``utm.campaign`` (Odoo)."""

from __future__ import annotations

from shared.mappers.base import Mapper


class CampaignMapper(Mapper):
    """Odoo 16+ shows ``title`` and derives ``name`` from it; both carry the platform's name."""

    fields = {"name": "char", "title": "char", "active": "boolean"}
    direct = (("name", "name"), ("name", "title"))
