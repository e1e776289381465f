"""``voicesync db upgrade``: create or migrate the ledger's tables."""

from __future__ import annotations

import click

from cli.output import JSON_OPTION, echo_json
from shared.ledger.db import Ledger
from shared.settings import get_settings


@click.group()
def db() -> None:
    """The ledger database."""


@db.command()
@JSON_OPTION
def upgrade(as_json: bool) -> None:
    """Bring the ledger schema to the newest migration."""
    ledger = Ledger(get_settings().ledger_url)
    ledger.upgrade()
    where = ledger.engine.url.render_as_string(hide_password=True)
    if as_json:
        echo_json({"ledger": where, "up_to_date": True})
    else:
        click.echo(f"ledger at {where} is up to date")
