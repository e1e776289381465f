"""The SQLite file behind the sandbox: one real table per model, one transaction per call.

Requests are served by many threads, so connections come from a small pool; writers are
serialized by a lock (SQLite allows one writer) while readers run concurrently on WAL
snapshots. DDL is transactional in SQLite, so after a rollback the registry is simply
re-read from what was committed.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext

from .access import AllowedModels
from .catalog import DEFAULT_MODULES
from .ddl import now
from .install import install, installed_modules
from .registry import Registry
from .release import NEWEST, Release
from .schema import ADMIN_UID

__all__ = ["Store", "now"]


class Store:
    """Pooled connections to one SQLite file, the current :class:`Registry` and the
    allowed-models cache. A fresh file gets ``base`` and ``modules`` installed, as ``release``
    has them; a file made before keeps the release it was made with."""

    def __init__(
        self,
        path: str,
        admin_login: str,
        modules: Iterable[str] = DEFAULT_MODULES,
        release: Release = NEWEST,
    ) -> None:
        self.path = path
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []
        self._write_lock = threading.RLock()
        self.allowed = AllowedModels()
        with self.transaction(write=True) as cr:
            if not installed_modules(cr):
                install(cr, modules, release)
            cr.execute("UPDATE res_users SET login = ? WHERE id = ?", (admin_login, ADMIN_UID))
            self.registry = Registry.load(cr)

    def _connect(self) -> sqlite3.Connection:
        cr = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        cr.execute("PRAGMA journal_mode=WAL")
        cr.execute("PRAGMA synchronous=NORMAL")
        cr.execute("PRAGMA case_sensitive_like=ON")
        self._all.append(cr)
        return cr

    @contextmanager
    def transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction: committed on success, rolled back (registry included) on error; a
        rolled-back transaction that cleared the access cache clears it again."""
        generation = self.allowed.generation
        try:
            cr = self._idle.get_nowait()
        except queue.Empty:
            cr = self._connect()
        try:
            with self._write_lock if write else nullcontext():
                cr.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield cr
                except BaseException:
                    cr.execute("ROLLBACK")
                    if write:
                        self.registry = Registry.load(cr)
                    if self.allowed.generation != generation:
                        self.allowed.clear()
                    raise
                cr.execute("COMMIT")
        finally:
            self._idle.put(cr)

    def close(self) -> None:
        for cr in self._all:
            cr.close()
