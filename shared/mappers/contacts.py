"""Contact (platform) -> ``res.partner`` (Odoo)."""

from __future__ import annotations

from typing import Any

from shared.mappers.base import Mapper


class ContactMapper(Mapper):
    fields = {"name": "char", "email": "char", "phone": "char", "active": "boolean"}
    direct = (("email", "email"), ("phone", "phone"))
    computed = {"name": "full_name"}

    def full_name(self, record: dict[str, Any]) -> str:
        """The person's name, else the phone number: Odoo requires a partner name."""
        return str(record.get("name") or "").strip() or str(record.get("phone") or record["id"])
