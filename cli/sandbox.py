"""``voicesync sandbox``: both stand-in servers, with the settings that point voicesync at them."""

from __future__ import annotations

import signal
import threading

import click

from sandbox.odoo import OdooSandbox
from sandbox.odoo.release import LATEST, SUPPORTED
from sandbox.platform import PlatformSandbox
from sandbox.platform.vendors import NAMES, load
from sandbox.platform.webhooks import Credential

PORT = click.IntRange(0, 65535)  # a larger number would be taken modulo 65536 by the socket layer


def sandbox_settings(api: PlatformSandbox, odoo: OdooSandbox) -> dict[str, str]:
    """The ``KEY=value`` settings that point voicesync at running sandboxes (the webhook credential's
    are the vendor's: ``VOICE_WEBHOOK_SECRET`` for generic, ``VAPI_WEBHOOK_SECRET`` and
    ``VAPI_WEBHOOK_AUTH`` for Vapi...)."""
    return {
        "VOICE_PLATFORM": api.vendor,
        "VOICE_API_URL": api.url,
        "VOICE_API_KEY": str(api.api_key),
        **api.vendor_settings(),
        "ODOO_URL": odoo.url,
        "ODOO_DB": odoo.db,
        "ODOO_USER": odoo.login,
        "ODOO_API_KEY": odoo.api_key,
    }


@click.command()
@click.option(
    "--platform", "vendor", default="generic", show_default=True, type=click.Choice(NAMES), help="API to speak."
)
@click.option("--contacts", default=100, show_default=True, help="Seeded contacts.")
@click.option("--campaigns", default=5, show_default=True, help="Seeded campaigns.")
@click.option("--calls", default=200, show_default=True, help="Seeded calls.")
@click.option("--seed", default=0, show_default=True, help="Seed of the generated data.")
@click.option("--api-port", default=0, type=PORT, help="Port of the platform API (default: a free one).")
@click.option("--odoo-port", default=0, type=PORT, help="Port of the Odoo server (default: a free one).")
@click.option("--webhook-url", default=None, help="Where the platform sends its webhooks.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 in a container).")
@click.option("--api-key", default=None, help="The platform's API key (default: a random one).")
@click.option("--webhook-secret", default=None, help="The webhook secret (generic: whsec_...; default: random).")
@click.option("--webhook-auth", default=None, help="How webhooks are signed (vapi: bearer or hmac; default bearer).")
@click.option("--odoo-api-key", default=None, help="Odoo's API key (default: a random one).")
@click.option(
    "--odoo-version",
    default=LATEST,
    show_default=True,
    type=click.Choice([str(major) for major in SUPPORTED]),
    callback=lambda _ctx, _param, value: int(value),
    help="The Odoo version to answer as (its routes, protocols and differences).",
)
def sandbox(
    vendor: str,
    contacts: int,
    campaigns: int,
    calls: int,
    seed: int,
    api_port: int,
    odoo_port: int,
    webhook_url: str | None,
    host: str,
    api_key: str | None,
    webhook_secret: str | None,
    webhook_auth: str | None,
    odoo_api_key: str | None,
    odoo_version: int,
) -> None:
    """Run the voice-platform and Odoo sandboxes until interrupted; print their settings."""
    try:
        credential = load(vendor).credential(Credential(kind=webhook_auth, secret=webhook_secret))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--webhook-auth") from None
    api = PlatformSandbox(
        contacts=contacts,
        campaigns=campaigns,
        calls=calls,
        seed=seed,
        port=api_port,
        host=host,
        api_key=api_key,
        webhook_url=webhook_url,
        vendor=vendor,
        webhook_credential=credential,
    ).start()
    odoo = OdooSandbox(port=odoo_port, host=host, api_key=odoo_api_key, version=f"{odoo_version}.0").start()
    for key, value in sandbox_settings(api, odoo).items():
        click.echo(f"{key}={value}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # docker stop, like Ctrl-C
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
        odoo.stop()
