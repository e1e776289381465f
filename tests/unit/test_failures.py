"""The ledger's failures read as PostgreSQL words them. The other cases run against the real
server (tests/integration/test_cli_first_minutes.py); this one cannot, since it trusts every login."""

from __future__ import annotations

import psycopg
from sqlalchemy.exc import OperationalError

from cli.failures import ledger_line

# What psycopg raised for a wrong password against a PostgreSQL with scram-sha-256 logins.
REFUSED = 'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "voicesync"'  # noqa: E501


def test_a_refused_password_is_not_a_missing_table_or_a_silent_server() -> None:
    failure = OperationalError("SELECT 1", {}, psycopg.OperationalError(REFUSED))
    assert ledger_line(failure) == (
        'the ledger database refuses the password of "voicesync": fix the password in DATABASE_URL'
    )
