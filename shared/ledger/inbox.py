"""The durable webhook inbox: committed before the answer, deduplicated by an atomic insert."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Result, delete, func, select, text, update
from sqlalchemy.dialects import sqlite

from shared.ledger.db import Ledger
from shared.ledger.models import InboxEvent, utcnow
from shared.ledger.states import BACKLOG, HANDLED_ROW, InboxStatus
from shared.timeutil import utc

_INSERTED = ("source", "dedupe_key", "event_type", "entity", "record_id", "payload", "status", "task_id")
_POSTGRES_INSERT = text(
    f"INSERT INTO inbox ({', '.join(_INSERTED)}, received_at, updated_at) "
    f"SELECT {', '.join(_INSERTED)}, :now, :now FROM json_to_recordset(CAST(:rows AS json)) "
    f"AS r({', '.join(f'{column} text' for column in _INSERTED)}) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key"
)


class Inbox:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._dialect = ledger.engine.dialect.name

    def accept(self, events: list[InboxEvent]) -> list[int | None]:
        """Insert-if-absent, all in one transaction: each event's new row id, or None for a ``dedupe_key``
        that was already there (in the table, or earlier in ``events``).

        One statement per batch, so two racing deliveries of the same event make one row, and a
        receiver under load pays one commit for many webhooks.
        """
        first: dict[str, InboxEvent] = {}
        for event in events:
            first.setdefault(event.dedupe_key, event)
        if not first:
            return []
        with self.ledger.autocommit.begin() as connection:  # one statement: its own transaction
            created = {key: row_id for row_id, key in self._insert_new(connection, list(first.values()))}
        ids: list[int | None] = []
        for event in events:
            row_id = created.get(event.dedupe_key) if first[event.dedupe_key] is event else None
            ids.append(row_id)
            event.id = row_id  # type: ignore[assignment]
        return ids

    def _insert_new(self, connection: Connection, events: list[InboxEvent]) -> Result[Any]:
        """``(id, dedupe_key)`` of the rows inserted. PostgreSQL gets the batch as one JSON parameter,
        so the statement is the same short text for every batch size and the driver caches its parse
        (a multi-row VALUES is parsed afresh each time and cost more than the insert); SQLite takes
        SQLAlchemy's multi-row VALUES."""
        now = utcnow()
        rows = [{column: getattr(event, column) for column in _INSERTED} for event in events]
        if self._dialect == "postgresql":
            return connection.execute(_POSTGRES_INSERT, {"rows": json.dumps(rows), "now": now})
        rows = [row | {"received_at": now, "updated_at": now} for row in rows]
        statement = (
            sqlite.insert(InboxEvent)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(InboxEvent.id, InboxEvent.dedupe_key)
        )
        return connection.execute(statement, rows)

    def mark_pending(self, event_ids: list[int]) -> None:
        """The broker did not take these rows: the relay sends them."""
        self._set(event_ids, InboxStatus.RECEIVED)

    def mark_sent(self, event_ids: list[int], task_id: str) -> None:
        self._set(event_ids, InboxStatus.ENQUEUED, task_id=task_id)

    def mark_processed(self, event_ids: list[int], task_id: str) -> None:
        self._set(event_ids, InboxStatus.PROCESSED, task_id=task_id)

    def mark_failed(self, event_ids: list[int], task_id: str, error: str) -> None:
        self._set(event_ids, InboxStatus.FAILED, task_id=task_id, error=error)

    def _set(
        self, event_ids: list[int], status: InboxStatus, *, task_id: str | None = None, error: str | None = None
    ) -> None:
        if not event_ids:
            return
        values: dict[str, object] = {"status": status, "updated_at": utcnow()}
        if task_id is not None:
            values["task_id"] = task_id
        if error is not None:
            values["error"] = error[:2000]
        with self.ledger.session() as session:
            session.execute(update(InboxEvent).where(InboxEvent.id.in_(event_ids)).values(**values))

    def get(self, event_id: int) -> InboxEvent | None:
        with self.ledger.session() as session:
            return session.get(InboxEvent, event_id)

    def by_status(
        self, *statuses: InboxStatus, older_than: datetime | None = None, limit: int = 500
    ) -> list[InboxEvent]:
        with self.ledger.session() as session:
            query = select(InboxEvent).where(InboxEvent.status.in_(statuses))
            if older_than is not None:
                query = query.where(InboxEvent.updated_at < older_than)
            return list(session.scalars(query.order_by(InboxEvent.id).limit(limit)))

    def pending_count(self) -> int:
        """Rows accepted but not yet handed to the broker."""
        with self.ledger.session() as session:
            return (
                session.scalar(
                    select(func.count()).select_from(InboxEvent).where(InboxEvent.status == InboxStatus.RECEIVED)
                )
                or 0
            )

    def backlog(self) -> dict[InboxStatus, tuple[int, datetime]]:
        """Rows not yet processed, per status (``received``: waiting for the broker; ``enqueued``:
        waiting for a worker): how many, and when the oldest of them was received."""
        query = (
            select(InboxEvent.status, func.count(), func.min(InboxEvent.received_at))
            .where(InboxEvent.status.in_(BACKLOG))
            .group_by(InboxEvent.status)
        )
        with self.ledger.session() as session:
            return {InboxStatus(status): (int(n), utc(oldest)) for status, n, oldest in session.execute(query)}

    def prune(self, older_than: datetime, forget_before: datetime) -> int:
        """Empty the payload of processed and ignored rows past the retention period, and drop the
        rows received before ``forget_before``: in between, a row is its dedupe key alone, so a
        delivery replayed after retention (Bland's carry no timestamp) is still a duplicate.
        Failed rows are kept whole. The rows emptied or dropped."""
        handled = InboxEvent.status.in_(HANDLED_ROW)
        with self.ledger.session() as session:
            emptied = session.execute(
                update(InboxEvent)
                .where(handled, InboxEvent.updated_at < older_than, InboxEvent.payload != "")
                .values(payload="", updated_at=InboxEvent.updated_at)
            )
            dropped = session.execute(delete(InboxEvent).where(handled, InboxEvent.received_at < forget_before))
            return int(emptied.rowcount or 0) + int(dropped.rowcount or 0)
