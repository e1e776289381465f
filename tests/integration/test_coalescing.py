"""A burst of updates to one record costs one platform read: pending syncs of a record coalesce
into the newest, which reads the latest state; every webhook's inbox row is still processed."""

from __future__ import annotations

import time
from collections.abc import Callable

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.services import Services
from shared.settings import Settings
from web import create_app


def test_a_burst_of_updates_to_one_contact_is_one_platform_read(
    services: Services,
    settings: Settings,
    start_worker: Callable[..., ManagedProcess],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
) -> None:
    contact = platform.records("contacts")[3]
    with BackgroundServer(create_app(settings)) as receiver:
        platform.webhook_url = f"{receiver.url}/webhooks/voice"
        for n in range(10):  # one at a time: ten commits, ten tasks queued while no worker runs
            platform.update("contacts", contact["id"], {"last_name": f"Burst{n}"})
            time.sleep(0.05)
        assert len(services.inbox.by_status("enqueued")) == 10
        platform.reset_stats()
        start_worker()
        wait_for(lambda: len(services.inbox.by_status("processed")) == 10, 30, what="all ten rows processed")
    reads = platform.stats().get("GET /v1/contacts/<id>", {})
    assert reads == {"200": 1}, reads
    [partner] = odoo.records("res.partner", [("name", "like", "Burst")], ["name"])
    assert partner["name"].endswith("Burst9")  # the latest state, read once
