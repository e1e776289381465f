"""What models and fields exist right now: the installed modules' built-in models, plus the
custom ``x_`` ones read back from ``ir_model`` / ``ir_model_fields``, exactly where Odoo keeps
them.

A :class:`Registry` is an immutable snapshot; the store swaps in a new one after every schema
change (and after a rollback), so readers never see a half-made model.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from .catalog import DEFAULT_MODULES, models_for, thread_fields, with_dependencies
from .release import NEWEST, Release, release_of
from .schema import Field, Model, choices_of, custom_model


@dataclass(frozen=True)
class Registry:
    """All models by name, and the installed modules; rebuilt from the database, never mutated."""

    models: Mapping[str, Model] = field(default_factory=lambda: models_for(with_dependencies(DEFAULT_MODULES)))
    modules: frozenset[str] = frozenset(with_dependencies(DEFAULT_MODULES))
    release: Release = NEWEST

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

    def many2many_to(self, model: str) -> list[tuple[Model, Field]]:
        """The many2many fields pointing at ``model`` (their relation rows die with its records)."""
        return [(m, f) for m in self.models.values() for f in m.many2many if f.relation == model]

    @classmethod
    def load(cls, cr: sqlite3.Connection) -> Registry:
        """Installed modules' models plus the manual models and fields recorded in the database."""
        installed = frozenset(
            row[0] for row in cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
        )
        release = release_of(cr)
        models = models_for(installed, release)
        mail = "mail" in installed  # its columns say which custom models are threads, which fields tracked
        threads: set[str] = set()
        for name, description, order, thread in cr.execute(
            f'SELECT model, name, "order", {"is_mail_thread" if mail else "0"} FROM ir_model'
            " WHERE state = 'manual' ORDER BY id"
        ):
            models[name] = custom_model(name, description, order or "id")
            if thread:
                threads.add(name)
        extra: dict[str, list[Field]] = {}
        tracked: dict[str, list[tuple[int, str]]] = {}
        for row in cr.execute(
            "SELECT model, name, ttype, field_description, required, readonly, relation, on_delete,"
            f' relation_field, "index", help, selection, {"tracking" if mail else "NULL"} FROM ir_model_fields'
            " WHERE state = 'manual' ORDER BY id"
        ):
            model, name, ttype, label, required, readonly, relation, on_delete, relation_field, index, help_ = row[:11]
            options, tracking = row[11], row[12]
            if tracking:
                tracked.setdefault(model, []).append((int(tracking), name))
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
                    relation_field=relation_field or None,
                    index=bool(index),
                    help=help_ or "",
                    selection=choices_of(options) if ttype == "selection" else (),
                )
            )
        for name in threads:  # ``_instanciate``: the model also inherits mail.thread
            extra.setdefault(name, []).extend(thread_fields(name))
        for model, fields in extra.items():
            if model in models:
                models[model] = replace(models[model], fields={**models[model].fields, **{f.name: f for f in fields}})
        for name in threads:
            models[name] = replace(
                models[name], mail_thread=True, tracked=tuple(field for _seq, field in sorted(tracked.get(name, [])))
            )
        return cls(models, installed, release)
