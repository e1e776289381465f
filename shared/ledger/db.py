"""Engine and sessions for the ledger, and the Alembic upgrade that creates its tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
ANALYZE_MIN_CHANGES = 1000
ANALYZE_SHARE = 0.2
_CHANGES_SINCE_ANALYZE = text(
    "SELECT n_live_tup AS rows, n_mod_since_analyze AS modified FROM pg_stat_user_tables "
    "WHERE relname = :table AND schemaname = current_schema()"
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the receiver write while workers read; the busy timeout absorbs short write races."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and concurrency pragmas set."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, **{"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, **options})


class Ledger:
    """The ledger database: one engine per process, a short session per unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def autocommit(self) -> Engine:
        """For work that is one statement: on PostgreSQL it is its own transaction, without a BEGIN
        and a COMMIT round trip each (the receiver's inbox insert); ``begin()`` still commits on
        SQLite, whose commit costs no round trip."""
        if self.engine.dialect.name != "postgresql":
            return self.engine
        return make_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=2)

    def keep_statistics(self, table: str) -> None:
        """On PostgreSQL, ANALYZE ``table`` once a fifth of it (and at least 1,000 rows) changed since
        its last statistics, as autovacuum would. Without them (autovacuum off, or not yet round
        during a first sync that grows the table from nothing) the planner reads every binding of
        an entity for each page's lookup, and a sync of 100,000 records slows to a crawl."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.connect() as connection:
            changed = connection.execute(_CHANGES_SINCE_ANALYZE, {"table": table}).first()
            if changed is not None and changed.modified >= max(ANALYZE_MIN_CHANGES, ANALYZE_SHARE * changed.rows):
                connection.execute(text(f'ANALYZE "{table}"'))
                connection.commit()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self._sessions.begin() as session:
            yield session

    def _migrations(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection_url"] = self.url
        return config

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (``voicesync db upgrade``)."""
        config = self._migrations()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def migration(self) -> tuple[str | None, str]:
        """The schema's migration (None before the first upgrade) and the newest one there is."""
        newest = ScriptDirectory.from_config(self._migrations()).get_current_head()
        assert newest is not None
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision(), newest

    def dispose(self) -> None:
        self.engine.dispose()
        if "autocommit" in self.__dict__:
            self.autocommit.dispose()
