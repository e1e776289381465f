"""The binder: platform id <-> Odoo id, with the hash and source time of what voicesync wrote.

OCA connector's binder in ledger form. Reads are batched per page (one query for many ids);
writes are one upsert statement per page, portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shared.ledger.db import Ledger
from shared.ledger.models import AmbiguousMatch, Binding, utcnow

# Binding.owner: voicesync created the record from the platform, or Odoo's people made it.
PLATFORM, ODOO = "platform", "odoo"


@dataclass(frozen=True)
class BindingRow:
    """What the upsert engine records after a write (or a confirmed no-op)."""

    platform_id: str
    odoo_id: int
    content_hash: str
    source_updated_at: str
    owner: str = PLATFORM  # set when the binding is made, never changed by a later one


class Binder:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        dialect = ledger.engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    def get_many(self, entity: str, platform_ids: Iterable[str]) -> dict[str, Binding]:
        ids = list(platform_ids)
        if not ids:
            return {}
        with self.ledger.session() as session:
            rows = session.scalars(select(Binding).where(Binding.entity == entity, Binding.platform_id.in_(ids)))
            return {row.platform_id: row for row in rows}

    def by_odoo_ids(self, entity: str, odoo_ids: Iterable[int]) -> dict[int, Binding]:
        ids = list(odoo_ids)
        if not ids:
            return {}
        with self.ledger.session() as session:
            rows = session.scalars(select(Binding).where(Binding.entity == entity, Binding.odoo_id.in_(ids)))
            return {row.odoo_id: row for row in rows}

    def bind_many(self, entity: str, rows: list[BindingRow], run_id: int | None = None) -> None:
        """Record (or refresh) bindings; a re-bound record is no longer marked deleted."""
        if not rows:
            return
        now = utcnow()
        values = [
            {
                "entity": entity,
                "platform_id": row.platform_id,
                "odoo_id": row.odoo_id,
                "content_hash": row.content_hash,
                "source_updated_at": row.source_updated_at,
                "synced_at": now,
                "deleted": False,
                "last_seen_run": run_id,
                "owner": row.owner,
            }
            for row in rows
        ]
        statement = self._insert(Binding)
        columns = ("odoo_id", "content_hash", "source_updated_at", "deleted")
        updates = {name: statement.excluded[name] for name in columns}
        # synced_at is when voicesync last wrote or pushed the record: an unchanged record seen
        # again keeps it (an Odoo edit made since must still count as newer, odoo_push).
        changed = or_(Binding.content_hash != statement.excluded["content_hash"], Binding.deleted.is_(True))
        updates["synced_at"] = case((changed, statement.excluded["synced_at"]), else_=Binding.synced_at)
        # Outside a run (a webhook, a linked record) the record keeps the run that last saw it.
        updates["last_seen_run"] = func.coalesce(statement.excluded["last_seen_run"], Binding.last_seen_run)
        statement = statement.on_conflict_do_update(index_elements=["entity", "platform_id"], set_=updates)
        with self.ledger.session() as session:
            session.execute(statement, values)  # one statement, the rows batched by SQLAlchemy
        self.ledger.keep_statistics(Binding.__tablename__)

    def mark_deleted(self, entity: str, platform_ids: list[str]) -> None:
        if not platform_ids:
            return
        with self.ledger.session() as session:
            session.execute(
                update(Binding)
                .where(Binding.entity == entity, Binding.platform_id.in_(platform_ids))
                .values(deleted=True, synced_at=utcnow())
            )

    def forget(self, entity: str) -> int:
        """Drop every binding of ``entity``: its Odoo records are gone (``bootstrap --uninstall``),
        so the next sync must create them again rather than find them unchanged."""
        with self.ledger.session() as session:
            return int(session.execute(delete(Binding).where(Binding.entity == entity)).rowcount or 0)

    def count(self, entity: str, *, deleted: bool = False) -> int:
        """The entity's bindings; with ``deleted``, those of records gone from the platform too."""
        query = select(func.count()).select_from(Binding).where(Binding.entity == entity)
        if not deleted:
            query = query.where(Binding.deleted.is_(False))
        with self.ledger.session() as session:
            return session.scalar(query) or 0

    def note_ambiguous(self, entity: str, rows: dict[str, tuple[tuple[int, ...], str]]) -> None:
        """Keep the records that several partners could be (platform id -> (partner ids, by what))."""
        if not rows:
            return
        statement = self._insert(AmbiguousMatch)
        statement = statement.on_conflict_do_update(
            index_elements=["entity", "platform_id"],
            set_={name: statement.excluded[name] for name in ("partner_ids", "by", "seen_at")},
        )
        values = [
            {
                "entity": entity,
                "platform_id": pid,
                "partner_ids": ",".join(map(str, ids))[:255],
                "by": by,
                "seen_at": utcnow(),
            }
            for pid, (ids, by) in rows.items()
        ]
        with self.ledger.session() as session:
            session.execute(statement, values)

    def clear_ambiguous(self, entity: str, platform_ids: Iterable[str]) -> None:
        """Forget that these records were ambiguous (each has one partner or none now)."""
        ids = list(platform_ids)
        if not ids:
            return
        with self.ledger.session() as session:
            # Nearly always nothing waits: a one-row probe spares a page-sized DELETE on every page.
            waiting = select(AmbiguousMatch.platform_id).where(AmbiguousMatch.entity == entity).limit(1)
            if session.scalar(waiting) is not None:
                session.execute(
                    delete(AmbiguousMatch).where(AmbiguousMatch.entity == entity, AmbiguousMatch.platform_id.in_(ids))
                )

    def ambiguous(self, entity: str, platform_ids: Iterable[str] | None = None) -> dict[str, AmbiguousMatch]:
        """The records waiting for a single partner (all of them, or those of ``platform_ids``)."""
        query = select(AmbiguousMatch).where(AmbiguousMatch.entity == entity)
        if platform_ids is not None:
            query = query.where(AmbiguousMatch.platform_id.in_(list(platform_ids)))
        with self.ledger.session() as session:
            return {row.platform_id: row for row in session.scalars(query.order_by(AmbiguousMatch.platform_id))}
