"""The check every fault test ends with.

Every platform record is in Odoo exactly once with the platform's current values, there are no
extra or duplicate records, every accepted webhook is in the inbox as processed or ignored, and no
task is left unacknowledged on the broker.
"""

from __future__ import annotations

import redis
from kombu import Connection
from kombu.exceptions import ChannelError

from cli.processes import wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared.entities import ENTITIES
from shared.parity import check
from shared.services import Services


def waiting_messages(broker_url: str, queues: tuple[str, ...]) -> int:
    """Messages still queued on any broker (a queue the broker does not know holds none)."""
    total = 0
    with Connection(broker_url, connect_timeout=5) as connection:
        for queue in queues:
            try:
                total += connection.default_channel.queue_declare(queue=queue, passive=True).message_count
            except ChannelError:
                connection.close()
                connection.connect()
    return total


def people(services: Services) -> set[str]:
    """The phones of the contacts the platform lists (or, for Vapi, its calls and campaigns name)."""
    return {str(r["phone"]) for page in services.platform.pages("contacts") for r in page.records if r.get("phone")}


def counted(services: Services, platform: PlatformSandbox, odoo: OdooSandbox, name: str) -> bool:
    """Active Odoo records one for one with the platform's: one partner per person, one call each."""
    if name == "contacts":
        phones = people(services)
        return len(odoo.records("res.partner", [("phone", "in", sorted(phones))], ["id"])) == len(phones)
    if name == "calls":
        return len(odoo.records("x_voicesync_call", [], ["id"])) == len(platform.records("calls"))
    return True


def in_parity(services: Services, platform: PlatformSandbox, odoo: OdooSandbox, entities: tuple[str, ...]) -> bool:
    return all(check(ENTITIES[name], services.platform, services.odoo).ok and counted(services, platform, odoo, name)
               for name in entities)  # fmt: skip


def assert_parity(
    services: Services,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    entities: tuple[str, ...] = ("contacts",),
    timeout: float = 90,
) -> None:
    try:
        wait_for(lambda: in_parity(services, platform, odoo, entities), timeout, interval=0.5, what="parity")
    except TimeoutError:
        reports = [check(ENTITIES[name], services.platform, services.odoo) for name in entities]
        details = (f"{r.summary()} {r.missing[:3]} {list(r.mismatched.items())[:2]}" for r in reports)
        raise AssertionError("; ".join(details)) from None
    wait_for(lambda: not services.inbox.by_status("received", "enqueued"), 30, what="every webhook handled")
    failed = services.inbox.by_status("failed")
    assert failed == [], [(r.id, r.error) for r in failed]
    broker_url = services.settings.broker_url
    wait_for(lambda: waiting_messages(broker_url, tuple(ENTITIES)) == 0, 30, what="empty queues")
    if broker_url.startswith("redis"):
        client = redis.Redis.from_url(broker_url)
        wait_for(lambda: client.hlen("unacked") == 0, 30, what="no unacknowledged task")
