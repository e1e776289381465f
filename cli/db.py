"""``voicesync db upgrade``: create or migrate the ledger's tables."""

from __future__ import annotations

import click

from shared.ledger.db import Ledger
from shared.settings import get_settings


@click.group()
def db() -> None:
    """The ledger database."""


@db.command()
def upgrade() -> None:
    """Bring the ledger schema to the newest migration."""
    ledger = Ledger(get_settings().ledger_url)
    ledger.upgrade()
    click.echo(f"ledger at {ledger.engine.url.render_as_string(hide_password=True)} is up to date")
