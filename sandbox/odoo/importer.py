"""``load``: Odoo's import entry point (``BaseModel.load`` with ``ir.fields.converter``).

Rows of strings are converted field by field (booleans from ``1/true/yes``, ``''`` as False,
``<many2one>/id`` resolved through ``ir.model.data``), each row creates a record or, when its
external id already exists, updates that record in place; a dangling external id is re-created.
Any error message rolls the whole call back and answers ``{"ids": False, "messages": [...]}``
(to a savepoint, as Odoo: webhooks the rolled-back rows triggered are still sent after commit).
External ids are looked up in batches, so a 200-row load costs a handful of queries per column.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import RequiredFieldMissing, UserError, qualified_name
from .schema import Field, Model

if TYPE_CHECKING:
    from .orm import BaseModel, Env

TRUES = frozenset({"1", "true", "yes"})
FALSES = frozenset({"", "0", "false", "no"})
Reference = tuple[str, int] | None


class ImportProblem(ValueError):
    """A conversion failure: the user-facing message and extra keys for the message dict."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.extra = extra or {}


def load(records: BaseModel, fields: list[str], data: list[list[Any]]) -> dict[str, Any]:
    env, model = records.env, records._model
    module = str(env.context.get("module") or "__import__")
    columns = [_parse_column(model, path) for path in fields]
    references = References(env, module)
    for (name, sub), values in zip(columns, zip(*data, strict=False), strict=False):
        if sub == "id":
            references.prefetch(str(model.fields[name].relation), values)
    own = OwnXmlids(
        env, model, module, [row[columns.index(("id", None))] for row in data] if ("id", None) in columns else []
    )
    messages: list[dict[str, Any]] = []
    env.cr.execute("SAVEPOINT model_load")
    ids: list[int] = []
    for index, row in enumerate(data):
        info = {"rows": {"from": index, "to": index}, "record": index}
        xid, vals, failed = None, {}, False
        for (name, sub), raw in zip(columns, row, strict=False):
            if name == "id":
                xid = _full_xmlid(_text(raw), module) if _text(raw) else None
                continue
            field = model.fields[name]
            try:
                vals[name] = _convert(env, field, sub, raw, references, messages, info)
            except ImportProblem as problem:
                failed = True
                messages.append({**info, "type": "error", "field": name, "message": str(problem), **problem.extra})
        if failed:
            continue
        try:
            record_id = own.save(records, xid, vals)
        except RequiredFieldMissing as exc:
            messages.append(
                {
                    **info,
                    "type": "error",
                    "field": exc.field,
                    "message": f"Missing required value for the field '{exc.label}' ({exc.field})",
                }
            )
            continue
        except (UserError, ValueError) as exc:
            kind = qualified_name(exc).removeprefix("builtins.")  # ``str(e.__class__)``: no module for a built-in
            messages.append(
                {
                    **info,
                    "type": "error",
                    "moreinfo": "Resolve other errors first",
                    "message": f"Unknown error during import: <class '{kind}'>: {exc}",
                }
            )
            continue
        ids.append(record_id)
        if xid:
            references.remember(xid, model.name, record_id)
    if any(message["type"] == "error" for message in messages):
        env.cr.execute("ROLLBACK TO SAVEPOINT model_load")  # what rows queued after commit stays queued
        env.cr.execute("RELEASE SAVEPOINT model_load")
        return {"ids": False, "messages": messages, "nextrow": 0}
    own.flush()
    env.cr.execute("RELEASE SAVEPOINT model_load")
    return {"ids": ids, "messages": messages, "nextrow": 0}


def _parse_column(model: Model, path: str) -> tuple[str, str | None]:
    """``"partner_id/id"`` → ``("partner_id", "id")``; ``"id"`` is the row's external id."""
    name, _, sub = path.replace(":id", "/id").replace(":.id", "/.id").partition("/")
    if path == "id":
        return "id", None
    field = model.fields.get(name)
    if field is None or not field.column or (sub and (field.ttype != "many2one" or sub not in ("id", ".id"))):
        raise ValueError(f"Invalid field {path!r} on model {model.name!r}")
    return name, sub or None


def _text(raw: Any) -> str:
    return "" if raw is None or raw is False else str(raw)


def _full_xmlid(value: str, module: str) -> str:
    return value if "." in value else f"{module}.{value}"


