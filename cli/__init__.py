"""The ``voicesync`` command line."""

from __future__ import annotations

from typing import Any

import click

from cli import db, demo, operate, sandbox
from shared.errors import VoicesyncError


class Commands(click.Group):
    """An expected failure (an outside system refusing, a bad setting) is one line and exit 1,
    never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VoicesyncError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Keep Odoo in step with the voice platform: contacts, campaigns and calls."""


for command in (
    demo.demo,
    sandbox.sandbox,
    db.db,
    operate.resync,
    operate.status,
    operate.dlq,
    operate.odoo,
    operate.relay,
):
    main.add_command(command)
