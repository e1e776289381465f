"""Odoo -> platform: a partner created or edited in Odoo becomes (or updates) a platform contact.

The trigger is Odoo's "Send Webhook Notification" (or the reconciliation's look at partners
changed since its last run); the worker reads the partner from Odoo now, as everywhere else.

No echo, either way round, by the same content hash the upsert engine keeps in the binding:

- voicesync's own write to Odoo makes Odoo call back with exactly the values voicesync wrote:
  their hash equals the binding's, so nothing is sent to the platform;
- after a push, the binding is set to the platform's answer, so the platform's own webhook about
  that change finds nothing new and nothing is written to Odoo again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.entities import ENTITIES, ref_xmlid
from shared.errors import NotFound
from shared.importer import lock_name
from shared.ledger.bindings import ODOO, BindingRow
from shared.locks import record_locks
from shared.mappers.base import content_hash
from shared.services import Services

CONTACTS = ENTITIES["contacts"]
PARTNER_FIELDS = ["name", "email", "phone", "active", "write_date"]
LOCK_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class PushResult:
    outcome: str  # "created", "updated", "unchanged" or "skipped"
    platform_id: str | None = None
    reason: str = ""


def partner_hash(partner: dict[str, Any]) -> str:
    """The partner's owned values hashed as the contact mapper's output would be."""
    values = {name: partner.get(name) for name in CONTACTS.mapper.fields}
    return content_hash(values, ref_xmlid)


class PartnerPusher:
    def __init__(self, services: Services) -> None:
        self.services = services

    def push(self, odoo_id: int) -> PushResult:
        """Read the partner from Odoo now and push it."""
        try:
            [partner] = self.services.odoo.call("res.partner", "read", ids=[odoo_id], fields=PARTNER_FIELDS)
        except (NotFound, ValueError):
            return PushResult("skipped", reason=f"partner {odoo_id} no longer exists")
        return self.push_partner(partner)

    def push_partner(self, partner: dict[str, Any]) -> PushResult:
        """Create or patch the partner's platform contact, unless the partner holds nothing new."""
        services = self.services
        odoo_id = int(partner["id"])
        if not services.platform.capabilities.contact_writes:
            return PushResult("skipped", reason=f"{services.platform.name} takes no contact writes")
        if not partner.get("phone"):
            return PushResult("skipped", reason="the platform needs a phone number")
        with self._locked(f"partner:{odoo_id}"):
            binding = services.binder.by_odoo_ids(CONTACTS.name, [odoo_id]).get(odoo_id)
            if binding is not None and binding.content_hash == partner_hash(partner):
                return PushResult("unchanged", binding.platform_id)
            if binding is not None:
                with self._locked(lock_name(CONTACTS, binding.platform_id)):
                    record = services.platform.update_contact(binding.platform_id, partner).record
                    self._bind(odoo_id, record)
                return PushResult("updated", binding.platform_id)
            record = services.platform.create_contact(partner).record
            # Taken the moment the contact exists: the platform's own webhook about it waits on this
            # lock and then finds the binding, instead of creating a second partner.
            with self._locked(lock_name(CONTACTS, str(record["id"]))):
                self._bind(odoo_id, record)
                services.engine.name_in_odoo(CONTACTS, {str(record["id"]): odoo_id})
            return PushResult("created", str(record["id"]))

    def _locked(self, name: str) -> Any:
        return record_locks(self.services.redis, [name], self.services.settings.record_lock_ttl, LOCK_WAIT_SECONDS)

    def _bind(self, odoo_id: int, record: dict[str, Any]) -> None:
        """Record the platform's answer as what Odoo holds, so its webhook is not an echo back. A
        partner pushed from Odoo is Odoo's: the platform fills only what it leaves empty."""
        digest = content_hash(CONTACTS.mapper.map(record), ref_xmlid)
        row = BindingRow(str(record["id"]), odoo_id, digest, str(record["updated_at"]), owner=ODOO)
        self.services.binder.bind_many(CONTACTS.name, [row])


ODOO_BOOKMARK = "contacts@odoo"


def push_changed_partners(services: Services, batch: int = 500) -> int:
    """Push partners changed in Odoo since the last look (Odoo never retries a webhook it failed
    to deliver). Partners whose values are what voicesync last wrote are skipped by hash, in bulk.
    The first look only sets the bookmark: history is not replayed to the platform."""
    odoo = services.odoo
    latest = odoo.call("res.partner", "search_read", domain=[], fields=["write_date"], order="write_date desc", limit=1)
    since = services.runs.bookmark(ODOO_BOOKMARK)
    pushed = 0
    if since is not None:
        pusher = PartnerPusher(services)
        domain = [("write_date", ">=", since), ("phone", "!=", False)]
        offset = 0
        while page := odoo.call(
            "res.partner", "search_read", domain=domain, fields=PARTNER_FIELDS, order="id", offset=offset, limit=batch
        ):
            offset += len(page)
            bound = services.binder.by_odoo_ids(CONTACTS.name, [p["id"] for p in page])
            for partner in page:
                binding = bound.get(partner["id"])
                if binding is None or binding.content_hash != partner_hash(partner):
                    pushed += pusher.push_partner(partner).outcome in {"created", "updated"}
    if latest:
        services.runs.move_bookmark(ODOO_BOOKMARK, latest[0]["write_date"])
    return pushed
