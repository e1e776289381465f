"""Dead letters: work that failed for good, kept with its reason until a replay succeeds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select

from shared.ledger.db import Ledger
from shared.ledger.models import DeadLetter, utcnow

if TYPE_CHECKING:
    from shared.upsert import Failure


class DeadLetters:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def add(
        self,
        task_name: str,
        task_kwargs: dict[str, Any],
        *,
        error_type: str,
        reason: str,
        entity: str | None = None,
        record_id: str | None = None,
    ) -> int:
        with self.ledger.session() as session:
            letter = DeadLetter(
                task_name=task_name,
                task_kwargs=task_kwargs,
                entity=entity,
                record_id=record_id,
                error_type=error_type,
                reason=reason[:2000],
            )
            session.add(letter)
            session.flush()
            return letter.id

    def add_record(self, entity: str, failure: Failure, inbox_id: int | None = None) -> int:
        """One record that could not be written, as the ``<entity>.sync_one`` that replays it alone."""
        kwargs: dict[str, Any] = {"platform_id": failure.platform_id}
        if inbox_id is not None:
            kwargs["inbox_id"] = inbox_id
        return self.add(
            f"{entity}.sync_one",
            kwargs,
            error_type=failure.error_type,
            reason=failure.reason,
            entity=entity,
            record_id=failure.platform_id,
        )

    def list(self, limit: int = 100) -> list[DeadLetter]:
        with self.ledger.session() as session:
            return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id).limit(limit)))

    def get(self, letter_id: int) -> DeadLetter | None:
        with self.ledger.session() as session:
            return session.get(DeadLetter, letter_id)

    def mark_replayed(self, letter_id: int) -> None:
        with self.ledger.session() as session:
            letter = session.get(DeadLetter, letter_id)
            if letter is not None:
                letter.replayed_at = utcnow()

    def remove(self, letter_id: int) -> None:
        """A replay succeeded: the letter leaves the table."""
        with self.ledger.session() as session:
            session.execute(delete(DeadLetter).where(DeadLetter.id == letter_id))

    def count(self) -> int:
        with self.ledger.session() as session:
            return session.scalar(select(func.count()).select_from(DeadLetter)) or 0

    def count_by_task(self) -> dict[tuple[str, str], int]:
        """Letters per ``(entity, task name)`` (entity ``""`` for a task of none, the relay's)."""
        query = select(DeadLetter.entity, DeadLetter.task_name, func.count()).group_by(
            DeadLetter.entity, DeadLetter.task_name
        )
        with self.ledger.session() as session:
            return {(entity or "", task): int(n) for entity, task, n in session.execute(query)}
