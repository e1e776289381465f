"""Dead letters: work that failed for good, kept with its reason until a replay succeeds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from shared.ledger.db import Ledger
from shared.ledger.models import DeadLetter, utcnow


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
