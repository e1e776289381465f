"""The one place that turns an expected failure into the one line an operator reads.

A command never shows a traceback for something an operator can fix: a bad setting, an outside
system refusing, a ledger without its tables, a database or broker that does not answer. Each
becomes a line saying what is wrong and what to do, and exit status 1. Anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

import click
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError

from shared.errors import VoicesyncError

NO_TABLES = ("no such table", "does not exist")


def one_line(exc: BaseException) -> str | None:
    """The operator's line for an expected failure; None for anything else."""
    if isinstance(exc, VoicesyncError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        if any(sign in detail for sign in NO_TABLES):
            return f"the ledger has no tables yet ({detail}): run `voicesync db upgrade` first"
        return f"the ledger database (DATABASE_URL) does not answer: {detail}"
    if isinstance(exc, BrokerError | RedisConnectionError):
        return broker_down(exc)
    return None


def broker_down(detail: object) -> str:
    """The line for a broker that does not answer, ``detail`` in its own words."""
    return f"the broker (BROKER_URL) does not answer: {detail}; start it or fix BROKER_URL"


class Commands(click.Group):
    """Every ``voicesync`` command runs through :func:`one_line`."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            line = one_line(exc)
            if line is None:
                raise
            raise click.ClickException(line) from None
