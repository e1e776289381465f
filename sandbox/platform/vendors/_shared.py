"""What the vendor modules' renderings share: store numbers, the scripted conversation of a
completed call, and reading the whole store (not a vendor: ``NAMES`` skips ``_`` modules)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.platform.service import PlatformSandbox
    from sandbox.platform.store import Record

Check = Callable[["Record"], bool]
ANSWERS = ("Sure, go ahead.", "Yes, speaking.", "Okay, what is it about?")
GOODBYE = "Thank you for your time. Goodbye!"


def store_number(store_id: str) -> int:
    """The number in a store id (``cl_00000012`` -> 12): what deterministic choices are made by."""
    return int(store_id.rsplit("_", 1)[1])


def pick(options: tuple[Any, ...], number: int) -> Any:
    return options[number % len(options)]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def conversation(record: Record, contact: Record | None, agent: str) -> list[tuple[str, str]]:
    """The sandbox's one script of a completed call, ``("agent" | "user", text)``, which each
    vendor writes its own way; the customer's last line is the call's summary."""
    name = (contact or {}).get("first_name") or "there"
    return [
        ("agent", f"Hi {name}, this is {agent} calling from the voicesync sandbox."),
        ("user", pick(ANSWERS, store_number(record["id"]))),
        ("agent", "I'm calling about your account. Is now a good time?"),
        ("user", record["summary"] or "Thanks, that is all."),
        ("agent", GOODBYE),
    ]


def everything(platform: PlatformSandbox, entity: str) -> list[Record]:
    """Every live record in id order; shared with the store, so not to be mutated."""
    total = platform.store.page(entity, 1, 1).total
    return platform.store.page(entity, 1, max(total, 1)).records


def matching(records: Iterable[Record], checks: list[Check]) -> list[Record]:
    return [record for record in records if all(check(record) for check in checks)]
