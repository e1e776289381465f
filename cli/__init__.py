"""The ``voicesync`` command line."""

from __future__ import annotations

import click

from cli import check, db, demo, operate, sandbox, stop
from cli.failures import Commands


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="voicesync", prog_name="voicesync", message="%(prog)s %(version)s")
def main() -> None:
    """Keep Odoo in step with the voice platform: contacts, campaigns and calls."""


for command in (
    demo.demo,
    sandbox.sandbox,
    db.db,
    operate.resync,
    operate.status,
    check.check,
    operate.dlq,
    operate.odoo,
    operate.relay,
    stop.stop,
):
    main.add_command(command)
