"""Model-specific behaviour, as Odoo's addons give it: custom models and fields through
``ir.model``/``ir.model.fields``, ``ir.model.data``'s protected rows, ``res.users``,
``res.groups``' members, ``utm.campaign``'s name/title pair.

Access rules (documented in the package README): the API key's user is an integration bot,
so it may not create, modify or delete ``res.users`` records, nor modify or delete the
``ir.model.data`` rows of module ``base`` (Odoo's own external ids); both answer AccessError.
Custom models need ``ir.model.access`` rows, checked in ``orm.BaseModel._check_access``.
"""

from __future__ import annotations

from typing import Any, Self

from .ddl import add_column, create_table, drop_index, index_column, reflect_field
from .errors import AccessError, UserError, ValidationError
from .orm import BaseModel, access_error, api_model, id_filter, public, readonly, register
from .registry import Registry
from .release import Release
from .schema import (
    CUSTOM_TTYPES,
    FIELD_NAME_RE,
    MAGIC_FIELDS,
    MODEL_NAME_RE,
    ORDER_FIELDS_RE,
    ORDER_RE,
    ORDER_RE_16,
    X2MANY,
    Field,
    Model,
    custom_model,
)
from .views import check_field_removal


def reload_registry(model: BaseModel, clear_caches: bool = True) -> None:
    """Re-read the schema; Odoo's ``_setup_models__`` also empties every registry cache."""
    model.env.store.registry = Registry.load(model.env.cr)
    if clear_caches:
        model.env.clear_caches()


@register
class IrModelAccess(BaseModel):
    _name = "ir.model.access"

    @public
    @api_model
    def check(self, model: str, mode: str = "read", raise_exception: bool = True) -> bool:
        """Odoo's ``ir.model.access.check``: reads (and fills) the cached allowed models."""
        if self.env.su:
            return True
        assert isinstance(model, str), f"Not a model name: {model}"
        allowed = self.env.access_check(model, mode)
        if not allowed and raise_exception:
            raise self.env.access_error(model, mode)
        return allowed

    def _begin(self, operation: str) -> None:
        """``call_cache_clearing_methods`` comes *before* the ORM's own access check, which
        refills the caller's cache for ``operation`` from the rows as they are before the change:
        right after creating a row, its creator's ``create`` set lacks the row's model."""
        if operation != "read":
            self.env.clear_caches()
        super()._begin(operation)


@register
class ResUsers(BaseModel):
    """Creating, modifying or deleting users is refused by ``orm.BUILTIN_DENIED``."""

    _name = "res.users"

    @public
    @api_model
    @readonly
    def context_get(self) -> dict[str, Any]:
        return {"lang": "en_US", "tz": "UTC", "uid": self.env.uid}

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        """A user without a partner gets one of its name, as Odoo's ``_inherits`` makes it."""
        for vals in vals_list:
            if not vals.get("partner_id"):
                partner = self.env["res.partner"]._create([{"name": vals.get("name") or vals.get("login")}])
                vals["partner_id"] = partner.ids[0]
        return super()._create(vals_list)


@register
class ResGroups(BaseModel):
    _name = "res.groups"

    def _unlink(self) -> None:
        """Drop the groups' memberships too, as the many2many table's foreign keys do in Odoo:
        SQLite gives a deleted highest id to the next group, which must not inherit members."""
        super()._unlink()
        self.env.cr.executemany("DELETE FROM res_groups_users_rel WHERE gid = ?", [(gid,) for gid in self._ids])


@register
class UtmCampaign(BaseModel):
    _name = "utm.campaign"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        """``title`` defaults to ``name`` and ``name`` is computed from ``title``."""
        for vals in vals_list:
            if not vals.get("title") and vals.get("name"):
                vals["title"] = vals["name"]
            if not vals.get("name") and vals.get("title"):
                vals["name"] = vals["title"]
        return super()._create(vals_list)


@register
class IrModelData(BaseModel):
    _name = "ir.model.data"
    PROTECTED = "External identifiers of module 'base' belong to Odoo itself."

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        for vals in vals_list:
            vals["complete_name"] = f"{vals.get('module')}.{vals.get('name')}"
        return super()._create(vals_list)

    def _write(self, vals: dict[str, Any]) -> None:
        self._check_protected("write")
        super()._write(vals)
        where, params = id_filter(self._ids)
        self.env.cr.execute(f"UPDATE ir_model_data SET complete_name = module || '.' || name WHERE {where}", params)

    def _unlink(self) -> None:
        self._check_protected("unlink")
        super()._unlink()

    def _begin(self, operation: str) -> None:
        """Odoo's ``write``/``unlink`` clear the registry's default cache first (for
        ``_xmlid_lookup``), the allowed-models cache with it."""
        if operation in ("write", "unlink"):
            self.env.clear_caches()
        super()._begin(operation)

    def _rule_error(self, operation: str) -> AccessError | None:
        """Odoo's own external ids (module ``base``) may be read, not modified or deleted."""
        if operation not in ("write", "unlink"):
            return None
        where, params = id_filter(self._ids)
        if self._query(f"SELECT 1 FROM ir_model_data WHERE module = 'base' AND {where}", params):
            return access_error(self._model.description, self._model.name, operation, self.PROTECTED)
        return None

    def _check_protected(self, operation: str) -> None:
        if error := self._rule_error(operation):
            raise error


