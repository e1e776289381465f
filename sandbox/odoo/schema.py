"""What models and fields exist: the built-in ones, plus the custom ``x_`` ones read back from
``ir_model`` / ``ir_model_fields``, exactly where Odoo keeps them.

A :class:`Registry` is an immutable snapshot; the store swaps in a new one after every schema
change (and after a rollback), so readers never see a half-made model.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

TTYPES = ("char", "text", "integer", "float", "boolean", "date", "datetime", "many2one", "selection")
CUSTOM_TTYPES = frozenset(TTYPES) - {"selection"}
SQL_TYPES = {
    "char": "TEXT",
    "text": "TEXT",
    "selection": "TEXT",
    "date": "TEXT",
    "datetime": "TEXT",
    "integer": "INTEGER",
    "boolean": "INTEGER",
    "many2one": "INTEGER",
    "float": "REAL",
}
ON_DELETE = (("cascade", "Cascade"), ("set null", "Set NULL"), ("restrict", "Restrict"))
MAGIC_FIELDS = ("id", "display_name", "create_date", "create_uid", "write_date", "write_uid")
ADMIN_UID = 2
MODEL_NAME_RE = re.compile(r"^[a-z0-9_.]+$")
FIELD_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Field:
    """One field as ``fields_get`` describes it; ``store=False`` fields have no column."""

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

    @property
    def column(self) -> bool:
        return self.store and self.name != "id"

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
            "sortable": self.store,
            "manual": self.manual,
            "help": "",
        }
        if self.relation:
            info["relation"] = self.relation
        if self.selection:
            info["selection"] = [list(item) for item in self.selection]
        return info


@dataclass(frozen=True)
class Model:
    """A model: its technical name, description (``ir.model.name``) and fields."""

    name: str
    description: str
    fields: Mapping[str, Field]
    order: str = "id"
    state: str = "base"
    rec_name_override: str | None = None

    @property
    def table(self) -> str:
        return self.name.replace(".", "_")

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


def _magic_fields() -> list[Field]:
    return [
        Field("id", "integer", "ID", readonly=True),
        Field("display_name", "char", "Display Name", readonly=True, store=False),
        Field("create_date", "datetime", "Created on", readonly=True),
        Field("create_uid", "many2one", "Created by", readonly=True, relation="res.users"),
        Field("write_date", "datetime", "Last Updated on", readonly=True),
        Field("write_uid", "many2one", "Last Updated by", readonly=True, relation="res.users"),
    ]


def _model(name: str, description: str, fields: Iterable[Field], **kwargs: Any) -> Model:
    all_fields = [*_magic_fields(), *fields]
    return Model(name, description, {f.name: f for f in all_fields}, **kwargs)


def _selection(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((value, value) for value in values)


BUILTIN_MODELS: dict[str, Model] = {
    model.name: model
    for model in (
        _model(
            "res.partner",
            "Contact",
            [
                Field("name", "char", "Name", required=True),
                Field("email", "char", "Email"),
                Field("phone", "char", "Phone"),
                Field("mobile", "char", "Mobile"),
                Field("ref", "char", "Reference"),
                Field("comment", "text", "Notes"),
                Field("is_company", "boolean", "Is a Company"),
                Field("active", "boolean", "Active", default=True),
            ],
            order="name, id desc",
        ),
        _model(
            "res.users",
            "User",
            [
                Field("login", "char", "Login", required=True),
                Field("name", "char", "Name"),
                Field(
                    "partner_id",
                    "many2one",
                    "Related Partner",
                    required=True,
                    relation="res.partner",
                    on_delete="restrict",
                ),
                Field("active", "boolean", "Active", default=True),
            ],
            order="name, login",
        ),
        _model(
            "utm.campaign",
            "UTM Campaign",
            [
                Field("active", "boolean", "Active", default=True),
                Field("name", "char", "Campaign Identifier", required=True),
                Field("title", "char", "Campaign Name", required=True),
                Field("is_auto_campaign", "boolean", "Automatically Generated Campaign"),
                Field("color", "integer", "Color Index"),
            ],
            rec_name_override="title",
        ),
        _model(
            "ir.model.data",
            "Model Data",
            [
                Field("name", "char", "External Identifier", required=True),
                Field("complete_name", "char", "Complete ID", readonly=True),
                Field("module", "char", "Module", required=True),
                Field("model", "char", "Model Name", required=True),
                Field("res_id", "integer", "Record ID"),
                Field("noupdate", "boolean", "Non Updatable"),
            ],
            order="module, model, name",
        ),
        _model(
            "ir.model",
            "Models",
            [
                Field("name", "char", "Model Description", required=True),
                Field("model", "char", "Model", required=True),
                Field("order", "char", "Order", required=True, default="id"),
                Field("info", "text", "Information"),
                Field(
                    "state",
                    "selection",
                    "Type",
                    default="manual",
                    selection=(("manual", "Custom Object"), ("base", "Base Object")),
                ),
                Field("transient", "boolean", "Transient Model"),
            ],
            order="model",
        ),
        _model(
            "ir.model.fields",
            "Fields",
            [
                Field("name", "char", "Field Name", required=True),
                Field("model", "char", "Model Name", required=True),
                Field("model_id", "many2one", "Model", required=True, relation="ir.model", on_delete="cascade"),
                Field("field_description", "char", "Field Label", required=True),
                Field("ttype", "selection", "Field Type", required=True, selection=_selection(*TTYPES)),
                Field("relation", "char", "Related Model"),
                Field("required", "boolean", "Required"),
                Field("readonly", "boolean", "Readonly"),
                Field("store", "boolean", "Stored", default=True),
                Field("on_delete", "selection", "On Delete", default="set null", selection=ON_DELETE),
                Field(
                    "state",
                    "selection",
                    "Type",
                    default="manual",
                    selection=(("manual", "Custom Field"), ("base", "Base Field")),
                ),
            ],
            order="name",
        ),
        _model("res.groups", "Access Groups", [Field("name", "char", "Name", required=True)], order="name"),
        _model(
            "ir.model.access",
            "Model Access",
            [
                Field("name", "char", "Name", required=True),
                Field("active", "boolean", "Active", default=True),
                Field("model_id", "many2one", "Model", required=True, relation="ir.model", on_delete="cascade"),
                Field("group_id", "many2one", "Group", relation="res.groups", on_delete="restrict"),
                Field("perm_read", "boolean", "Read Access"),
                Field("perm_write", "boolean", "Write Access"),
                Field("perm_create", "boolean", "Create Access"),
                Field("perm_unlink", "boolean", "Delete Access"),
            ],
            order="model_id, group_id, name, id",
        ),
    )
}


def custom_model(name: str, description: str, order: str = "id") -> Model:
    """A manual model's skeleton: Odoo gives every model the magic fields."""
    return _model(name, description, [], order=order, state="manual")


