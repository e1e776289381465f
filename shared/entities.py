"""What makes one entity differ from another, as typed data validated at import time.

Everything else (tasks, upsert, webhooks routing, CLI) is generic over an :class:`EntitySpec`.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.mappers.base import XMLID_MODULE, Mapper, Ref, xmlid_name
from shared.mappers.calls import CallMapper
from shared.mappers.campaigns import CampaignMapper
from shared.mappers.contacts import ContactMapper


@dataclass(frozen=True)
class EntitySpec:
    """One synced entity: Odoo model, external-id prefix, mapper, queue."""

    name: str
    singular: str
    odoo_model: str
    mapper: Mapper

    @property
    def queue(self) -> str:
        return self.name

    def xmlid_name(self, platform_id: str) -> str:
        return xmlid_name(self.singular, platform_id)

    def xmlid(self, platform_id: str) -> str:
        return f"{XMLID_MODULE}.{self.xmlid_name(platform_id)}"

    @property
    def dependencies(self) -> tuple[str, ...]:
        return tuple(entity for _key, entity in self.mapper.references.values())


ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("contacts", "contact", "res.partner", ContactMapper()),
        EntitySpec("campaigns", "campaign", "utm.campaign", CampaignMapper()),
        EntitySpec("calls", "call", "x_voicesync_call", CallMapper()),
    )
}
BY_SINGULAR: dict[str, EntitySpec] = {spec.singular: spec for spec in ENTITIES.values()}


def ref_xmlid(ref: Ref) -> str:
    """The full external id (``voicesync.contact_<id>``) a :class:`Ref` points at."""
    return ENTITIES[ref.entity].xmlid(ref.platform_id)


def _validate() -> None:
    for spec in ENTITIES.values():
        for dependency in spec.dependencies:
            if dependency not in ENTITIES:
                raise RuntimeError(f"{spec.name} references unknown entity {dependency}")
        unknown = {f for _k, f in spec.mapper.direct} - set(spec.mapper.fields)
        if unknown:
            raise RuntimeError(f"{spec.name} maps to undeclared fields {sorted(unknown)}")


_validate()
