"""How commands print: ``--json`` for every listing and report, and tables that fit 100 columns."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Machine-readable output, every field in full.")
TABLE_WIDTH = 100


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2))


def shorten(text: str, width: int) -> str:
    """The first line of ``text``, cut to ``width`` characters with ``...`` when longer."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: max(0, width - 3)] + "..."


def echo_table(columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[str]]) -> None:
    """A header and one line per row; every column but the last is ``(title, width)`` wide, and
    the last takes what is left of :data:`TABLE_WIDTH`."""
    last = TABLE_WIDTH - sum(width + 1 for _, width in columns[:-1])
    widths = [width for _, width in columns[:-1]] + [last]
    for cells in [[title for title, _ in columns], *rows]:
        click.echo(" ".join(f"{shorten(cell, w):<{w}}" for cell, w in zip(cells, widths, strict=True)).rstrip())