def _convert(
    env: Env,
    field: Field,
    sub: str | None,
    raw: Any,
    references: References,
    messages: list[dict[str, Any]],
    info: dict[str, Any],
) -> Any:
    """One cell, as ``ir.fields.converter`` converts it."""
    value = _text(raw)
    if not value:
        return False
    label, kind = field.string, field.ttype
    if kind == "boolean":
        if value.lower() in TRUES or value.lower() in FALSES:
            return value.lower() in TRUES
        raise ImportProblem(
            f"Unknown value '{value}' for boolean field '{label}'", {"moreinfo": "Use '1' for yes and '0' for no"}
        )
    if kind in ("integer", "float", "many2one_reference"):  # a reference's id is read as an integer
        try:
            return float(value) if kind == "float" else int(value)
        except ValueError:
            noun = "a number" if kind == "float" else "an integer"
            raise ImportProblem(f"'{value}' does not seem to be {noun} for field '{label}'") from None
    if kind == "date":
        try:
            return datetime.strptime(value[:10], "%Y-%m-%d").strftime("%Y-%m-%d")
        except ValueError:
            raise ImportProblem(
                f"'{value}' does not seem to be a valid date for field '{label}'",
                {"moreinfo": "Use the format '2012-12-31'"},
            ) from None
    if kind == "datetime":
        return _convert_datetime(env, value, label)
    if kind == "selection":
        for key, name in field.selection:
            if value.lower() in (key.lower(), name.lower()):
                return key
        raise ImportProblem(
            f"Value '{value}' not found in selection field '{label}'",
            {"moreinfo": [name for _key, name in field.selection]},
        )
    if kind == "many2one":
        return references.resolve(field, sub, value, messages, info)
    return value


