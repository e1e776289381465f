"""Which task a platform event becomes: ``contact.updated`` -> ``contacts.sync_one``."""

from __future__ import annotations

from dataclasses import dataclass

from shared.entities import BY_SINGULAR, EntitySpec

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "contact": ("created", "updated", "deleted"),
    "campaign": ("created", "updated", "deleted"),
    "call": ("created", "updated", "completed"),
}


@dataclass(frozen=True)
class Route:
    spec: EntitySpec


def route(event_type: str) -> Route | None:
    """The route of a known event type; None for a type voicesync does not act on."""
    singular, _, action = event_type.partition(".")
    if action not in EVENT_TYPES.get(singular, ()):
        return None
    return Route(BY_SINGULAR[singular])
