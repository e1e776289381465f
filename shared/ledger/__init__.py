"""The ledger (SQLAlchemy 2.0 + Alembic): inbox, bindings, runs, bookmarks, dead letters."""

from shared.ledger.db import Ledger
from shared.ledger.models import Binding, Bookmark, DeadLetter, InboxEvent, SyncRun

__all__ = ["Binding", "Bookmark", "DeadLetter", "InboxEvent", "Ledger", "SyncRun"]
