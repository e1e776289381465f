"""What a model and a field are: the shapes ``fields_get`` describes and the tables hold.

Built-in models are defined in ``catalog.py`` (per Odoo module), custom ``x_`` ones are read back
from ``ir_model``/``ir_model_fields`` by ``registry.py``; both are built from these classes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

X2MANY = frozenset({"one2many", "many2many"})
# ``ir.model.fields.ttype``'s selection: every field type Odoo 19 knows, sorted as Odoo sorts them
FIELD_TYPES = (
    "binary",
    "boolean",
    "char",
    "date",
    "datetime",
    "float",
    "html",
    "integer",
    "json",
    "many2many",
    "many2one",
    "many2one_reference",
    "monetary",
    "one2many",
    "properties",
    "properties_definition",
    "reference",
    "selection",
    "text",
)
CUSTOM_TTYPES = frozenset(
    {"char", "text", "html", "integer", "float", "boolean", "date", "datetime", "many2one", "one2many", "selection"}
)
SQL_TYPES = {
    "char": "TEXT",
    "text": "TEXT",
    "html": "TEXT",
    "selection": "TEXT",
    "reference": "TEXT",
    "date": "TEXT",
    "datetime": "TEXT",
    "integer": "INTEGER",
    "boolean": "INTEGER",
    "many2one": "INTEGER",
    "many2one_reference": "INTEGER",
    "float": "REAL",
}
ON_DELETE = (("cascade", "Cascade"), ("set null", "Set NULL"), ("restrict", "Restrict"))
MAGIC_FIELDS = ("id", "display_name", "create_date", "create_uid", "write_date", "write_uid")
ADMIN_UID = 2
MODEL_NAME_RE = re.compile(r"^[a-z0-9_.]+$")
FIELD_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Odoo's ``regex_order`` (an order clause) and ``ir_model.RE_ORDER_FIELDS`` (its field names)
ORDER_RE = re.compile(
    r"""
    ^
    (\s*
        (?P<term>((?P<field>[a-z0-9_]+|"[a-z0-9_]+")(\.(?P<property>[a-z0-9_]+))?(:(?P<func>[a-z_]+))?))
        (\s+(?P<direction>desc|asc))?
        (\s+(?P<nulls>nulls\ first|nulls\ last))?
        \s*
        (,|$)
    )+
    (?<!,)
    $
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Odoo 16's ``regex_order``: no ``nulls first``/``nulls last``, no properties or functions
ORDER_RE_16 = re.compile(r'^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\.id)?(\s+(desc|asc))?\s*(,|$))+(?<!,)$', re.I)
ORDER_FIELDS_RE = re.compile(r'"?(\w+)"?\s*(?:asc|desc)?', flags=re.I)


@dataclass(frozen=True)
class Field:
    """One field as ``fields_get`` describes it.

    ``store=False`` fields have no column; x2many fields are stored (as in Odoo) but live in the
    comodel's column (one2many, through ``relation_field``) or a relation table (many2many,
    ``relation_table(column1, column2)``). ``stored_as`` names the column a computed field with an
    inverse reads and writes (``ir.ui.view.arch`` over ``arch_db``). ``domain`` is a one2many's
    fixed filter on its comodel, as a tuple of leaves.
    """

    name: str
    ttype: str
    string: str
    required: bool = False
    readonly: bool = False
    store: bool = True
    relation: str | None = None
    on_delete: str = "set null"
    selection: tuple[tuple[str, str], ...] = ()
    default: Any = None
    manual: bool = False
    relation_field: str | None = None
    relation_table: str | None = None
    column1: str | None = None
    column2: str | None = None
    domain: tuple[tuple[str, str, Any], ...] = ()
    index: bool = False
    help: str = ""
    stored_as: str | None = None

    @property
    def column(self) -> bool:
        return self.store and self.ttype not in X2MANY and self.name != "id" and self.stored_as is None

    def describe(self) -> dict[str, Any]:
        """This field's entry in ``fields_get``."""
        info: dict[str, Any] = {
            "name": self.name,
            "type": self.ttype,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly,
            "store": self.store,
            "searchable": self.store or self.name == "display_name",
            "sortable": self.store and self.ttype not in X2MANY,
            "manual": self.manual,
            "help": self.help,
        }
        if self.relation:
            info["relation"] = self.relation
        if self.relation_field:
            info["relation_field"] = self.relation_field
        if self.selection:
            info["selection"] = [list(item) for item in self.selection]
        return info


