"""Tables, columns, indexes and reflection rows, as Odoo lays them out in PostgreSQL.

One table per model (``Model.table``), one relation table per many2many
(``{table}(column1, column2)``), and the ``ir_model``/``ir_model_fields`` rows that describe
each model, which is where the registry reads custom models back from.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from .schema import ADMIN_UID, MAGIC_FIELDS, SQL_TYPES, Field, Model, many2many_table


def now() -> str:
    """The current UTC time as Odoo serializes datetimes."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def column_ddl(field: Field) -> str:
    return f'"{field.name}" {SQL_TYPES[field.ttype]}'


def create_table(cr: sqlite3.Connection, model: Model) -> None:
    """The model's table (built-in many2one columns indexed), and its relation tables."""
    columns = ", ".join(column_ddl(f) for f in model.columns)
    cr.execute(f'CREATE TABLE IF NOT EXISTS "{model.table}" (id INTEGER PRIMARY KEY, {columns})')
    for field in model.columns:
        if (field.ttype == "many2one" and field.name not in MAGIC_FIELDS) or field.index:
            index_column(cr, model, field)
    for field in model.many2many:
        create_relation_table(cr, model, field)


def add_column(cr: sqlite3.Connection, model: Model, field: Field) -> None:
    """A field added to an existing model (a custom field, a module's extension)."""
    if field.ttype == "many2many":
        create_relation_table(cr, model, field)
        return
    if not field.column:
        return
    existing = {row[1] for row in cr.execute(f'PRAGMA table_info("{model.table}")')}
    if field.name not in existing:
        cr.execute(f'ALTER TABLE "{model.table}" ADD COLUMN {column_ddl(field)}')
    if field.index:
        index_column(cr, model, field)


def create_relation_table(cr: sqlite3.Connection, model: Model, field: Field) -> None:
    table, column1, column2 = many2many_table(model, field)
    cr.execute(
        f'CREATE TABLE IF NOT EXISTS "{table}" ("{column1}" INTEGER NOT NULL, "{column2}" INTEGER NOT NULL,'
        f' PRIMARY KEY ("{column1}", "{column2}"))'
    )
    cr.execute(f'CREATE INDEX IF NOT EXISTS "{table}_{column2}_idx" ON "{table}" ("{column2}")')


def index_name(model: Model, field: Field) -> str:
    return f"{model.table}__{field.name}_index"


def index_column(cr: sqlite3.Connection, model: Model, field: Field) -> None:
    cr.execute(f'CREATE INDEX IF NOT EXISTS "{index_name(model, field)}" ON "{model.table}" ("{field.name}")')


def drop_index(cr: sqlite3.Connection, model: Model, field: Field) -> None:
    cr.execute(f'DROP INDEX IF EXISTS "{index_name(model, field)}"')


def insert_row(cr: sqlite3.Connection, table: str, values: dict[str, object], log_access: bool = True) -> int:
    """Insert one row as the administrator, now; return its id."""
    if log_access:
        stamp = now()
        values = {"create_date": stamp, "write_date": stamp, "create_uid": ADMIN_UID, "write_uid": ADMIN_UID, **values}
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" * len(values))
    cursor = cr.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(values.values()))
    return int(cursor.lastrowid or 0)


def reflect_model(cr: sqlite3.Connection, model: Model) -> int:
    """Write ``model`` and its fields into ``ir_model``/``ir_model_fields``; return its id."""
    model_id = insert_row(
        cr,
        "ir_model",
        {"model": model.name, "name": model.description, "state": model.state, "order": model.order, "transient": 0},
    )
    for field in model.fields.values():
        reflect_field(cr, model_id, model.name, field, "manual" if field.manual else "base")
    return model_id


def reflect_field(cr: sqlite3.Connection, model_id: int, model: str, field: Field, state: str) -> int:
    return insert_row(
        cr,
        "ir_model_fields",
        {
            "model_id": model_id,
            "model": model,
            "name": field.name,
            "ttype": field.ttype,
            "field_description": field.string,
            "help": field.help or None,
            "relation": field.relation,
            "relation_field": field.relation_field,
            "required": int(field.required),
            "readonly": int(field.readonly),
            "index": int(field.index),
            "store": int(field.store),
            "on_delete": field.on_delete if field.ttype == "many2one" else None,
            "state": state,
        },
    )
