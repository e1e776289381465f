"""Contact (platform) -> ``res.partner`` (Odoo)."""

from __future__ import annotations

from typing import Any

from shared.mappers.base import Mapper


class ContactMapper(Mapper):
    fields = {"name": "char", "email": "char", "phone": "char", "active": "boolean"}
    direct = (("email", "email"), ("phone", "phone"))
    computed = {"name": "full_name"}

    def full_name(self, record: dict[str, Any]) -> str:
        """First and last name, else the phone number: Odoo requires a partner name."""
        parts = [str(record.get(k) or "").strip() for k in ("first_name", "last_name")]
        return " ".join(p for p in parts if p) or str(record.get("phone") or record["id"])