NULLS_ORDER_SINCE = 17  # the first release whose regex_order reads "nulls first/last"


def check_order(model: Model, order: str, release: Release) -> None:
    """``ir.model._check_order``: the whole clause must match ``regex_order`` (Odoo 16's knows no
    ``nulls last``), and every word its field finder takes for a field must be a stored field: it
    takes ``nulls`` and ``last`` for fields too, so Odoo 17 on refuses ``nulls last`` in a custom
    model's order that its ORM accepts."""
    if not (ORDER_RE if release.major >= NULLS_ORDER_SINCE else ORDER_RE_16).match(order):
        raise ValidationError(
            f'Invalid "order" specified ({order}). A valid "order" specification is a comma-separated list of'
            " valid field names (optionally followed by asc/desc for the direction)"
        )
    stored = {name for name, field in model.fields.items() if field.store} | set(MAGIC_FIELDS)
    for name in ORDER_FIELDS_RE.findall(order):
        if name not in stored:
            raise ValidationError(
                f"Unable to order by {name}: fields used for ordering must be present on the model and stored."
            )


@register
class IrModel(BaseModel):
    _name = "ir.model"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        """Create each custom model's table, magic fields and (by default) ``x_name``."""
        ids = []
        for vals in vals_list:
            commands = vals.pop("field_id", None)
            vals.setdefault("state", "manual")
            name = str(vals.get("model") or "")
            if vals["state"] != "manual":
                raise UserError("Only custom models (state 'manual') can be created.")
            if not name.startswith("x_"):
                raise ValidationError("The model name must start with 'x_'.")
            if not MODEL_NAME_RE.match(name):
                raise ValidationError(
                    "The model name can only contain lowercase characters, digits, underscores and dots."
                )
            if name in self.env:
                raise ValidationError("The operation cannot be completed: Each model must be unique!")
            model_id = super()._create([vals]).ids[0]
            model = custom_model(name, str(vals["name"]), str(vals.get("order") or "id"))
            create_table(self.env.cr, model)
            for field in model.fields.values():
                reflect_field(self.env.cr, model_id, name, field, "base")
            reload_registry(self)
            if commands is None:
                commands = [[0, 0, {"name": "x_name", "field_description": "Name", "ttype": "char"}]]
            self.env["ir.model.fields"]._create(
                [{**command[2], "model_id": model_id} for command in commands if command[0] == 0]
            )
            ids.append(model_id)
        return self.browse(ids)

    def _write(self, vals: dict[str, Any]) -> None:
        for name, label in (("model", "Model"), ("state", "Type")):
            if name in vals:
                raise UserError(f'Field "{label}" cannot be modified on models.')
        if "is_mail_thread" in vals:  # mail's ir.model.write: custom models become threads, never back
            rows = self.read(["state", "is_mail_thread"])
            if any(row["state"] != "manual" for row in rows):
                raise UserError("Only custom models can be modified.")
            if any(row["is_mail_thread"] and not vals["is_mail_thread"] for row in rows):
                raise UserError('Field "Mail Thread" cannot be changed to "False".')
        super()._write(vals)
        if "order" in vals:
            for row in self.read(["model", "order"]):
                check_order(self.env.registry[row["model"]], str(row["order"]), self.env.registry.release)
        reload_registry(self, clear_caches="order" in vals)  # Odoo sets models up again for a new order

    def _unlink(self) -> None:
        """Drop the custom models' tables and the fields on other models pointing to them."""
        rows = self.read(["model", "name", "state"])
        for row in rows:
            if row["state"] != "manual":
                raise UserError(f"Model {row['name']!r} contains module data and cannot be removed.")
        names = [row["model"] for row in rows]
        own = [(name, f.name) for name in names for f in self.env.registry[name].fields.values() if f.manual]
        check_field_removal(self, own)
        inbound = self.env["ir.model.fields"].search([("relation", "in", names), ("model", "not in", names)])
        inbound._unlink()
        where, params = id_filter(self._ids)
        self.env.cr.execute(
            f"DELETE FROM ir_model_fields WHERE model_id IN (SELECT id FROM ir_model WHERE {where})",
            params,
        )
        for name in names:
            self.env.cr.execute(f'DROP TABLE "{self.env.registry[name].table}"')
            self.env.cr.execute("DELETE FROM ir_model_data WHERE model = ?", [name])
        super()._unlink()
        reload_registry(self)


