"""Odoo -> platform: a partner created or edited in Odoo becomes (or updates) a platform contact.

The trigger is Odoo's "Send Webhook Notification" (or the reconciliation's look at partners
changed since its last run). A notification is a trigger, never a fact: it names a partner, and
the worker reads that partner from Odoo now. Only a partner a person has just changed is pushed:
active (an archived partner is never pushed, so nothing brings it back), last written by someone
other than the integration user, written after voicesync last wrote or pushed it, and, for one
voicesync has never bound, written within ``FRESH`` (an old, untouched partner named by a
notification is not news; the reconciliation's catch-up finds every real change by its
``write_date``).

No echo, either way round, by the same content hash the upsert engine keeps in the binding:

- voicesync's own write to Odoo makes Odoo call back with exactly the values voicesync wrote:
  their hash equals the binding's, so nothing is sent to the platform;
- after a push, the binding is set to the platform's answer, so the platform's own webhook about
  that change finds nothing new and nothing is written to Odoo again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.entities import ENTITIES, ref_xmlid
from shared.errors import NotFound
from shared.importer import lock_name
from shared.ledger.bindings import ODOO, BindingRow
from shared.locks import record_locks
from shared.mappers.base import content_hash
from shared.services import Services
from shared.timeutil import parse_instant, utc

CONTACTS = ENTITIES["contacts"]
PARTNER_FIELDS = ["name", "email", "phone", "active", "write_date", "write_uid"]
LOCK_WAIT_SECONDS = 30.0
FRESH = timedelta(minutes=10)  # how recent a change a notification about an unbound partner may report


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
        """Read the partner a notification names from Odoo now and push it, if a person just
        changed it."""
        try:
            [partner] = self.services.odoo.call(
                "res.partner", "read", ids=[odoo_id], fields=PARTNER_FIELDS, context={"active_test": False}
            )
        except (NotFound, ValueError):
            return PushResult("skipped", reason=f"partner {odoo_id} no longer exists")
        return self.push_partner(partner, fresh=FRESH)

    def push_partner(self, partner: dict[str, Any], fresh: timedelta | None = None) -> PushResult:
        """Create or patch the partner's platform contact, unless the partner holds nothing new.
        ``fresh``: how recently an unbound partner must have been written (a notification's)."""
        services = self.services
        odoo_id = int(partner["id"])
        if not services.platform.capabilities.contact_writes:
            return PushResult("skipped", reason=f"{services.platform.name} takes no contact writes")
        if not partner.get("phone"):
            return PushResult("skipped", reason="the platform needs a phone number")
        if not partner.get("active", True):
            return PushResult("skipped", reason=f"partner {odoo_id} is archived")
        if _many2one_id(partner.get("write_uid")) == services.odoo.uid():
            return PushResult("skipped", reason=f"partner {odoo_id} was last written by voicesync")
        written = _odoo_time(partner.get("write_date"))
        with self._locked(f"partner:{odoo_id}"):
            binding = services.binder.by_odoo_ids(CONTACTS.name, [odoo_id]).get(odoo_id)
            if binding is not None and binding.content_hash == partner_hash(partner):
                return PushResult("unchanged", binding.platform_id)
            # whole seconds, as Odoo keeps write_date: an edit in the same second as the sync is news
            last_synced = utc(binding.synced_at).replace(microsecond=0) if binding is not None else None
            if last_synced is not None and (written is None or written < last_synced):
                return PushResult("skipped", binding.platform_id, reason="no change since voicesync last synced it")
            if binding is None and fresh is not None and (written is None or written < datetime.now(UTC) - fresh):
                return PushResult("skipped", reason=f"partner {odoo_id} was not changed in the last {fresh}")
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


def _many2one_id(value: Any) -> int | None:
    """The id of a many2one as ``read`` returns it (``[id, name]``, or ``False``)."""
    return int(value[0]) if isinstance(value, list) and value else None


def _odoo_time(value: Any) -> datetime | None:
    """Odoo's naive-UTC ``YYYY-MM-DD HH:MM:SS`` as an aware time; ``None`` when absent or malformed."""
    try:
        return parse_instant(str(value)) if value else None
    except ValueError:
        return None


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
