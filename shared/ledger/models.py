"""The ledger's tables: what voicesync knows about its own work, kept beside neither system.

- ``inbox``: every accepted webhook, committed before the answer (nothing acknowledged is lost).
- ``bindings``: platform record <-> Odoo record, with the hash of what voicesync last wrote.
- ``sync_runs`` and ``bookmarks``: each reconciliation with its counts; where incremental runs resume.
- ``dead_letters``: work that failed for good, with the reason and what it takes to replay it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.ledger.states import InboxStatus, RunStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class InboxEvent(Base):
    """One accepted webhook: raw body as received, its dedupe key, and what became of it."""

    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.RECEIVED)
    task_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_inbox_status_updated", "status", "updated_at"),)


class Binding(Base):
    """Where a platform record lives in Odoo and what voicesync last wrote there."""

    __tablename__ = "bindings"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    platform_id: Mapped[str] = mapped_column(String(128))
    odoo_id: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_updated_at: Mapped[str] = mapped_column(String(40))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_run: Mapped[int | None] = mapped_column(Integer)
    # Whose record it is: "platform" (voicesync created it, the platform's values win) or "odoo"
    # (Odoo's people made it: matched or pushed from Odoo; only its empty fields are filled).
    owner: Mapped[str] = mapped_column(String(16), default="platform", server_default="platform")

    __table_args__ = (
        UniqueConstraint("entity", "platform_id", name="uq_bindings_entity_platform_id"),
        # odoo_id first: with entity first, a planner without statistics (a fresh ledger) took this
        # index for platform-id lookups and read every binding of the entity on every page.
        Index("ix_bindings_odoo_id_entity", "odoo_id", "entity"),
    )


class SyncRun(Base):
    """One reconciliation of one entity, with its progress and counts."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    since: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pages_total: Mapped[int | None] = mapped_column(Integer)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    records_total: Mapped[int | None] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[int] = mapped_column(Integer, default=0)
    drift_repaired: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ambiguous: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cursor: Mapped[str | None] = mapped_column(Text)  # where a walk stands (JSON), for its retries

    __table_args__ = (Index("ix_sync_runs_entity_started", "entity", "started_at"),)


class AmbiguousMatch(Base):
    """A contact that several existing partners could be: bound to none until one remains."""

    __tablename__ = "ambiguous_matches"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    partner_ids: Mapped[str] = mapped_column(String(255))
    by: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunPage(Base):
    """A page a run has counted: a page task that runs again (a retry, a redelivery after its
    worker died) upserts again harmlessly but is not counted twice."""

    __tablename__ = "run_pages"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page: Mapped[int] = mapped_column(Integer, primary_key=True)


class Bookmark(Base):
    """Where the next incremental run of an entity starts (moved only after a clean run)."""

    __tablename__ = "bookmarks"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeadLetter(Base):
    """Work that cannot succeed by retrying; ``voicesync dlq replay`` sends it again."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    task_name: Mapped[str] = mapped_column(String(128))
    task_kwargs: Mapped[dict[str, Any]] = mapped_column(JSON)
    entity: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(128))
    error_type: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    replayed_at: Mapped[datetime | None]
