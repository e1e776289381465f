"""Recordsets over the SQLite tables: the subset of ``odoo.models.BaseModel`` reachable by RPC.

Public methods keep Odoo's names, signatures and decorators (``@api.model`` is
:func:`api_model`), because both protocols derive their argument handling from them, as Odoo
does. Model-specific behaviour lives in subclasses (``addons.py``, ``views.py``, ``actions.py``...)
overriding the ``_create``/``_write``/``_unlink`` hooks, which ``load`` goes through too; what
applies to every model (chatter, automation rules) registers a :class:`RecordHook`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Protocol, Self

from . import importer, relations
from .access import access_error
from .api import api_model, public, readonly, register
from .ddl import now
from .domain import Sql, compile_domain, compile_order, with_active_test
from .env import Env
from .errors import AccessError, MissingError, RequiredFieldMissing, ValidationError
from .schema import MAGIC_FIELDS, X2MANY, Field, Model

__all__ = ["BaseModel", "Env", "access_error", "api_model", "id_filter", "public", "readonly", "register"]
CLASSIC_READ = "_classic_read"


class RecordHook(Protocol):
    """What an addon adds around every create, write and unlink (``load``'s included), as
    Odoo's ``mail.thread`` overrides and ``base_automation``'s patches do."""

    def created(self, records: BaseModel) -> None: ...

    def before_write(self, records: BaseModel, vals: dict[str, Any]) -> Any: ...

    def written(self, records: BaseModel, vals: dict[str, Any], state: Any) -> None: ...

    def unlinking(self, records: BaseModel) -> None: ...


# called in order after create and write, in reverse order before unlink
HOOKS: list[RecordHook] = []


def id_filter(ids: Iterable[int]) -> Sql:
    """``id IN (...)`` for any number of ids, as one bound parameter."""
    return '"id" IN (SELECT value FROM json_each(?))', [json.dumps(list(ids))]


class BaseModel:
    """A recordset: a model and a tuple of ids, bound to an :class:`Env`."""

    _name: ClassVar[str | None] = None

    def __init__(self, env: Env, model: Model, ids: Iterable[int]) -> None:
        self.env = env
        self._model = model
        self._ids = tuple(ids)

    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    def browse(self, ids: Any) -> Self:
        if ids is None or ids is False:
            ids = ()
        elif isinstance(ids, int | str):
            ids = (ids,)
        return type(self)(self.env, self._model, (int(i) for i in ids))

    def with_context(self, context: Mapping[str, Any]) -> Self:
        return type(self)(self.env.with_context(context), self._model, self._ids)

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self.env.cr.execute(sql, list(params)).fetchall()

    # ---------------------------------------------------------------- RPC methods

    @public
    @api_model
    @readonly
    def search(
        self,
        domain: list[Any],
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> Self:
        self._check_access("read")
        where, params = self._where(domain)
        paging, more = _paging(limit, offset)
        rows = self._query(
            f'SELECT id FROM "{self._model.table}" WHERE {where}'
            f" ORDER BY {compile_order(self._model, order or None)}{paging}",
            params + more,
        )
        return self.browse([row[0] for row in rows])

    @public
    @api_model
    @readonly
    def search_count(self, domain: list[Any], limit: int | None = None) -> int:
        self._check_access("read")
        where, params = self._where(domain)
        paging, more = _paging(limit, 0)
        sql = f'SELECT count(*) FROM (SELECT 1 FROM "{self._model.table}" WHERE {where}{paging})'
        return int(self._query(sql, params + more)[0][0])

    @public
    @api_model
    @readonly
    def search_read(
        self,
        domain: list[Any] | None = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        load: str | None = CLASSIC_READ,
    ) -> list[dict[str, Any]]:
        self._check_access("read")
        where, params = self._where(domain or [])
        return self._select(
            self._fields_to_read(fields),
            where,
            params,
            order=order,
            limit=limit,
            offset=offset,
            load=load,
        )

    @public
    @readonly
    def read(self, fields: list[str] | None = None, load: str | None = CLASSIC_READ) -> list[dict[str, Any]]:
        self._check_access("read")
        to_read = self._fields_to_read(fields)
        if not self._ids:
            return []
        where, params = id_filter(self._ids)
        found = {rec["id"]: rec for rec in self._select(to_read, where, params, load=load)}
        return [found[i] for i in self._ids if i in found]  # as Odoo's _read_format: missing ones left out

    @public
    @api_model
    def create(self, vals_list: list[dict[str, Any]] | dict[str, Any]) -> Self:
        self._begin("create")
        if isinstance(vals_list, Mapping):
            vals_list = [vals_list]
        return self._create([dict(vals) for vals in vals_list])

    @public
    def write(self, vals: dict[str, Any]) -> bool:
        self._begin("write")
        self._ensure_exist()
        self._write(dict(vals))
        return True

    @public
    def unlink(self) -> bool:
        self._begin("unlink")
        self._ensure_exist()
        self._unlink()
        return True

    @public
    @api_model
    @readonly
    def fields_get(
        self, allfields: list[str] | None = None, attributes: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        fields = self._model.fields
        result = {}
        for name in allfields or fields:
            if name in fields:
                info = fields[name].describe()
                result[name] = {k: info[k] for k in attributes if k in info} if attributes else info
        return result

    @public
    @api_model
    @readonly
    def get_views(self, views: list[list[Any]], options: dict[str, Any] | None = None) -> dict[str, Any]:
        """The requested views with their inheriting views applied, and the fields they use."""
        from .views import get_views

        self._check_access("read")
        return get_views(self, views)

    @public
    @api_model
    @readonly
    def get_view(self, view_id: int | None = None, view_type: str = "form", **options: Any) -> dict[str, Any]:
        from .views import get_view

        self._check_access("read")
        return get_view(self, view_id, view_type)[0]

    @public
    def has_access(self, operation: str) -> bool:
        """Whether the user may ``operation`` on these records (on the model when empty), as
        ``check_access`` would decide: through the cached allowed models, then record rules."""
        return self.env.su or self._forbidden(operation) is None

    @public
    @api_model
    def load(self, fields: list[str], data: list[list[Any]]) -> dict[str, Any]:
        return importer.load(self, fields, data)

    # ---------------------------------------------------------------- hooks

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        model = self._model
        defaults = self._default_values()
        prepared = [self._to_columns({**defaults, **vals}, create=True) for vals in vals_list]
        self._check_references([row for row, _x2many in prepared])
        stamp, uid, ids = now(), self.env.uid, []
        for row, x2many in prepared:
            if model.log_access:
                row.update(create_date=stamp, write_date=stamp, create_uid=uid, write_uid=uid)
            if model.id_sequence:
                row["id"] = self._next_id(model.id_sequence)
            names = ", ".join(f'"{name}"' for name in row)
            values = f"({names}) VALUES ({', '.join('?' * len(row))})" if row else "DEFAULT VALUES"
            try:
                cursor = self.env.cr.execute(f'INSERT INTO "{model.table}" {values}', list(row.values()))
            except sqlite3.IntegrityError as exc:  # a unique index, as Odoo words it
                raise ValidationError(f"The operation cannot be completed: {exc}") from exc
            record_id = int(row.get("id") or cursor.lastrowid or 0)
            ids.append(record_id)
            for field, value in x2many.items():
                relations.write(self, field, record_id, value)
        records = self.browse(ids)
        for hook in HOOKS:
            hook.created(records)
        return records

    def _write(self, vals: dict[str, Any]) -> None:
        states = [hook.before_write(self, vals) for hook in HOOKS]
        row, x2many = self._to_columns(vals, create=False)
        self._check_references([row])
        if self._model.log_access:
            row.update(write_date=now(), write_uid=self.env.uid)
        if row:
            where, params = id_filter(self._ids)
            assignments = ", ".join(f'"{name}" = ?' for name in row)
            self.env.cr.execute(
                f'UPDATE "{self._model.table}" SET {assignments} WHERE {where}',
                [*row.values(), *params],
            )
        for field, value in x2many.items():
            for record_id in self._ids:
                relations.write(self, field, record_id, value)
        for hook, state in zip(HOOKS, states, strict=True):
            hook.written(self, vals, state)

    def _unlink(self) -> None:
        """Apply each referencing many2one's ``ondelete``, then drop rows, their relation rows
        and their xml ids."""
        for hook in reversed(HOOKS):
            hook.unlinking(self)
        for model, field in self.env.registry.referencing(self._model.name):
            refs = [
                r[0]
                for r in self._query(
                    f'SELECT id FROM "{model.table}" WHERE "{field.name}" IN (SELECT value FROM json_each(?))',
                    [json.dumps(self._ids)],
                )
            ]
            if not refs:
                continue
            if field.on_delete == "restrict":
                raise ValidationError(
                    "The operation cannot be completed: another model requires the record being"
                    " deleted. If possible, archive it instead.\n\n"
                    f"Model: {model.description} ({model.name})\n"
                    f"Constraint: {model.table}_{field.name}_fkey\n"
                )
            referencing = self.env[model.name].browse(refs)
            if field.on_delete == "cascade":
                referencing._unlink()
            else:
                ref_where, ref_params = id_filter(refs)
                self.env.cr.execute(f'UPDATE "{model.table}" SET "{field.name}" = NULL WHERE {ref_where}', ref_params)
        relations.forget(self, list(self._ids))
        where, params = id_filter(self._ids)
        self.env.cr.execute(f'DELETE FROM "{self._model.table}" WHERE {where}', params)
        self.env.cr.execute(
            "DELETE FROM ir_model_data WHERE model = ? AND res_id IN (SELECT value FROM json_each(?))",
            [self._model.name, *params],
        )

    def _default_values(self) -> dict[str, Any]:
        """``default_get``'s sources above the fields' own defaults: the context's
        ``default_<field>`` keys, then ``ir.default`` (the user's before everyone's)."""
        fields = self._model.fields
        found = dict(self._ir_defaults())
        for key, value in self.env.context.items():
            if key.startswith("default_") and key[8:] in fields:
                found[key[8:]] = value
        return found

    def _ir_defaults(self) -> dict[str, Any]:
        """``ir.default._get_model_defaults``, kept for the transaction (Odoo caches it in the
        registry); ``ir.default`` changes drop what is kept (``defaults.IrDefault``)."""
        if "ir.default" not in self.env:
            return {}
        cache = self.env.transaction.data.setdefault("ir.default", {})
        key = (self._model.name, self.env.uid)
        if key not in cache:
            rows = self.env.cr.execute(
                "SELECT f.name, d.json_value FROM ir_default d JOIN ir_model_fields f ON d.field_id = f.id"
                " WHERE f.model = ? AND (d.user_id IS NULL OR d.user_id = ?) AND d.condition IS NULL"
                " ORDER BY d.user_id IS NULL, d.user_id, d.id",
                [self._model.name, self.env.uid],
            )
            found: dict[str, Any] = {}
            for name, value in rows:
                if name in self._model.fields:
                    found.setdefault(name, json.loads(value))
            cache[key] = found
        defaults: dict[str, Any] = cache[key]
        return defaults

    def _next_id(self, sequence: str) -> int:
        """The next id of a sequence several tables share."""
        row = self.env.cr.execute(
            "INSERT INTO sandbox_sequence (name, value) VALUES (?, 1)"
            " ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            [sequence],
        ).fetchone()
        return int(row[0])

    # ---------------------------------------------------------------- helpers

    def _begin(self, operation: str) -> None:
        """What ``create``/``write``/``unlink`` do before changing anything: Odoo's overrides
        run first (some clear caches there), then the ORM checks the access right."""
        self._check_access(operation)

    def _check_access(self, operation: str) -> None:
        """``check_access`` on the model: raise what :meth:`_forbidden` finds."""
        if error := self._forbidden(operation):
            raise error

    def _forbidden(self, operation: str) -> AccessError | None:
        """Odoo's ``_check_access``: ``ir.model.access.check`` through the cached allowed models
        (every check of a mode fills the cache, whatever the model), then record rules."""
        if self.env.su:
            return None
        if not self.env.access_check(self._model.name, operation):
            return self.env.access_error(self._model.name, operation)
        return self._rule_error(operation) if self._ids else None

    def _rule_error(self, operation: str) -> AccessError | None:
        """Record rules on ``self``'s records (none by default)."""
        return None

    def _where(self, domain: list[Any]) -> Sql:
        active_test = self.env.context.get("active_test", True)
        domain = with_active_test(self._model, domain, active_test)
        return compile_domain(self._model, domain, nulls_as_zero=self.env.registry.release.nulls_as_zero)

    def _missing_error(self, ids: list[int]) -> MissingError:
        return MissingError(
            "Record does not exist or has been deleted.\n"
            f"(Record: {self._model.name}{tuple(ids)!r}, User: {self.env.uid})"
        )

    def _existing(self, ids: Iterable[int]) -> set[int]:
        where, params = id_filter(ids)
        return {r[0] for r in self._query(f'SELECT id FROM "{self._model.table}" WHERE {where}', params)}

    def _ensure_exist(self) -> None:
        existing = self._existing(self._ids)
        if missing := [i for i in self._ids if i not in existing]:
            raise self._missing_error(missing)

    def _fields_to_read(self, names: list[str] | None) -> list[Field]:
        fields = self._model.fields
        for name in names or ():
            if name not in fields:
                raise ValueError(f"Invalid field {name!r} on model {self._model.name!r}")
        return [fields[name] for name in names] if names else list(fields.values())

    def _select(
        self,
        fields: list[Field],
        where: str,
        params: list[Any],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        load: str | None = CLASSIC_READ,
    ) -> list[dict[str, Any]]:
        model = self._model
        columns = ["id", *(f.name for f in fields if f.column)]
        columns += [f'"{f.stored_as}" AS "{f.name}"' for f in fields if f.stored_as]
        if any(f.name == "display_name" for f in fields) and model.rec_name:
            columns.append(model.rec_name)
        paging, more = _paging(limit, offset)
        order_by = compile_order(model, order or None)
        selected = ", ".join(c if c.startswith('"') else f'"{c}"' for c in dict.fromkeys(columns))
        cursor = self.env.cr.execute(
            f'SELECT {selected} FROM "{model.table}" WHERE {where} ORDER BY {order_by}{paging}',
            params + more,
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for field in fields:
            if field.ttype in X2MANY:
                lines = relations.read(self, field, [row["id"] for row in rows])
                for row in rows:
                    row[field.name] = lines[row["id"]]
        labels = self._relation_labels(fields, rows) if load == CLASSIC_READ else {}
        names_of = self._display_names([row["id"] for row in rows]) if self._custom_display_name(fields) else {}
        result = []
        for row in rows:
            values = {"id": row["id"], **{f.name: self._value(f, row, labels) for f in fields if f.name != "id"}}
            if names_of:
                values["display_name"] = names_of[row["id"]]
            result.append(values)
        return result

    def _custom_display_name(self, fields: list[Field]) -> bool:
        """Whether ``display_name`` is read and computed otherwise than from ``_rec_name``."""
        return type(self)._display_names is not BaseModel._display_names and any(
            f.name == "display_name" for f in fields
        )

    def _relation_labels(self, fields: list[Field], rows: list[dict[str, Any]]) -> dict[str, dict[int, Any]]:
        """``{field: {id: display_name}}`` for the many2one values in ``rows``, one query each."""
        labels = {}
        for field in fields:
            if field.ttype == "many2one" and field.relation in self.env:
                ids = {row[field.name] for row in rows if row[field.name]}
                labels[field.name] = self.env[str(field.relation)]._display_names(ids)
        return labels

    def _display_names(self, ids: Iterable[int]) -> dict[int, Any]:
        rec_name = self._model.rec_name
        where, params = id_filter(ids)
        if not rec_name:
            return {
                r[0]: f"{self._model.name},{r[0]}"
                for r in self._query(f'SELECT id FROM "{self._model.table}" WHERE {where}', params)
            }
        return {
            r[0]: r[1] if r[1] is not None else False
            for r in self._query(f'SELECT id, "{rec_name}" FROM "{self._model.table}" WHERE {where}', params)
        }

    def _value(self, field: Field, row: dict[str, Any], labels: dict[str, dict[int, Any]]) -> Any:
        if field.name == "display_name":
            rec_name = self._model.rec_name
            if not rec_name:
                return f"{self._model.name},{row['id']}"
            return row[rec_name] if row[rec_name] is not None else False
        value = row[field.name]
        if field.ttype in X2MANY:
            return value
        if field.ttype == "boolean":
            return bool(value)
        if field.ttype in ("integer", "float", "many2one_reference"):
            return value or (0.0 if field.ttype == "float" else 0)
        if value is None:
            return False
        if field.ttype == "many2one" and field.name in labels:
            return [value, labels[field.name].get(value, False)]
        return value

    def _to_columns(self, vals: Mapping[str, Any], create: bool) -> tuple[dict[str, Any], dict[Field, Any]]:
        """Validate and convert written values (x2many ones apart); on create, fill defaults."""
        model = self._model
        row: dict[str, Any] = {}
        x2many: dict[Field, Any] = {}
        if create:
            row = {f.name: f.default for f in model.columns if f.default is not None}
        for name, value in vals.items():
            field = model.fields.get(name)
            if field is None:
                raise ValueError(f"Invalid field {name!r} on model {model.name!r}")
            if field.ttype in X2MANY:
                x2many[field] = value
            elif field.stored_as:
                row[field.stored_as] = to_column(model, model.fields[field.stored_as], value)
            elif name not in MAGIC_FIELDS and field.column:
                row[name] = to_column(model, field, value)
        for name, value in list(row.items()):
            field = model.fields.get(name)
            if field is not None and field.ttype == "reference" and value is not None:
                row[name] = self._existing_reference(value)
        for field in model.columns:
            if field.required and (create or field.name in row) and row.get(field.name) is None:
                raise RequiredFieldMissing(model.description, model.name, field.string, field.name)
        return row, x2many

    def _existing_reference(self, value: str) -> str | None:
        """A reference to a record that does not exist is stored empty, as Odoo's cache does."""
        target, _, record_id = value.partition(",")
        if target in self.env and self.env[target]._existing([int(record_id)]):
            return value
        return None

    def _check_references(self, rows: list[dict[str, Any]]) -> None:
        """Refuse many2one values naming no record, as the foreign key would."""
        for field in self._model.columns:
            if field.ttype != "many2one" or field.relation not in self.env:
                continue
            wanted = {row[field.name] for row in rows if row.get(field.name)}
            if wanted and wanted - self.env[str(field.relation)]._existing(wanted):
                raise ValidationError(
                    "The operation cannot be completed: another model requires the record being"
                    " deleted. If possible, archive it instead.\n\n"
                    f"Model: {self._model.description} ({self._model.name})\n"
                    f"Constraint: {self._model.table}_{field.name}_fkey\n"
                )


def _paging(limit: int | None, offset: int | None) -> Sql:
    if limit:
        return " LIMIT ? OFFSET ?", [int(limit), int(offset or 0)]
    if offset:
        return " LIMIT -1 OFFSET ?", [int(offset)]
    return "", []


def to_column(model: Model, field: Field, value: Any) -> Any:
    """Convert a value as written through RPC to what the column stores."""
    if value is None or value is False:
        return 0 if field.ttype == "boolean" else None
    kind = field.ttype
    if kind == "boolean":
        return int(bool(value))
    if kind in ("integer", "many2one", "many2one_reference"):
        return int(value)
    if kind == "float":
        return float(value)
    if kind in ("date", "datetime"):
        return _to_date(value, with_time=kind == "datetime")
    if kind == "selection" and value not in {key for key, _label in field.selection}:
        raise ValueError(f"Wrong value for {model.name}.{field.name}: {value!r}")
    if kind == "reference":
        target, comma, record_id = str(value).partition(",")
        if not comma or not record_id.strip().isdigit() or target not in {key for key, _label in field.selection}:
            raise ValueError(f"Wrong value for {model.name}.{field.name}: {value!r}")
        return f"{target},{int(record_id)}"
    text = str(value)
    if "\x00" in text:  # psycopg2 refuses to send it, before PostgreSQL sees the query
        raise ValueError("A string literal cannot contain NUL (0x00) characters.")
    return text


def _to_date(value: Any, with_time: bool) -> str:
    """Odoo's ``fields.Datetime.to_string(to_datetime(value))``, lenient on ISO input."""
    if isinstance(value, datetime | date):
        parsed = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            fmt = "%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d"
            raise ValueError(f"time data {value!r} does not match format {fmt!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d")
