"""PostgreSQL keeps planning the per-page binding lookups well while a first sync grows the table."""

from __future__ import annotations

from sqlalchemy import text

from cli.processes import wait_for
from shared.ledger.bindings import Binder, BindingRow
from shared.ledger.db import ANALYZE_MIN_CHANGES, Ledger


def analyzed(ledger: Ledger) -> bool:
    with ledger.engine.connect() as connection:
        query = "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'bindings'"
        return bool(connection.execute(text(query)).scalar())


def test_the_bindings_table_is_analyzed_once_enough_of_it_changed(postgres_url: str) -> None:
    ledger = Ledger(postgres_url)
    ledger.upgrade()
    binder = Binder(ledger)
    try:
        binder.bind_many("contacts", [BindingRow(f"ct_{n}", n, "h", "2026-01-01T00:00:00Z") for n in range(20)])
        assert not analyzed(ledger)  # a handful of rows: left to autovacuum, if it runs
        bulk = [BindingRow(f"ct_{n}", n, "h", "2026-01-01T00:00:00Z") for n in range(20, 20 + ANALYZE_MIN_CHANGES)]
        binder.bind_many("contacts", bulk)
        one_more = [BindingRow("ct_late", 1, "h", "2026-01-01T00:00:00Z")]
        # the server publishes a backend's row counts within a second or so; a later page sees them
        wait_for(lambda: binder.bind_many("contacts", one_more) or analyzed(ledger), 10, what="ANALYZE bindings")
    finally:
        ledger.dispose()
