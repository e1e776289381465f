"""``OdooSandbox``: a stand-in Odoo server on a loopback port, for tests, demo and benchmarks.

It speaks Odoo's real external protocols (JSON-RPC, and JSON-2 for version 19+) over real HTTP,
stores records in one SQLite file, and offers test hooks that bypass RPC: direct reads, "hand
edits" as a user would make them, call counts, fault injection and outgoing webhooks.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from ..faults import FaultInjector, FaultSettings
from ..server import BackgroundServer
from .catalog import DEFAULT_MODULES
from .protocols import OdooApp
from .release import Release
from .service import OdooServer
from .store import Store
from .webhooks import WebhookSender

HAND_EDIT_UID = 1


class OdooSandbox:
    """One database ``db``, one user ``login`` whose password is the API key."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        db: str = "voicesync",
        login: str = "admin",
        api_key: str | None = None,
        version: str = "19.0",
        path: str | None = None,
        seed: int = 0,
        modules: Iterable[str] = DEFAULT_MODULES,
    ) -> None:
        """``modules``: what a fresh database has installed (with their dependencies); by default
        ``base``, ``web``, ``contacts`` (so ``mail``) and ``utm``, not ``base_automation``.
        ``version``: the Odoo it answers as, 16.0 to 19.0 (see :mod:`.release`); a database file
        made before keeps its own."""
        self.db = db
        self.login = login
        self.api_key = api_key or secrets.token_hex(20)
        self._tempdir = None if path else tempfile.mkdtemp(prefix="odoo-sandbox-")
        self.path = path or os.path.join(str(self._tempdir), "odoo.sqlite3")
        self._store = Store(self.path, login, modules, Release.of(version))
        self._webhooks = WebhookSender()
        self._server = OdooServer(self._store, db, login, self.api_key, self._webhooks)
        self._injector = FaultInjector(FaultSettings(), seed)
        app = OdooApp(self._server, self._injector, self._webhooks)
        self._http = BackgroundServer(app, port=port, host=host)
        self._serving = False

    @property
    def faults(self) -> FaultSettings:
        """The live fault settings (mutable; ``GET``/``PUT /_sandbox/faults`` edit the same)."""
        return self._injector.settings

    @faults.setter
    def faults(self, settings: FaultSettings) -> None:
        self._injector.settings = settings

    @property
    def url(self) -> str:
        return self._http.url

    @property
    def port(self) -> int:
        return self._http.port

    def start(self) -> OdooSandbox:
        self._http.start()
        self._serving = True
        return self

    def stop(self) -> None:
        """Stop serving and delete the temporary database (safe if never started)."""
        if self._serving:
            self._http.stop()
            self._serving = False
        self._webhooks.close()
        self._store.close()
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)

    def __enter__(self) -> OdooSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def call_counts(self) -> dict[str, int]:
        """``{"res.partner.load": 3, ...}``: RPC model calls received, faulted ones included."""
        return self._server.call_counts()

    def reset_call_counts(self) -> None:
        self._server.reset_call_counts()

    def set_webhooks(self, hooks: Iterable[Mapping[str, Any]]) -> None:
        """Configure outgoing webhooks, as ``PUT /_sandbox/webhooks`` does."""
        self._webhooks.configure(hooks)

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        return self._webhooks.deliveries()

    def records(
        self,
        model: str,
        domain: list[Any] | None = None,
        fields: list[str] | None = None,
        active_test: bool = False,
    ) -> list[dict[str, Any]]:
        """Read records directly (not counted, no faults, no access rights), ordered by id."""
        with self._server.environment(write=False, context={"active_test": active_test}) as env:
            return env.sudo()[model].search_read(domain or [], fields, order="id")

    def write(self, model: str, ids: int | list[int], values: dict[str, Any], uid: int = HAND_EDIT_UID) -> None:
        """A hand edit, as a person in Odoo's UI makes it (no access rights): bumps
        ``write_date``, is tracked and runs automation rules like an RPC write. ``uid`` is the
        editing user (``write_uid``): by default someone other than the API key's user (user 1,
        the only other one seeded), so rules filtered on ``write_uid`` see a person's edit;
        pass ``uid=2`` to edit as the API user."""
        with self._server.environment(write=True, uid=uid) as env:
            env.sudo()[model].browse(ids).write(values)

    def create(self, model: str, values: dict[str, Any], uid: int = HAND_EDIT_UID) -> int:
        """A record an administrator makes in Odoo's UI (no access rights): a user, say."""
        with self._server.environment(write=True, uid=uid) as env:
            return int(env.sudo()[model].create([values]).ids[0])
