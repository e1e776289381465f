"""``ir.ui.view``: defaults and checks on create and write, as ``ir_ui_view.py`` has them
(combining and validating the arch is ``arch.py``'s job).

On create, a missing ``type`` comes from the parent view (``inherit_id``) or the arch's root tag,
a missing ``name`` is ``"<model> <type>"``, ``mode`` defaults to ``extension`` when ``inherit_id``
is given, and the new views are validated partially. On write, the views are validated fully
when ``active``, ``arch`` or ``inherit_id`` change. ``arch`` is stored in ``arch_db``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, Self

from . import arch
from .api import register
from .errors import UserError, ValidationError
from .orm import BaseModel, id_filter
from .schema import Model

VIEW_COLUMNS = "id, name, model, type, arch_db, inherit_id, mode, priority"
Models = Callable[[str], Model | None]


@register
class IrUiView(BaseModel):
    _name = "ir.ui.view"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        for vals in vals_list:
            self._defaults(vals)
        views = super()._create(vals_list)
        views._check_inheritance()
        views._check_xml(partial=True)
        return views

    def _write(self, vals: dict[str, Any]) -> None:
        if "inherit_id" in vals:
            where, params = id_filter(self._ids)
            parents = self._query(f"SELECT count(*) FROM ir_ui_view WHERE inherit_id IS NOT NULL AND {where}", params)
            if not vals["inherit_id"] or not parents[0][0]:
                vals.setdefault("mode", "extension" if vals["inherit_id"] else "primary")
        super()._write(vals)
        self._check_inheritance()
        if {"active", "arch", "arch_db", "inherit_id"} & set(vals):
            self._check_xml(partial=False)

    def _defaults(self, vals: dict[str, Any]) -> None:
        if "arch_db" in vals and not vals["arch_db"]:
            del vals["arch_db"]
        if not vals.get("type"):
            if vals.get("inherit_id"):
                parent = self._query("SELECT type FROM ir_ui_view WHERE id = ?", [vals["inherit_id"]])
                vals["type"] = parent[0][0] if parent else False
            else:
                if not vals.get("arch"):
                    raise ValidationError("Missing view architecture.")
                try:
                    vals["type"] = arch.parse(vals["arch"]).tag
                except ET.ParseError:
                    pass  # _check_xml words it
                else:
                    view_types = dict(self._model.fields["type"].selection)  # this release's
                    if vals["type"] not in view_types:
                        raise ValidationError(
                            f"Invalid view type: '{vals['type']}'.\n"
                            "You might have used an invalid starting tag in the architecture.\n"
                            f"Allowed types are: {', '.join(view_types)}"
                        )
        if not vals.get("name"):
            vals["name"] = f"{vals.get('model')} {vals['type']}"  # a KeyError when the arch did not parse, as in Odoo
        if "inherit_id" in vals:
            vals.setdefault("mode", "extension" if vals["inherit_id"] else "primary")

    def _check_inheritance(self) -> None:
        """The ``mode`` check constraint and ``_check_000_inheritance``."""
        where, params = id_filter(self._ids)
        rows = self._query(f"SELECT id, inherit_id, mode FROM ir_ui_view WHERE {where}", params)
        for view_id, parent, mode in rows:
            if mode == "extension" and not parent:
                raise ValidationError(
                    "The operation cannot be completed: Invalid inheritance mode: if the mode is 'extension',"
                    " the view must extend an other view"
                )
            seen = {view_id}
            while parent:
                if parent in seen:
                    raise ValidationError("You cannot create recursive inherited views.")
                seen.add(parent)
                found = self._query("SELECT inherit_id FROM ir_ui_view WHERE id = ?", [parent])
                parent = found[0][0] if found else None

    def _check_xml(self, partial: bool, models: Models | None = None) -> None:
        """``_check_xml``: each view's combined arch parses, its specs apply, and it validates."""
        models = models or self.env.registry.models.get
        for view_id in self._ids:
            view = self._load(view_id)
            if partial and not view.arch:
                continue
            try:
                if view.inherit_id:
                    arch.check_selectors(arch.parse(view.arch))
                combined = arch.combine(view, self._load, self._children, full=not partial)
            except (ET.ParseError, arch.ArchError) as exc:
                raise ValidationError(f"Error while parsing or validating view:\n\n{exc}") from None
            if view.type == "qweb":
                continue
            try:
                if view.model is None or models(view.model) is None:
                    raise arch.ArchError(f"Model not found: {view.model or False}", combined)
                expressions = self.env.registry.release.modifier_expressions
                arch.validate(combined, str(view.type), models(view.model), models, expressions)
            except arch.ModifierError as exc:
                if str(exc) == "expression":
                    raise AttributeError("'ValueError' object has no attribute 'context'") from None
                raise ValidationError(f"Invalid view {view.name} definition in False") from None
            except arch.ArchError as exc:
                raise ValidationError(
                    f"Error while validating view near:\n\n{arch.near(combined, exc.node)}\n{exc}"
                ) from None

    def _load(self, view_id: int) -> arch.View:
        [row] = self._query(f"SELECT {VIEW_COLUMNS} FROM ir_ui_view WHERE id = ?", [view_id])
        return arch.View(*row)

    def _children(self, view: arch.View) -> list[arch.View]:
        """The active views inheriting ``view`` with the same model, by ``priority, id``."""
        rows = self._query(
            f"SELECT {VIEW_COLUMNS} FROM ir_ui_view WHERE inherit_id = ? AND active"
            " AND coalesce(model, '') = coalesce(?, '') ORDER BY priority, id",
            [view.id, view.model],
        )
        return [arch.View(*row) for row in rows]


