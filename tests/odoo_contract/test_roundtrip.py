"""Odoo -> platform end to end on the Odoo under test: the rule bootstrap makes, the receiver, a
worker; a person's edit reaches the platform once, and voicesync's own syncs cause no push."""

from __future__ import annotations

from collections.abc import Callable

from cli.processes import ManagedProcess, wait_for
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.odoo_setup import Bootstrap
from shared.producer.operations import start_resync
from shared.services import Services
from shared.settings import Settings
from tests.odoo_contract.conftest import OdooTarget
from web import create_app

TOKEN = "contract-roundtrip-token-0123456789"
PUSHES = ("POST /v1/contacts", "PATCH /v1/contacts/<id>")


def pushes(platform: PlatformSandbox) -> int:
    stats = platform.stats()
    return sum(sum(stats.get(key, {}).values()) for key in PUSHES)


def synced(services: Services) -> None:
    run_id = start_resync(services, "contacts", full=True)
    wait_for(lambda: services.runs.get(run_id).status == "succeeded", 120, what="the contacts sync")


def test_a_persons_edit_reaches_the_platform_and_syncs_push_nothing(
    services: Services,
    start_worker: Callable[..., ManagedProcess],
    platform: PlatformSandbox,
    odoo: OdooTarget,
    env: dict[str, str],
    webhook_actions: None,
) -> None:
    env["ODOO_WEBHOOK_TOKEN"] = TOKEN
    start_worker("contacts")
    settings = Settings.from_env({**env, "DATABASE_URL": services.settings.ledger_url})
    with BackgroundServer(create_app(settings)) as receiver:
        Bootstrap(services.odoo).run(f"{receiver.url}/webhooks/odoo/{TOKEN}")
        platform.reset_stats()
        synced(services)
        gone = platform.records("contacts")[3]
        platform.delete("contacts", gone["id"], emit=False)
        synced(services)  # archives one partner
        assert pushes(platform) == 0 and services.inbox.by_status("processed") == []

        contact = platform.records("contacts")[6]
        partner_id = services.binder.get_many("contacts", [contact["id"]])[contact["id"]].odoo_id
        odoo.edit_as_someone_else("res.partner", [partner_id], {"phone": "+14155550999"})
        # the stand-in counts a request after answering it: wait for the count, not only the write
        wait_for(lambda: pushes(platform) >= 1, 60, what="the push")
        assert platform.get("contacts", contact["id"])["phone"] == "+14155550999"
        assert pushes(platform) == 1
        assert services.dead_letters.list(limit=10) == []
