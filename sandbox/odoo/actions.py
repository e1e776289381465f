"""Actions, menus and automation rules as records: their defaults, constraints and cache
clearing, as ``ir_actions.py``, ``ir_ui_menu.py`` and ``base_automation.py`` have them. What
a rule does when records change is ``automation.py``'s job.
"""

from __future__ import annotations

import json
import re
from typing import Any, Self

from .api import register
from .catalog import SERVER_ACTION_STATES
from .errors import ValidationError
from .orm import BaseModel, id_filter
from .release import WEBHOOK_ACTION_NAME, WEBHOOK_NAME_DEPENDS

PATH_RE = re.compile(r"[a-z][a-z0-9_-]*")
ACTION_TABLES = ("ir_act_window", "ir_act_server")
# base_automation's DOMAIN_FIELDS_RE, in spirit: the quoted field name opening each leaf
DOMAIN_FIELD_RE = re.compile(r"""[(\[]\s*(?P<quote>['"])(?P<field>[a-z]\w*)(?:\.[.\w]*)?(?P=quote)(?:[^,]*?,){2}""")


class Action(BaseModel):
    """``ir.actions.actions``: ``path`` checks, and the default cache cleared after changes
    (``get_bindings`` depends on actions)."""

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        records = super()._create(vals_list)
        records._check_path()
        self.env.clear_caches()
        return records

    def _write(self, vals: dict[str, Any]) -> None:
        super()._write(vals)
        if "path" in vals:
            self._check_path()
        self.env.clear_caches()

    def _unlink(self) -> None:
        super()._unlink()
        self.env.clear_caches()

    def _check_path(self) -> None:
        where, params = id_filter(self._ids)
        for (path,) in self._query(f'SELECT path FROM "{self._model.table}" WHERE {where}', params):
            if not path:
                continue
            if not PATH_RE.fullmatch(path):
                raise ValidationError(
                    "The path should contain only lowercase alphanumeric characters, underscore, and dash,"
                    " and it should start with a letter."
                )
            if path.startswith("m-"):
                raise ValidationError("'m-' is a reserved prefix.")
            if path.startswith("action-"):
                raise ValidationError("'action-' is a reserved prefix.")
            if path == "new":
                raise ValidationError("'new' is reserved, and can not be used as path.")
            used = sum(
                self._query(f'SELECT count(*) FROM "{table}" WHERE path = ?', [path])[0][0]
                for table in ACTION_TABLES
                if table in {m.table for m in self.env.registry.models.values()}
            )
            if used > 1:
                raise ValidationError("Path to show in the URL must be unique! Please choose another one.")


@register
class IrActionsActWindow(Action):
    _name = "ir.actions.act_window"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        records = super()._create(vals_list)
        records._check_window()
        return records

    def _write(self, vals: dict[str, Any]) -> None:
        super()._write(vals)
        if {"res_model", "view_mode"} & set(vals):
            self._check_window()

    def _check_window(self) -> None:
        """``_check_model`` and ``_check_view_mode``."""
        where, params = id_filter(self._ids)
        for res_model, view_mode in self._query(
            f"SELECT res_model, view_mode FROM ir_act_window WHERE {where}", params
        ):
            if res_model not in self.env:
                raise ValidationError(f"Invalid model name “{res_model}” in action definition.")
            modes = str(view_mode).split(",")
            if len(modes) != len(set(modes)):
                raise ValidationError(f"The modes in view_mode must not be duplicated: {modes}")
            if " " in modes:
                raise ValidationError(f"No spaces allowed in view_mode: “{modes}”")


@register
class IrActionsServer(Action):
    """``name`` is computed from ``state`` when not given (and follows it while it is the
    computed one); on Odoo 17 and 18, a rule's webhook action is renamed after its type on create
    and on each write of what the name depends on that does not write the name too."""

    _name = "ir.actions.server"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        for vals in vals_list:
            if not vals.get("name"):
                vals["name"] = self._state_label(vals.get("state"))
        records = super()._create(vals_list)
        records._name_webhook_actions()
        return records

    def _write(self, vals: dict[str, Any]) -> None:
        if "state" in vals and "name" not in vals:
            where, params = id_filter(self._ids)
            for action_id, name, state in self._query(
                f"SELECT id, name, state FROM ir_act_server WHERE {where}", params
            ):
                if name == self._state_label(state):
                    self.browse([action_id])._write_name(self._state_label(vals["state"]))
        super()._write(vals)
        if WEBHOOK_NAME_DEPENDS & set(vals) and "name" not in vals:
            self._name_webhook_actions()

    def _name_webhook_actions(self) -> None:
        """``base_automation``'s ``_compute_name`` of Odoo 17 and 18, for webhook actions."""
        if not self.env.registry.release.names_webhook_actions or "base_automation_id" not in self._model.fields:
            return
        where, params = id_filter(self._ids)
        self.env.cr.execute(
            f"UPDATE ir_act_server SET name = ? WHERE {where} AND base_automation_id IS NOT NULL AND state = 'webhook'",
            [WEBHOOK_ACTION_NAME, *params],
        )

    def _write_name(self, name: str) -> None:
        self.env.cr.execute("UPDATE ir_act_server SET name = ? WHERE id = ?", [name, self._ids[0]])

    def _state_label(self, state: Any) -> str:
        field = self._model.fields["state"]
        return dict(field.selection or SERVER_ACTION_STATES).get(str(state), "")


