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
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime

from .access import AllowedModels
from .schema import ADMIN_UID, BUILTIN_MODELS, MAGIC_FIELDS, SQL_TYPES, Field, Model, Registry


def now() -> str:
    """The current UTC time as Odoo serializes datetimes."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def column_ddl(field: Field) -> str:
    return f'"{field.name}" {SQL_TYPES[field.ttype]}'


def create_table(cr: sqlite3.Connection, model: Model) -> None:
    columns = ", ".join(column_ddl(f) for f in model.columns)
    cr.execute(f'CREATE TABLE IF NOT EXISTS "{model.table}" (id INTEGER PRIMARY KEY, {columns})')
    for field in model.columns:
        if field.ttype == "many2one" and field.name not in MAGIC_FIELDS:
            index_column(cr, model, field)


def index_column(cr: sqlite3.Connection, model: Model, field: Field) -> None:
    cr.execute(f'CREATE INDEX IF NOT EXISTS "{model.table}__{field.name}_index" ON "{model.table}" ("{field.name}")')


class Store:
    """Pooled connections to one SQLite file, plus the current :class:`Registry`."""

    def __init__(self, path: str, admin_login: str) -> None:
        self.path = path
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []
        self._write_lock = threading.RLock()
        self.allowed = AllowedModels()
        with self.transaction(write=True) as cr:
            fresh = not cr.execute("SELECT 1 FROM sqlite_master WHERE name = 'res_partner'").fetchone()
            if fresh:
                _create_builtin_schema(cr)
                _seed(cr)
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


def _create_builtin_schema(cr: sqlite3.Connection) -> None:
    for model in BUILTIN_MODELS.values():
        create_table(cr, model)
    cr.execute("CREATE UNIQUE INDEX ir_model_data_module_name ON ir_model_data (module, name)")
    cr.execute("CREATE INDEX ir_model_data_model_res_id ON ir_model_data (model, res_id)")
    cr.execute("CREATE UNIQUE INDEX ir_model_model ON ir_model (model)")
    cr.execute("CREATE UNIQUE INDEX ir_model_fields_name ON ir_model_fields (model, name)")
    cr.execute("CREATE INDEX res_partner_name ON res_partner (name)")
    # Odoo's many2many table behind res.groups.users; no field exposes it here
    cr.execute("CREATE TABLE res_groups_users_rel (gid INTEGER NOT NULL, uid INTEGER NOT NULL, PRIMARY KEY (gid, uid))")


def _insert(cr: sqlite3.Connection, table: str, values: dict[str, object]) -> int:
    stamp = now()
    values = {
        "create_date": stamp,
        "write_date": stamp,
        "create_uid": ADMIN_UID,
        "write_uid": ADMIN_UID,
        **values,
    }
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" * len(values))
    cursor = cr.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(values.values()))
    return int(cursor.lastrowid or 0)


def reflect_model(cr: sqlite3.Connection, model: Model) -> int:
    """Write ``model`` and its fields into ``ir_model``/``ir_model_fields``; return its id."""
    model_id = _insert(
        cr,
        "ir_model",
        {
            "model": model.name,
            "name": model.description,
            "state": model.state,
            "order": model.order,
            "transient": 0,
        },
    )
    for field in model.fields.values():
        reflect_field(cr, model_id, model.name, field, "manual" if field.manual else "base")
    return model_id


def reflect_field(cr: sqlite3.Connection, model_id: int, model: str, field: Field, state: str) -> int:
    return _insert(
        cr,
        "ir_model_fields",
        {
            "model_id": model_id,
            "model": model,
            "name": field.name,
            "ttype": field.ttype,
            "field_description": field.string,
            "relation": field.relation,
            "required": int(field.required),
            "readonly": int(field.readonly),
            "store": int(field.store),
            "on_delete": field.on_delete if field.ttype == "many2one" else None,
            "state": state,
        },
    )


def _seed(cr: sqlite3.Connection) -> None:
    """The records every Odoo database starts with, at their usual ids; the API user is an
    internal user (``base.group_user``), the group custom models' access rows usually name."""
    partners = [("YourCompany", 1, 1), ("OdooBot", 0, 0), ("Administrator", 0, 1)]
    for pid, (name, company, active) in enumerate(partners, start=1):
        _insert(cr, "res_partner", {"id": pid, "name": name, "is_company": company, "active": active})
    users = [("__system__", "OdooBot", 2, 0), ("admin", "Administrator", 3, 1)]
    for uid, (login, name, partner, active) in enumerate(users, start=1):
        _insert(cr, "res_users", {"id": uid, "login": login, "name": name, "partner_id": partner, "active": active})
    group_user = _insert(cr, "res_groups", {"name": "Internal User"})
    cr.execute("INSERT INTO res_groups_users_rel (gid, uid) VALUES (?, ?)", (group_user, ADMIN_UID))
    xmlids = [
        ("main_partner", "res.partner", 1),
        ("partner_root", "res.partner", 2),
        ("partner_admin", "res.partner", 3),
        ("user_root", "res.users", 1),
        ("user_admin", "res.users", ADMIN_UID),
        ("group_user", "res.groups", group_user),
    ]
    for model in BUILTIN_MODELS.values():
        model_id = reflect_model(cr, model)
        xmlids.append((f"model_{model.table}", "ir.model", model_id))
    for name, model_name, res_id in xmlids:
        _insert(
            cr,
            "ir_model_data",
            {
                "module": "base",
                "name": name,
                "complete_name": f"base.{name}",
                "model": model_name,
                "res_id": res_id,
                "noupdate": 1,
            },
        )