def _convert_datetime(env: Env, value: str, label: str) -> str:
    """Parse in the context's timezone (``tz``, else UTC) and store as UTC, as Odoo does."""
    try:
        parsed = datetime.strptime(value, "%Y-%m-%d %H:%M:%S"[: max(len(value) - 2, 0)])
    except ValueError:
        raise ImportProblem(
            f"'{value}' does not seem to be a valid datetime for field '{label}'",
            {"moreinfo": "Use the format '2012-12-31 23:59:59'"},
        ) from None
    try:
        zone = ZoneInfo(str(env.context.get("tz") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = parsed.replace(tzinfo=zone)
    return local.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _possible_values(comodel: str, sub: str | None) -> dict[str, Any]:
    """The ``moreinfo`` action Odoo attaches to a failed relation lookup."""
    action: dict[str, Any] = {
        "name": "Possible Values",
        "type": "ir.actions.act_window",
        "target": "new",
        "view_mode": "list,form",
        "views": [[False, "list"], [False, "form"]],
        "context": {"create": False},
        "help": "See all possible values",
    }
    if sub is None:
        action["res_model"] = comodel
    else:
        action.update(res_model="ir.model.data", domain=[["model", "=", comodel]])
    return action


class References:
    """External ids (and names) of related records, resolved in batches and cached."""

    def __init__(self, env: Env, module: str) -> None:
        self.env = env
        self.module = module
        self.cache: dict[str, Reference] = {}

    def prefetch(self, comodel: str, values: tuple[Any, ...]) -> None:
        by_module: dict[str, set[str]] = {}
        for value in values:
            text = _text(value)
            if text and text.lower() not in FALSES:
                module, _, name = _full_xmlid(text, self.module).partition(".")
                by_module.setdefault(module, set()).add(name)
        table = self.env.registry[comodel].table
        for module, names in by_module.items():
            for name in names:
                self.cache.setdefault(f"{module}.{name}", None)
            rows = self.env.cr.execute(
                f'SELECT d.name, d.model, d.res_id FROM ir_model_data d JOIN "{table}" r'
                " ON r.id = d.res_id WHERE d.module = ?"
                " AND d.name IN (SELECT value FROM json_each(?))",
                [module, json.dumps(sorted(names))],
            )
            for name, model, res_id in rows:
                self.cache[f"{module}.{name}"] = (model, res_id)

    def remember(self, xmlid: str, model: str, res_id: int) -> None:
        self.cache[xmlid] = (model, res_id)

    def resolve(
        self,
        field: Field,
        sub: str | None,
        value: str,
        messages: list[dict[str, Any]],
        info: dict[str, Any],
    ) -> int | bool:
        comodel = str(field.relation)
        if sub == "id":
            if value.lower() in FALSES:
                return False
            xmlid = _full_xmlid(value, self.module)
            if xmlid not in self.cache:
                self.prefetch(comodel, (xmlid,))
            found = self.cache[xmlid]
            if found and found[0] != comodel:
                raise ImportProblem(f"Invalid external ID {xmlid}: expected model {comodel!r}, found {found[0]!r}")
            kind, record_id = "external id", found[1] if found else None
        elif sub == ".id":
            kind = "database id"
            try:
                record_id = int(value)
            except ValueError:
                raise ImportProblem(
                    f"Invalid database id '{value}' for the field '{field.string}'",
                    {"moreinfo": _possible_values(comodel, sub)},
                ) from None
            record_id = record_id if self.env[comodel]._existing([record_id]) else None
        else:
            kind, record_id = "name", self._by_name(comodel, value, field, messages, info)
        if record_id is None:
            raise ImportProblem(
                f"No matching record found for {kind} '{value}' in field '{field.string}'",
                {"moreinfo": _possible_values(comodel, sub)},
            )
        return record_id

    def _by_name(
        self,
        comodel: str,
        value: str,
        field: Field,
        messages: list[dict[str, Any]],
        info: dict[str, Any],
    ) -> int | None:
        """Odoo's ``name_search(value, operator='=')``: first match, warning if several."""
        ids = self.env[comodel].search([("display_name", "=", value)], limit=2).ids
        if len(ids) > 1:
            count = self.env[comodel].search_count([("display_name", "=", value)])
            messages.append(
                {
                    **info,
                    "type": "warning",
                    "field": field.name,
                    "message": f"Found multiple matches for value '{value}' in field"
                    f" '{field.string}' ({count} matches)",
                }
            )
        return ids[0] if ids else None


class OwnXmlids:
    """The external ids of the loaded rows: which exist, which dangle, which to write."""

    def __init__(self, env: Env, model: Model, module: str, values: list[Any]) -> None:
        self.env = env
        self.model = model
        self.known: dict[str, tuple[int, str, int | None]] = {}
        self.pending: list[dict[str, Any]] = []
        by_module: dict[str, list[str]] = {}
        for value in filter(None, map(_text, values)):
            xmlid_module, _, name = _full_xmlid(value, module).partition(".")
            by_module.setdefault(xmlid_module, []).append(name)
        for xmlid_module, names in by_module.items():
            rows = env.cr.execute(
                f'SELECT d.id, d.name, d.model, r.id FROM ir_model_data d LEFT JOIN "{model.table}"'
                " r ON r.id = d.res_id AND d.model = ? WHERE d.module = ?"
                " AND d.name IN (SELECT value FROM json_each(?))",
                [model.name, xmlid_module, json.dumps(names)],
            )
            for data_id, name, data_model, res_id in rows:
                self.known[f"{xmlid_module}.{name}"] = (data_id, data_model, res_id)

    def save(self, records: BaseModel, xmlid: str | None, vals: dict[str, Any]) -> int:
        """Update the record ``xmlid`` names, or create one (and its external id).

        Access is checked per row, as Odoo's ``create``/``write`` do under ``load``: a refusal is
        that row's error message, not an error of the call."""
        known = self.known.get(xmlid) if xmlid else None
        if known and known[1] != self.model.name:
            raise UserError(
                f"For external id {xmlid} when trying to create/update a record of model"
                f" {self.model.name} found record of different model {known[1]} ({known[0]})"
            )
        if known and known[2]:
            records._begin("write")
            records.browse(known[2])._write(vals)
            return known[2]
        records._begin("create")
        if known:
            self.env["ir.model.data"].browse(known[0])._unlink()
        record_id = records._create([vals]).ids[0]
        if xmlid:
            module, _, name = xmlid.partition(".")
            self.known[xmlid] = (0, self.model.name, record_id)
            self.pending.append(
                {"module": module, "name": name, "model": self.model.name, "res_id": record_id, "noupdate": False}
            )
        return record_id

    def flush(self) -> None:
        """Create the new external ids in one batch."""
        if self.pending:
            self.env["ir.model.data"]._create(self.pending)