@register
class IrUiMenu(BaseModel):
    """The default cache is cleared *before* changes; deleting a menu promotes its children;
    ``display_name`` is the full path."""

    _name = "ir.ui.menu"

    def _begin(self, operation: str) -> None:
        if operation != "read":
            self.env.clear_caches()
        super()._begin(operation)

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        records = super()._create(vals_list)
        records._check_parent()
        return records

    def _write(self, vals: dict[str, Any]) -> None:
        super()._write(vals)
        if "parent_id" in vals:
            self._check_parent()

    def _unlink(self) -> None:
        where, params = id_filter(self._ids)
        rows = self._query(
            f"SELECT id FROM ir_ui_menu WHERE parent_id IN (SELECT id FROM ir_ui_menu WHERE {where})", params
        )
        children = [row[0] for row in rows]
        if children:
            self.browse(children)._write({"parent_id": False})
        super()._unlink()

    def _check_parent(self) -> None:
        for menu_id in self._ids:
            seen, current = set(), menu_id
            while current:
                if current in seen:
                    raise ValidationError("Error! You cannot create recursive menus.")
                seen.add(current)
                row = self._query("SELECT parent_id FROM ir_ui_menu WHERE id = ?", [current])
                current = row[0][0] if row else None

    def _display_names(self, ids: Any) -> dict[int, Any]:
        """``_get_full_name``: ``Parent/Child``, six levels at most."""
        names = {}
        for menu_id in ids:
            parts, current, level = [], menu_id, 6
            while current:
                if level <= 0:
                    parts.append("...")
                    break
                row = self._query("SELECT name, parent_id FROM ir_ui_menu WHERE id = ?", [current])
                if not row:
                    break
                parts.append(row[0][0] or "")
                current, level = row[0][1], level - 1
            names[menu_id] = "/".join(reversed(parts))
        return names


@register
class BaseAutomation(BaseModel):
    """Odoo computes ``trigger_field_ids``, ``filter_pre_domain`` and ``filter_domain`` from
    ``trigger`` (and ``filter_domain``) unless they are given: for the create/write/unlink triggers
    both domains are empty, and ``trigger_field_ids`` holds the fields ``filter_domain`` names for
    ``on_create_or_write``, none otherwise. A write of ``filter_domain`` alone adds its fields."""

    _name = "base.automation"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        for vals in vals_list:
            vals.setdefault("filter_pre_domain", False)
            vals.setdefault("filter_domain", False)
            if "trigger_field_ids" not in vals:
                fields = self._domain_fields(vals.get("model_id"), vals.get("filter_domain"))
                vals["trigger_field_ids"] = [(6, 0, fields if vals.get("trigger") == "on_create_or_write" else [])]
        records = super()._create(vals_list)
        records._check_action_models()
        return records

    def _write(self, vals: dict[str, Any]) -> None:
        vals = dict(vals)
        if "model_id" in vals and "trigger" not in vals:
            vals["trigger"] = False  # _compute_trigger: a new model resets the trigger
        if "trigger" in vals or "model_id" in vals:
            vals.setdefault("filter_pre_domain", False)
            vals.setdefault("filter_domain", False)
        for rule_id, model_id, trigger in self._rows():
            rule_vals = dict(vals)
            trigger = rule_vals.get("trigger", trigger)
            if "trigger_field_ids" not in rule_vals and {"trigger", "model_id", "filter_domain"} & set(rule_vals):
                added = self._domain_fields(rule_vals.get("model_id", model_id), rule_vals.get("filter_domain"))
                if trigger != "on_create_or_write":
                    rule_vals["trigger_field_ids"] = [(5,)]
                elif "trigger" in rule_vals or "model_id" in rule_vals:
                    rule_vals["trigger_field_ids"] = [(6, 0, added)]
                else:
                    rule_vals["trigger_field_ids"] = [(4, field_id) for field_id in added]
            BaseModel._write(self.browse([rule_id]), rule_vals)
        if {"model_id", "action_server_ids"} & set(vals):
            self._check_action_models()

    def _rows(self) -> list[tuple[Any, ...]]:
        where, params = id_filter(self._ids)
        return self._query(f"SELECT id, model_id, trigger FROM base_automation WHERE {where}", params)

    def _domain_fields(self, model_id: Any, domain: Any) -> list[int]:
        """``_get_domain_fields``: the model's fields the domain's leaves start with."""
        if not model_id or not domain:
            return []
        names = {match.group("field") for match in DOMAIN_FIELD_RE.finditer(str(domain))}
        rows = self._query(
            "SELECT id FROM ir_model_fields WHERE model_id = ? AND name IN (SELECT value FROM json_each(?))",
            [model_id, json.dumps(sorted(names))],
        )
        return [row[0] for row in rows]

    def _check_action_models(self) -> None:
        """``_check_action_server_model``."""
        for rule_id, model_id, _trigger in self._rows():
            wrong = self._query(
                "SELECT name FROM ir_act_server WHERE base_automation_id = ? AND model_id != ?"
                " ORDER BY sequence, name, id",
                [rule_id, model_id],
            )
            if wrong:
                names = ", ".join(row[0] for row in wrong)
                raise ValidationError(f"Target model of actions {names} are different from rule model.")
