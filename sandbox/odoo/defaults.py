"""``ir.default``: user-defined default values, as ``ir_default.py`` stores and applies them.

A row names a field (``field_id``) and holds its value as JSON (``json_value``), for everyone or
one user (``user_id``), unconditionally or under a ``condition``. On create, a field missing from
the values takes the context's ``default_<field>``, else the unconditional ``ir.default`` (the
user's before everyone's), else the field's own default — Odoo's ``default_get`` order. Custom
fields have no default of their own (a custom ``x_active`` is born ``False`` without one).
Changing a row clears the registry's default cache, the allowed-models cache with it.
"""

from __future__ import annotations

import json
from typing import Any, Self

from .api import api_model, public, register
from .errors import ValidationError
from .orm import BaseModel, id_filter


@register
class IrDefault(BaseModel):
    _name = "ir.default"

    def _begin(self, operation: str) -> None:
        if operation != "read":
            self.env.clear_caches()
            self.env.transaction.data.pop("ir.default", None)
        super()._begin(operation)

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        records = super()._create(vals_list)
        records._check_json()
        return records

    def _write(self, vals: dict[str, Any]) -> None:
        super()._write(vals)
        if "json_value" in vals:
            self._check_json()

    def _check_json(self) -> None:
        where, params = id_filter(self._ids)
        for (value,) in self._query(f"SELECT json_value FROM ir_default WHERE {where}", params):
            try:
                json.loads(value)
            except (TypeError, json.JSONDecodeError):
                raise ValidationError("Invalid JSON format in Default Value field.") from None

    @public
    @api_model
    def set(
        self,
        model_name: str,
        field_name: str,
        value: Any,
        user_id: int | bool = False,
        company_id: int | bool = False,
        condition: str | bool = False,
    ) -> bool:
        """Define the default of ``model_name.field_name``, replacing the one of the same scope."""
        if user_id is True:
            user_id = self.env.uid
        model = self.env.registry.models.get(model_name)
        if model is None or field_name not in model.fields:
            raise ValidationError(f"Invalid field {model_name}.{field_name}")
        json_value = json.dumps(value, ensure_ascii=False)
        [field_id] = self._query(
            "SELECT id FROM ir_model_fields WHERE model = ? AND name = ?", [model_name, field_name]
        )[0]
        scope = [
            ("field_id", "=", field_id),
            ("user_id", "=", user_id or False),
            ("condition", "=", condition or False),
        ]
        existing = self.search(scope, limit=1)
        if existing.ids:
            [current] = existing.read(["json_value"])
            if current["json_value"] != json_value:
                existing.write({"json_value": json_value})
        else:
            self.create(
                {
                    "field_id": field_id,
                    "user_id": user_id or False,
                    "condition": condition or False,
                    "json_value": json_value,
                }
            )
        return True

    def _display_names(self, ids: Any) -> dict[int, Any]:
        """``_rec_name`` is ``field_id``: the field's label."""
        where, params = id_filter(ids)
        rows = self._query(f"SELECT id, field_id FROM ir_default WHERE {where}", params)
        labels = self.env["ir.model.fields"]._display_names({row[1] for row in rows})
        return {row[0]: labels.get(row[1], False) for row in rows}