@register
class IrModelFields(BaseModel):
    _name = "ir.model.fields"

    def _begin(self, operation: str) -> None:
        """Odoo's ``create`` clears the stable cache before its check (``_get_ids``); every
        change then sets the models up again, which clears it after."""
        if operation == "create":
            self.env.clear_caches()
        super()._begin(operation)

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        """Add each custom field's column (and, with ``index``, its index) to its model's table."""
        ids = []
        for vals in vals_list:
            self._prepare(vals)
            field_id = super()._create([vals]).ids[0]
            model = self.env.registry[vals["model"]]
            field = Field(
                vals["name"], vals["ttype"], str(vals.get("field_description") or ""), index=bool(vals.get("index"))
            )
            add_column(self.env.cr, model, field)
            reload_registry(self)
            ids.append(field_id)
        return self.browse(ids)

    def _prepare(self, vals: dict[str, Any]) -> None:
        if vals.get("model_id"):
            found = self._query("SELECT model FROM ir_model WHERE id = ?", [vals["model_id"]])
            vals["model"] = found[0][0] if found else vals.get("model")
        elif vals.get("model") in self.env:
            vals["model_id"] = self._query("SELECT id FROM ir_model WHERE model = ?", [vals["model"]])[0][0]
        vals.setdefault("state", "manual")
        name, ttype = str(vals.get("name") or ""), vals.get("ttype")
        if not name.startswith("x_"):
            raise ValidationError("Custom fields must have a name that starts with 'x_' !")
        if not FIELD_NAME_RE.match(name):
            raise ValidationError("Field names can only contain characters, digits and underscores (up to 63).")
        if ttype not in CUSTOM_TTYPES:
            raise ValidationError(
                f"The sandbox cannot create fields of type {ttype!r}; supported: {', '.join(sorted(CUSTOM_TTYPES))}."
            )
        if ttype in ("many2one", "one2many") and vals.get("relation") not in self.env:
            raise ValidationError(f"Unknown model name '{vals.get('relation')}' in Related Model")
        if ttype == "many2one":
            vals.setdefault("on_delete", "set null")
        if ttype == "one2many":
            inverse = self.env.registry[vals["relation"]].fields.get(str(vals.get("relation_field")))
            if inverse is None or inverse.ttype != "many2one":
                raise UserError(f"Many2one {vals.get('relation_field')} on model {vals['relation']} does not exist!")
        model = vals.get("model")
        if model in self.env and name in self.env.registry[model].fields:
            raise ValidationError("The operation cannot be completed: Field names must be unique per model.")

    def _write(self, vals: dict[str, Any]) -> None:
        """Odoo refuses to change a field's model or type, silently ignores ``model_id``,
        ``model`` and ``state`` otherwise, and sets the models up again (which adds or drops the
        index when ``index`` changes)."""
        rows = self.read(["model", "name", "ttype", "model_id", "state"], load=None)
        if vals and any(row["state"] != "manual" for row in rows):
            raise UserError(
                "Properties of base fields cannot be altered in this manner! Please"
                " modify them through Python code, preferably through a custom addon!"
            )
        for row in rows:
            if vals.get("model_id", row["model_id"]) != row["model_id"]:
                raise UserError("Changing the model of a field is forbidden!")
            if vals.get("ttype", row["ttype"]) != row["ttype"]:
                raise UserError(
                    "Changing the type of a field is not yet supported. Please drop it and create it again!"
                )
            if vals.get("name", row["name"]) != row["name"]:
                raise UserError("The sandbox does not rename fields; drop the field and create it.")
        vals = {k: v for k, v in vals.items() if k not in ("model_id", "model", "state")}
        super()._write(vals)
        if "index" in vals:
            for row in rows:
                model = self.env.registry[row["model"]]
                field = model.fields[row["name"]]
                if field.column and vals["index"]:
                    index_column(self.env.cr, model, field)
                elif field.column:
                    drop_index(self.env.cr, model, field)
        reload_registry(self)

    def _unlink(self) -> None:
        rows = self.read(["model", "name", "state", "ttype"])
        if any(row["state"] != "manual" for row in rows):
            raise UserError("This column contains module data and cannot be removed!")
        self._check_dependents(rows)
        check_field_removal(self, [(row["model"], row["name"]) for row in rows])
        for row in rows:
            model = self.env.registry[row["model"]]
            if row["ttype"] in X2MANY:
                continue
            drop_index(self.env.cr, model, model.fields[row["name"]])
            self.env.cr.execute(f'ALTER TABLE "{model.table}" DROP COLUMN "{row["name"]}"')
        super()._unlink()
        reload_registry(self)

    def _check_dependents(self, rows: list[dict[str, Any]]) -> None:
        """A many2one cannot go while a custom one2many of another model stays on it."""
        doomed = {(row["model"], row["name"]) for row in rows}
        for row in rows:
            for model in self.env.registry.models.values():
                for field in model.fields.values():
                    inverse = field.manual and (field.ttype, field.relation, field.relation_field) == (
                        "one2many",
                        row["model"],
                        row["name"],
                    )
                    if inverse and (model.name, field.name) not in doomed:
                        raise UserError(
                            f"The field '{row['model']}.{row['name']}' cannot be removed because the field"
                            f" '{model.name}.{field.name}' depends on it."
                        )


# the other addons' behaviour: their hooks register on import (mail first, as Odoo's
# base_automation patches wrap mail.thread's create/write)
from . import mail, automation, views, actions, modules, defaults, crm  # noqa: E402, F401, I001
