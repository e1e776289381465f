"""Contact (platform) -> ``res.partner`` (Odoo)."""

from __future__ import annotations

from typing import Any

from shared.mappers.base import MAX_CHAR, Mapper, e164


class ContactMapper(Mapper):
    """A person: matched to the partner Odoo already has before one is created. A name or email
    the vendor does not know leaves the partner's own as it is."""

    fields = {"name": "char", "email": "char", "phone": "char", "active": "boolean"}
    direct = (("email", "email"),)
    computed = {"name": "full_name", "phone": "phone_number"}
    unknown_kept = {"name": "name", "email": "email"}
    create_defaults = {"name": "number_as_name"}
    matches_partners = True
    never_written_if = ("user_ids",)  # an Odoo user's partner: a caller must not reach a login's email

    def full_name(self, record: dict[str, Any]) -> str:
        """The person's name, else the phone number: Odoo requires a partner name."""
        return str(record.get("name") or "").strip()[:MAX_CHAR] or self.phone_number(record) or str(record["id"])

    def phone_number(self, record: dict[str, Any]) -> str | bool:
        """The phone as E.164 in ASCII digits; anything else is no phone (empty)."""
        return e164(record.get("phone")) or False

    def number_as_name(self, values: dict[str, Any], platform_id: str) -> str:
        return str(values.get("phone") or platform_id)