@dataclass(frozen=True)
class Registry:
    """All models by name; rebuilt from the database, never mutated."""

    models: Mapping[str, Model] = field(default_factory=lambda: dict(BUILTIN_MODELS))

    def __contains__(self, name: object) -> bool:
        return name in self.models

    def __getitem__(self, name: str) -> Model:
        return self.models[name]

    def referencing(self, model: str) -> list[tuple[Model, Field]]:
        """The stored many2one fields pointing at ``model``."""
        return [
            (m, f)
            for m in self.models.values()
            for f in m.fields.values()
            if f.ttype == "many2one" and f.relation == model and f.column
        ]

    @classmethod
    def load(cls, cr: sqlite3.Connection) -> Registry:
        """Built-in models plus the manual models and fields recorded in the database."""
        models: dict[str, Model] = dict(BUILTIN_MODELS)
        for name, description, order in cr.execute(
            "SELECT model, name, \"order\" FROM ir_model WHERE state = 'manual' ORDER BY id"
        ):
            models[name] = custom_model(name, description, order or "id")
        extra: dict[str, list[Field]] = {}
        for row in cr.execute(
            "SELECT model, name, ttype, field_description, required, readonly, relation, on_delete"
            " FROM ir_model_fields WHERE state = 'manual' ORDER BY id"
        ):
            model, name, ttype, label, required, readonly, relation, on_delete = row
            extra.setdefault(model, []).append(
                Field(
                    name,
                    ttype,
                    label,
                    required=bool(required),
                    readonly=bool(readonly),
                    relation=relation or None,
                    on_delete=on_delete or "set null",
                    manual=True,
                    default=True if name == "x_active" else None,
                )
            )
        for model, fields in extra.items():
            if model in models:
                base = models[model]
                models[model] = Model(
                    base.name,
                    base.description,
                    {**base.fields, **{f.name: f for f in fields}},
                    base.order,
                    base.state,
                    base.rec_name_override,
                )
        return cls(models)