def check_field_removal(records: BaseModel, removed: Iterable[tuple[str, str]]) -> None:
    """``ir.model.fields._prepare_update``: views naming a field being removed must still be valid
    without it ("Cannot rename/delete fields that are still present in views")."""
    removed = list(removed)
    if not removed or "ir.ui.view" not in records.env:
        return
    gone: dict[str, set[str]] = {}
    for model, name in removed:
        gone.setdefault(model, set()).add(name)
    registry = records.env.registry.models

    def without(model: str) -> Model | None:
        found = registry.get(model)
        if found is None or model not in gone:
            return found
        return replace(found, fields={k: v for k, v in found.fields.items() if k not in gone[model]})

    views = records.env.sudo()["ir.ui.view"]
    pattern = "|".join(re.escape(name) for _model, name in removed)
    candidates = [
        view_id
        for view_id, text in views._query("SELECT id, arch_db FROM ir_ui_view WHERE active")
        if text and re.search(pattern, text)
    ]
    for view_id in candidates:
        try:
            views.browse([view_id])._check_xml(partial=False, models=without)
        except ValidationError:
            [name] = views._query("SELECT name FROM ir_ui_view WHERE id = ?", [view_id])[0]
            fields = ", ".join(f"{model}.{name}" for model, name in removed)
            raise UserError(
                f"Cannot rename/delete fields that are still present in views:\nFields: {fields}\nView: {name}"
            ) from None


# ------------------------------------------------------------ loading views (get_view, get_views)

VIEW_FIELD_ATTRIBUTES = (
    "change_default",
    "context",
    "currency_field",
    "definition_record",
    "definition_record_field",
    "digits",
    "domain",
    "aggregator",
    "groups",
    "help",
    "model_field",
    "name",
    "readonly",
    "related",
    "relation",
    "relation_field",
    "required",
    "searchable",
    "selection",
    "size",
    "sortable",
    "store",
    "string",
    "translate",
    "trim",
    "type",
    "groupable",
    "falsy_value_label",
)
SKIPPED_IN_DEFAULT_FORM = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date", "display_name"})


