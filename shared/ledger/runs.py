"""Sync runs and bookmarks: a run's progress is counted in the ledger, atomically, per page.

Pages of one run are upserted by many workers at once, so counts are added with single
``UPDATE ... SET n = n + :k`` statements, and the page that brings ``pages_done`` to
``pages_total`` is the one that finishes the run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shared.ledger.db import Ledger
from shared.ledger.models import Bookmark, RunPage, SyncRun, utcnow
from shared.ledger.states import FINISHED_RUN, OPEN_RUN, RunStatus

COUNTERS = (
    "created", "updated", "unchanged", "archived", "drift_repaired", "matched", "ambiguous", "failed", "retries",
)  # fmt: skip


class Runs:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._insert = postgresql.insert if ledger.engine.dialect.name == "postgresql" else sqlite.insert

    def start(self, entity: str, mode: str, since: str | None, status: RunStatus = RunStatus.RUNNING) -> SyncRun:
        """Open a run, ``running`` (a scheduled run's task) or ``queued`` (an operator's, until its task starts)."""
        if status not in OPEN_RUN:
            raise ValueError(f"a run starts queued or running, not {status}")
        with self.ledger.session() as session:
            run = SyncRun(entity=entity, mode=mode, since=since, status=status)
            session.add(run)
            session.flush()
            return run

    def mark_running(self, run_id: int) -> None:
        """A queued run (opened by ``voicesync resync``) starts when its task does."""
        with self.ledger.session() as session:
            session.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id, SyncRun.status == RunStatus.QUEUED)
                .values(status=RunStatus.RUNNING)
            )

    def abandon_others(self, entity: str, run_id: int) -> int:
        """Runs of ``entity`` still marked running when ``run_id`` holds the lock lost theirs (their
        workers died and the lock expired): close them so they do not look alive forever."""
        with self.ledger.session() as session:
            done = session.execute(
                update(SyncRun)
                .where(SyncRun.entity == entity, SyncRun.id != run_id, SyncRun.status == RunStatus.RUNNING)
                .values(
                    status=RunStatus.FAILED,
                    error="abandoned: its lock expired before it finished",
                    finished_at=utcnow(),
                )
            )
            return int(done.rowcount or 0)

    def get(self, run_id: int) -> SyncRun | None:
        with self.ledger.session() as session:
            return session.get(SyncRun, run_id)

    def set_plan(self, run_id: int, pages_total: int | None, records_total: int | None) -> None:
        with self.ledger.session() as session:
            session.execute(
                update(SyncRun).where(SyncRun.id == run_id).values(pages_total=pages_total, records_total=records_total)
            )

    def save_cursor(self, run_id: int, cursor: str) -> None:
        """Where a walked run stands, so that a retry of its task goes on from there."""
        with self.ledger.session() as session:
            session.execute(update(SyncRun).where(SyncRun.id == run_id).values(cursor=cursor))

    def add(self, run_id: int, **counts: int) -> None:
        """Add to a run's counters (retries, archived, ...)."""
        with self.ledger.session() as session:
            session.execute(update(SyncRun).where(SyncRun.id == run_id).values(**self._increments(counts)))

    def count_page(self, run_id: int, page: int, **counts: int) -> tuple[int, int | None]:
        """Count a page once, whatever number of times its task runs; returns ``(pages_done,
        pages_total)``. The page mark and the counts are one transaction."""
        with self.ledger.session() as session:
            first_time = session.execute(
                self._insert(RunPage).values(run_id=run_id, page=page).on_conflict_do_nothing().returning(RunPage.page)
            ).scalar()
            if first_time:
                row = session.execute(
                    update(SyncRun)
                    .where(SyncRun.id == run_id)
                    .values(**self._increments(counts), pages_done=SyncRun.pages_done + 1)
                    .returning(SyncRun.pages_done, SyncRun.pages_total)
                ).one()
            else:
                row = session.execute(select(SyncRun.pages_done, SyncRun.pages_total).where(SyncRun.id == run_id)).one()
            return int(row[0]), row[1]

    def counted(self, run_id: int, pages: list[int]) -> set[int]:
        """Which of ``pages`` the run has counted already."""
        with self.ledger.session() as session:
            return set(session.scalars(select(RunPage.page).where(RunPage.run_id == run_id, RunPage.page.in_(pages))))

    @staticmethod
    def _increments(counts: dict[str, int]) -> dict[str, Any]:
        unknown = set(counts) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown run counters {sorted(unknown)}")
        return {name: getattr(SyncRun, name) + n for name, n in counts.items() if n}

    def finish(self, run_id: int, status: RunStatus, error: str | None = None) -> bool:
        """Close a run once; False when another worker already closed it."""
        if status not in FINISHED_RUN:
            raise ValueError(f"a run finishes succeeded, failed or skipped, not {status}")
        with self.ledger.session() as session:
            closed = session.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id, SyncRun.status.in_(OPEN_RUN))
                .values(status=status, error=error, finished_at=utcnow())
            )
            return bool(closed.rowcount)

    def recent(self, entity: str, limit: int = 5) -> list[SyncRun]:
        with self.ledger.session() as session:
            return list(
                session.scalars(
                    select(SyncRun).where(SyncRun.entity == entity).order_by(SyncRun.id.desc()).limit(limit)
                )
            )

    def last_successes(self) -> list[SyncRun]:
        """The latest succeeded run of each entity and mode."""
        latest = (
            select(func.max(SyncRun.id))
            .where(SyncRun.status == RunStatus.SUCCEEDED)
            .group_by(SyncRun.entity, SyncRun.mode)
        )
        with self.ledger.session() as session:
            return list(session.scalars(select(SyncRun).where(SyncRun.id.in_(latest))))

    def bookmark(self, entity: str) -> str | None:
        with self.ledger.session() as session:
            row = session.get(Bookmark, entity)
            return row.value if row else None

    def move_bookmark(self, entity: str, value: str) -> None:
        with self.ledger.session() as session:
            row = session.get(Bookmark, entity)
            if row is None:
                session.add(Bookmark(entity=entity, value=value))
            else:
                row.value = value
