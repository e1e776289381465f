"""one2many and many2many fields: reading them as lists of ids, writing them with Odoo's
commands.

A one2many lives in its comodel's many2one column (``relation_field``), a many2many in a
relation table. Both read as the comodel's ids in the comodel's order, archived records hidden
unless ``active_test`` is off. Writes take Odoo's commands: ``(0, 0, vals)`` create,
``(1, id, vals)`` update, ``(2, id)`` delete, ``(3, id)`` unlink, ``(4, id)`` link, ``(5,)``
unlink all, ``(6, 0, ids)`` replace, or a plain list of ids (as ``(6, 0, ids)``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .domain import compile_order
from .errors import ValidationError
from .schema import Field, many2many_table

if TYPE_CHECKING:
    from .orm import BaseModel

Command = tuple[Any, ...]


def read(records: BaseModel, field: Field, ids: Iterable[int]) -> dict[int, list[int]]:
    """``{record id: [comodel ids]}`` for ``field`` on ``ids``, one query."""
    ids = list(ids)
    result: dict[int, list[int]] = {i: [] for i in ids}
    if not ids or field.relation not in records.env:
        return result
    comodel = records.env[str(field.relation)]
    if field.ttype == "one2many":
        domain = [(field.relation_field, "in", ids), *field.domain]
        where, params = comodel._where(domain)
        order = compile_order(comodel._model, None)
        rows = comodel._query(
            f'SELECT id, "{field.relation_field}" FROM "{comodel._model.table}" WHERE {where} ORDER BY {order}', params
        )
        for line_id, owner in rows:
            result[owner].append(line_id)
        return result
    table, column1, column2 = many2many_table(records._model, field)
    where, params = comodel._where([])
    order = compile_order(comodel._model, None)
    rows = comodel._query(
        f'SELECT r."{column1}", c.id FROM "{table}" r JOIN "{comodel._model.table}" c ON c.id = r."{column2}"'
        f' WHERE r."{column1}" IN (SELECT value FROM json_each(?)) AND c.id IN'
        f' (SELECT id FROM "{comodel._model.table}" WHERE {where}) ORDER BY {_qualified(order)}',
        [json.dumps(ids), *params],
    )
    for owner, line_id in rows:
        result[owner].append(line_id)
    return result


def _qualified(order: str) -> str:
    return ", ".join(f"c.{term.strip()}" for term in order.split(","))


def commands(value: Any) -> list[Command]:
    """A written x2many value as a list of commands."""
    if value is None or value is False:
        return [(5,)]
    if not isinstance(value, list | tuple):
        raise ValueError(f"Wrong value for an x2many field: {value!r}")
    if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        return [(6, 0, list(value))]
    result = []
    for item in value:
        if not isinstance(item, list | tuple) or not item or item[0] not in range(7):
            raise ValueError(f"Invalid x2many command: {item!r}")
        result.append(tuple(item))
    return result


def write(records: BaseModel, field: Field, record_id: int, value: Any) -> None:
    """Apply ``value``'s commands to ``field`` of record ``record_id``."""
    comodel = records.env[str(field.relation)].with_context({"active_test": False})
    if field.ttype == "one2many":
        _write_one2many(records, comodel, field, record_id, commands(value))
    else:
        _write_many2many(records, comodel, field, record_id, commands(value))


def _write_one2many(records: BaseModel, comodel: BaseModel, field: Field, record_id: int, cmds: list[Command]) -> None:
    inverse = str(field.relation_field)
    for cmd in cmds:
        kind = cmd[0]
        if kind == 0:
            comodel._create([{**dict(cmd[2]), inverse: record_id}])
        elif kind == 1:
            comodel.browse(cmd[1])._write(dict(cmd[2]))
        elif kind == 2:
            comodel.browse(cmd[1])._unlink()
        elif kind == 3:
            _detach(comodel, field, [cmd[1]])
        elif kind == 4:
            _ensure(comodel, [cmd[1]])
            comodel.browse(cmd[1])._write({inverse: record_id})
        elif kind in (5, 6):
            current = read(records, field, [record_id])[record_id]
            keep = [int(i) for i in cmd[2]] if kind == 6 else []
            _detach(comodel, field, [i for i in current if i not in keep])
            if keep:
                _ensure(comodel, keep)
                comodel.browse(keep)._write({inverse: record_id})


def _detach(comodel: BaseModel, field: Field, ids: list[int]) -> None:
    """Odoo's unlink command on a one2many: the line is deleted when its many2one cannot be
    emptied (required, or ``ondelete='cascade'``), else its many2one is emptied."""
    if not ids:
        return
    inverse = comodel._model.fields[str(field.relation_field)]
    if inverse.required or inverse.on_delete == "cascade":
        comodel.browse(ids)._unlink()
    else:
        comodel.browse(ids)._write({inverse.name: False})


def _write_many2many(records: BaseModel, comodel: BaseModel, field: Field, record_id: int, cmds: list[Command]) -> None:
    table, column1, column2 = many2many_table(records._model, field)
    cr = records.env.cr

    def link(ids: list[int]) -> None:
        _ensure(comodel, ids)
        cr.executemany(
            f'INSERT OR IGNORE INTO "{table}" ("{column1}", "{column2}") VALUES (?, ?)', [(record_id, i) for i in ids]
        )

    def unlink(ids: list[int] | None) -> None:
        if ids is None:
            cr.execute(f'DELETE FROM "{table}" WHERE "{column1}" = ?', [record_id])
        else:
            cr.executemany(
                f'DELETE FROM "{table}" WHERE "{column1}" = ? AND "{column2}" = ?', [(record_id, i) for i in ids]
            )

    for cmd in cmds:
        kind = cmd[0]
        if kind == 0:
            link(comodel._create([dict(cmd[2])]).ids)
        elif kind == 1:
            comodel.browse(cmd[1])._write(dict(cmd[2]))
        elif kind == 2:
            comodel.browse(cmd[1])._unlink()
        elif kind == 3:
            unlink([int(cmd[1])])
        elif kind == 4:
            link([int(cmd[1])])
        elif kind == 5:
            unlink(None)
        elif kind == 6:
            unlink(None)
            link([int(i) for i in cmd[2]])


def _ensure(comodel: BaseModel, ids: list[int]) -> None:
    """Refuse ids naming no record, as the foreign key would."""
    if missing := set(ids) - comodel._existing(ids):
        model = comodel._model
        raise ValidationError(
            "The operation cannot be completed: another model requires the record being deleted."
            " If possible, archive it instead.\n\n"
            f"Model: {model.description} ({model.name}), missing ids: {sorted(missing)}\n"
        )


def forget(records: BaseModel, ids: list[int]) -> None:
    """Drop the relation rows of deleted records, on both sides (the tables' cascading keys)."""
    cr = records.env.cr
    for field in records._model.many2many:
        table, column1, _column2 = many2many_table(records._model, field)
        cr.execute(f'DELETE FROM "{table}" WHERE "{column1}" IN (SELECT value FROM json_each(?))', [json.dumps(ids)])
    for model, field in records.env.registry.many2many_to(records._model.name):
        table, _column1, column2 = many2many_table(model, field)
        cr.execute(f'DELETE FROM "{table}" WHERE "{column2}" IN (SELECT value FROM json_each(?))', [json.dumps(ids)])