@dataclass(frozen=True)
class Model:
    """A model: its technical name, description (``ir.model.name``) and fields.

    ``log_access=False`` models have no magic date/user columns (``mail.followers``);
    ``id_sequence`` names an id sequence shared with other tables (Odoo's action tables all
    inherit ``ir_actions`` and its ids); ``tracked`` lists the fields whose changes a
    ``mail.thread`` model logs.
    """

    name: str
    description: str
    fields: Mapping[str, Field]
    order: str = "id"
    state: str = "base"
    rec_name_override: str | None = None
    table_override: str | None = None
    log_access: bool = True
    id_sequence: str | None = None
    mail_thread: bool = False
    tracked: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return self.table_override or self.name.replace(".", "_")

    @property
    def rec_name(self) -> str | None:
        """The field behind ``display_name`` (Odoo's ``_rec_name``)."""
        if self.rec_name_override:
            return self.rec_name_override
        return next((name for name in ("name", "x_name") if name in self.fields), None)

    @property
    def active_name(self) -> str | None:
        """``active`` or ``x_active``: the field that makes records archivable."""
        return next((name for name in ("active", "x_active") if name in self.fields), None)

    @cached_property
    def columns(self) -> list[Field]:
        return [f for f in self.fields.values() if f.column]

    @cached_property
    def many2many(self) -> list[Field]:
        return [f for f in self.fields.values() if f.ttype == "many2many"]


def magic_fields(log_access: bool = True) -> list[Field]:
    fields = [
        Field("id", "integer", "ID", readonly=True),
        Field("display_name", "char", "Display Name", readonly=True, store=False),
    ]
    if log_access:
        fields += [
            Field("create_date", "datetime", "Created on", readonly=True),
            Field("create_uid", "many2one", "Created by", readonly=True, relation="res.users"),
            Field("write_date", "datetime", "Last Updated on", readonly=True),
            Field("write_uid", "many2one", "Last Updated by", readonly=True, relation="res.users"),
        ]
    return fields


def define(name: str, description: str, fields: Iterable[Field], **kwargs: Any) -> Model:
    """A model with Odoo's magic fields first."""
    all_fields = [*magic_fields(kwargs.get("log_access", True)), *fields]
    return Model(name, description, {f.name: f for f in all_fields}, **kwargs)


def choices(*values: str) -> tuple[tuple[str, str], ...]:
    """A selection whose labels are its values."""
    return tuple((value, value) for value in values)


def choices_of(text: str | None) -> tuple[tuple[str, str], ...]:
    """A manual selection field's choices from ``ir.model.fields.selection``, the text Odoo reads
    with ``literal_eval`` (``"[('a', 'A')]"``)."""
    return tuple((str(value), str(label)) for value, label in ast.literal_eval(text or "[]"))


def custom_model(name: str, description: str, order: str = "id") -> Model:
    """A manual model's skeleton: Odoo gives every model the magic fields."""
    return define(name, description, [], order=order, state="manual")


def many2many_table(model: Model, field: Field) -> tuple[str, str, str]:
    """``(table, own column, other column)``, with Odoo's defaults for an unnamed relation."""
    comodel_table = str(field.relation).replace(".", "_")
    table = field.relation_table or "{}_{}_rel".format(*sorted([model.table, comodel_table]))
    column1 = field.column1 or f"{model.table}_id"
    column2 = field.column2 or f"{comodel_table}_id"
    return table, column1, column2
