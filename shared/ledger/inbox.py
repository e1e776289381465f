"""The durable webhook inbox: committed before the answer, deduplicated by an atomic insert."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shared.ledger.db import Ledger
from shared.ledger.models import InboxEvent, utcnow


class Inbox:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        dialect = ledger.engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    def accept(
        self,
        *,
        source: str,
        dedupe_key: str,
        event_type: str,
        entity: str | None,
        record_id: str | None,
        payload: str,
        status: str = "received",
        task_id: str | None = None,
    ) -> int | None:
        """Insert-if-absent: the new row's id, or None when ``dedupe_key`` was already there.

        One statement, so two racing deliveries of the same event make one row.
        """
        statement = (
            self._insert(InboxEvent)
            .values(
                source=source,
                dedupe_key=dedupe_key,
                event_type=event_type,
                entity=entity,
                record_id=record_id,
                payload=payload,
                status=status,
                task_id=task_id,
                received_at=utcnow(),
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(InboxEvent.id)
        )
        with self.ledger.session() as session:
            return session.execute(statement).scalar()

    def set_status(self, event_id: int, status: str, *, task_id: str | None = None, error: str | None = None) -> None:
        values: dict[str, object] = {"status": status, "updated_at": utcnow()}
        if task_id is not None:
            values["task_id"] = task_id
        if error is not None:
            values["error"] = error[:2000]
        with self.ledger.session() as session:
            session.execute(update(InboxEvent).where(InboxEvent.id == event_id).values(**values))

    def get(self, event_id: int) -> InboxEvent | None:
        with self.ledger.session() as session:
            return session.get(InboxEvent, event_id)

    def by_status(self, *statuses: str, older_than: datetime | None = None, limit: int = 500) -> list[InboxEvent]:
        with self.ledger.session() as session:
            query = select(InboxEvent).where(InboxEvent.status.in_(statuses))
            if older_than is not None:
                query = query.where(InboxEvent.updated_at < older_than)
            return list(session.scalars(query.order_by(InboxEvent.id).limit(limit)))

    def pending_count(self) -> int:
        """Rows accepted but not yet handed to the broker."""
        with self.ledger.session() as session:
            return (
                session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status == "received")) or 0
            )

    def prune(self, older_than: datetime) -> int:
        """Drop processed and ignored rows past the retention period."""
        with self.ledger.session() as session:
            done = session.execute(
                delete(InboxEvent).where(
                    InboxEvent.status.in_(("processed", "ignored")), InboxEvent.updated_at < older_than
                )
            )
            return int(done.rowcount or 0)