def get_view(records: BaseModel, view_id: int | None, view_type: str) -> tuple[dict[str, Any], dict[str, set[str]]]:
    """``get_view``'s answer (``arch``, ``id``, ``model``) and the fields each model's nodes use.

    The view is ``view_id`` or the model's first primary view of the type (by ``priority,
    name, id``), combined with the views inheriting it; without one, Odoo's generated default
    (``form``, ``list``, ``search``). Odoo's post-processing (modifiers, embedded subviews,
    group-restricted nodes) is not applied."""
    views = records.env.sudo()["ir.ui.view"]
    if not view_id:
        found = views.search(
            [("model", "=", records._model.name), ("type", "=", view_type), ("mode", "=", "primary")], limit=1
        )
        view_id = found.ids[0] if found.ids else None
    if view_id:
        view = views._load(int(view_id))
        tree = arch.combine(view, views._load, views._children, full=False)
        arch.strip_flags(tree)
    else:
        tree = _default_arch(records._model, view_type)
    used: dict[str, set[str]] = {}
    _collect(tree, records._model, records.env.registry.models.get, used)
    if view_type in ("kanban", *arch.LIST_TAGS, "form"):
        for model, names in used.items():
            names.add("id")
            if "write_date" in records.env.registry[model].fields:
                names.add("write_date")
    answer = {"arch": ET.tostring(tree, encoding="unicode"), "id": view_id or False, "model": records._model.name}
    return answer, used


def get_views(records: BaseModel, views: list[list[Any]]) -> dict[str, Any]:
    """``get_views``: each requested view, and the fields of every model they use."""
    result: dict[str, Any] = {"views": {}, "models": {}}
    models: dict[str, set[str]] = {}
    for view_id, view_type in views:
        answer, used = get_view(records, view_id, str(view_type))
        result["views"][view_type] = answer
        for model, names in used.items():
            models.setdefault(model, set()).update(names)
    for model, names in models.items():
        described = records.env[model].fields_get(allfields=sorted(names), attributes=list(VIEW_FIELD_ATTRIBUTES))
        result["models"][model] = {"fields": described}
    return result


def _collect(node: ET.Element, model: Model, models: Models, used: dict[str, set[str]]) -> None:
    names = used.setdefault(model.name, set())
    if node.tag == "field" and node.get("name") in model.fields:
        field = model.fields[str(node.get("name"))]
        names.add(field.name)
        comodel = models(str(field.relation)) if field.relation else None
        for child in node:
            _collect(child, comodel if comodel is not None and child.tag in arch.SUBVIEWS else model, models, used)
        return
    for child in node:
        _collect(child, model, models, used)


def _default_arch(model: Model, view_type: str) -> ET.Element:
    """``_get_default_form_view``/``_list_``/``_search_``: what Odoo generates without a view."""
    rec_name = model.rec_name or "id"
    if view_type in (*arch.LIST_TAGS, "search"):
        root = ET.Element(view_type, string=model.description)
        ET.SubElement(root, "field", name=rec_name)
        return root
    if view_type != "form":
        raise UserError(f"No default view of type '{view_type}' could be found!")
    sheet = ET.Element("sheet", string=model.description)
    main, left, right = ET.Element("group"), ET.Element("group"), ET.Element("group")
    for name, field in model.fields.items():
        if name in SKIPPED_IN_DEFAULT_FORM:
            continue
        if field.ttype in ("one2many", "many2many", "text", "html"):
            for side in (left, right):
                if len(side):
                    main.append(side)
            left, right = ET.Element("group"), ET.Element("group")
            if len(main):
                sheet.append(main)
                main = ET.Element("group")
            ET.SubElement(ET.SubElement(sheet, "group"), "field", name=name)
        else:
            ET.SubElement(right if len(left) > len(right) else left, "field", name=name)
    for side in (left, right):
        if len(side):
            main.append(side)
    sheet.append(main)
    ET.SubElement(ET.SubElement(sheet, "group"), "separator")
    form = ET.Element("form")
    form.append(sheet)
    return form
