"""``voicesync sandbox``: both stand-in servers, with the settings that point voicesync at them."""

from __future__ import annotations

import threading

import click

from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox


def sandbox_settings(api: PlatformSandbox, odoo: OdooSandbox) -> dict[str, str]:
    """The ``KEY=value`` settings that point voicesync at running sandboxes."""
    return {
        "VOICE_API_URL": api.url,
        "VOICE_API_KEY": str(api.api_key),
        "VOICE_WEBHOOK_SECRET": api.webhook_secret,
        "ODOO_URL": odoo.url,
        "ODOO_DB": odoo.db,
        "ODOO_USER": odoo.login,
        "ODOO_API_KEY": odoo.api_key,
    }


@click.command()
@click.option("--contacts", default=100, show_default=True, help="Seeded contacts.")
@click.option("--campaigns", default=5, show_default=True, help="Seeded campaigns.")
@click.option("--calls", default=200, show_default=True, help="Seeded calls.")
@click.option("--seed", default=0, show_default=True, help="Seed of the generated data.")
@click.option("--api-port", default=0, help="Port of the platform API (default: a free one).")
@click.option("--odoo-port", default=0, help="Port of the Odoo server (default: a free one).")
@click.option("--webhook-url", default=None, help="Where the platform sends its webhooks.")
def sandbox(
    contacts: int, campaigns: int, calls: int, seed: int, api_port: int, odoo_port: int, webhook_url: str | None
) -> None:
    """Run the voice-platform and Odoo sandboxes until interrupted; print their settings."""
    api = PlatformSandbox(
        contacts=contacts, campaigns=campaigns, calls=calls, seed=seed, port=api_port, webhook_url=webhook_url
    ).start()
    odoo = OdooSandbox(port=odoo_port).start()
    for key, value in sandbox_settings(api, odoo).items():
        click.echo(f"{key}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
        odoo.stop()
