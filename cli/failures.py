"""The one place that turns an expected failure into the one line an operator reads.

A command never shows a traceback for something an operator can fix: a bad setting, an outside
system refusing, a ledger without its tables, a database or broker that does not answer. Each
becomes a line saying what is wrong and what to do, and exit status 1. Anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

import re

import click
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError

from shared.connections import broker_trouble
from shared.errors import VoicesyncError
from shared.settings import get_settings

LEDGER_DIAGNOSES = (
    (
        re.compile(r'role "(?P<name>[^"]*)" does not exist'),
        'the ledger database has no role "{name}" (the user in DATABASE_URL): create it or fix DATABASE_URL',
    ),
    (
        re.compile(r'password authentication failed for user "(?P<name>[^"]*)"'),
        'the ledger database refuses the password of "{name}": fix the password in DATABASE_URL',
    ),
    (
        re.compile(r'database "(?P<name>[^"]*)" does not exist'),
        'the ledger database "{name}" does not exist: create it or fix DATABASE_URL',
    ),
    (
        re.compile(r'no such table|relation "[^"]*" does not exist'),
        "the ledger has no tables yet ({detail}): run `voicesync db upgrade` first",
    ),
)
"""What the database said, by its own words (PostgreSQL's and SQLite's), and what to do about it."""


def ledger_line(exc: DBAPIError) -> str:
    """The ledger's failure in one line: a missing role, a refused password, a missing database, no
    tables yet, or a database that does not answer."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    for said, line in LEDGER_DIAGNOSES:
        found = said.search(detail)
        if found:
            return line.format(detail=detail, **found.groupdict())
    return f"the ledger database (DATABASE_URL) does not answer: {detail}; start it or fix DATABASE_URL"


def one_line(exc: BaseException) -> str | None:
    """The operator's line for an expected failure; None for anything else."""
    if isinstance(exc, VoicesyncError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        return ledger_line(exc)
    if isinstance(exc, BrokerError | AMQPError):
        return broker_trouble(exc, get_settings())
    if isinstance(exc, RedisConnectionError):
        return f"Redis (REDIS_URL, else the broker's) does not answer: {exc}; start it or fix REDIS_URL"
    return None


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
