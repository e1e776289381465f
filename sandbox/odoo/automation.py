"""Automation rules at run time, as ``base_automation``'s patched ``create``/``write``/``unlink``
run them (``addons/base_automation/models/base_automation.py``).

After a create, every active rule of the model whose trigger is a create trigger runs on the new
records that match ``filter_domain``. Around a write, the rules with a write trigger take the
records matching ``filter_pre_domain`` before the write and keep, after it, those matching
``filter_domain`` for which ``trigger_field_ids`` is empty or one of those fields was written
*with a different value*. Before an unlink, ``on_unlink`` rules run. Domains are evaluated as
superuser without ``active_test`` (``filtered_domain``), with ``uid`` and ``user.id`` known.

Each rule then runs its server actions (``action_server_ids``, by ``sequence, name, id``) per
record. Only ``webhook`` actions do something here: the body (``_action``, ``_id``, ``_model`` and
the webhook fields read with ``load=None``, ``json.dumps(sort_keys=True, default=str)``) is built
now and POSTed after the commit (``webhooks.py``). Other action types are not run.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ServerActionWithWarningsError, UserError
from .orm import HOOKS
from .schema import X2MANY

if TYPE_CHECKING:
    from .env import Env
    from .orm import BaseModel

CREATE_TRIGGERS = frozenset(
    {"on_create", "on_create_or_write", "on_priority_set", "on_stage_set", "on_state_set", "on_tag_set", "on_user_set"}
)
WRITE_TRIGGERS = frozenset(
    {
        "on_write",
        "on_archive",
        "on_unarchive",
        "on_create_or_write",
        "on_priority_set",
        "on_stage_set",
        "on_state_set",
        "on_tag_set",
        "on_user_set",
    }
)
UNLINK_TRIGGERS = frozenset({"on_unlink"})


@dataclass(frozen=True)
class Action:
    """A server action of a rule, as far as running it needs."""

    id: int
    name: str
    state: str
    model: str
    url: str | None
    fields: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.name}(#{self.id})"


@dataclass(frozen=True)
class Rule:
    key: tuple[str, int]
    model: str
    triggers: frozenset[str]
    filter_domain: str | None
    filter_pre_domain: str | None
    trigger_fields: tuple[str, ...]
    actions: tuple[Action, ...]


def rules(env: Env, model: str, triggers: frozenset[str]) -> list[Rule]:
    """The active rules of ``model`` with one of ``triggers``: the ``base.automation`` records,
    then the ``/_sandbox/webhooks`` shortcuts."""
    found = []
    if "base.automation" in env:
        rows = env.cr.execute(
            "SELECT a.id, a.trigger, a.filter_domain, a.filter_pre_domain FROM base_automation a"
            " JOIN ir_model m ON m.id = a.model_id WHERE m.model = ? AND a.active ORDER BY a.id",
            [model],
        ).fetchall()
        for rule_id, trigger, domain, pre_domain in rows:
            if trigger in triggers:
                found.append(
                    Rule(
                        ("base.automation", rule_id),
                        model,
                        frozenset({trigger}),
                        domain,
                        pre_domain,
                        _trigger_fields(env, rule_id),
                        _actions(env, rule_id),
                    )
                )
    sender = env.transaction.webhooks
    for hook in sender.hooks if sender else ():
        hook_triggers = frozenset(f"on_{event}" for event in hook.on)
        if hook.model == model and hook_triggers & triggers:
            action = Action(hook.id, hook.name, "webhook", model, hook.url, hook.fields)
            found.append(Rule(("hook", hook.id), model, hook_triggers, None, None, (), (action,)))
    return found


def _trigger_fields(env: Env, rule_id: int) -> tuple[str, ...]:
    rows = env.cr.execute(
        "SELECT f.name FROM base_automation_ir_model_fields_rel r JOIN ir_model_fields f ON f.id = r.ir_model_fields_id"
        " WHERE r.base_automation_id = ? ORDER BY f.name, f.id",
        [rule_id],
    )
    return tuple(row[0] for row in rows)


def _actions(env: Env, rule_id: int) -> tuple[Action, ...]:
    rows = env.cr.execute(
        "SELECT s.id, s.name, s.state, m.model, s.webhook_url FROM ir_act_server s"
        " JOIN ir_model m ON m.id = s.model_id WHERE s.base_automation_id = ? ORDER BY s.sequence, s.name, s.id",
        [rule_id],
    ).fetchall()
    actions = []
    for action_id, name, state, model, url in rows:
        fields = env.cr.execute(
            "SELECT f.name FROM ir_act_server_webhook_field_rel r JOIN ir_model_fields f ON f.id = r.field_id"
            " WHERE r.server_id = ? ORDER BY f.name, f.id",
            [action_id],
        )
        actions.append(Action(action_id, name, state, model, url, tuple(row[0] for row in fields)))
    return tuple(actions)


# ------------------------------------------------------------ domains


def evaluate_domain(env: Env, source: str) -> list[Any]:
    """``safe_eval(domain, {'uid': ..., 'user': ...})`` for the literal domains rules hold."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
        value = _literal(env, tree.body)
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"The sandbox cannot evaluate the domain {source!r}: {exc}") from None
    if not isinstance(value, list | tuple):
        raise ValueError(f"The sandbox cannot evaluate the domain {source!r}: not a list")
    return list(value)


def _literal(env: Env, node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        items = [_literal(env, item) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Name) and node.id == "uid":
        return env.uid
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and (node.value.id, node.attr)
        == (
            "user",
            "id",
        )
    ):
        return env.uid
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_literal(env, node.operand)
    raise ValueError(f"unsupported expression {ast.unparse(node)!r}")


def _matching(records: BaseModel, ids: list[int], source: str | None) -> list[int]:
    """``records.sudo().filtered_domain(domain)``, keeping ``ids``' order."""
    if not source or not ids:
        return ids
    domain = evaluate_domain(records.env, source)
    model = records.env.sudo()[records._model.name].with_context({"active_test": False})
    kept = set(model.search([("id", "in", ids), *domain]).ids)
    return [i for i in ids if i in kept]


# ------------------------------------------------------------ running


def _run(records: BaseModel, rule: Rule, ids: list[int]) -> None:
    """``_process``: each action on each record, as superuser."""
    env = records.env.sudo()
    for record_id in ids:
        for action in rule.actions:
            if action.model != rule.model and rule.key[0] == "base.automation":
                raise ServerActionWithWarningsError(
                    f"Server action {action.name} has one or more warnings, address them first."
                )
            if action.state == "webhook":
                _webhook(env, action, record_id)


def _webhook(env: Env, action: Action, record_id: int) -> None:
    """``_run_action_webhook``: the body now, the POST after the commit."""
    if not action.url:
        raise UserError(
            "I'll be happy to send a webhook for you, but you really need to give me a URL to reach out to..."
        )
    values: dict[str, Any] = {"_model": action.model, "_id": record_id, "_action": action.label}
    if action.fields:
        values.update(env[action.model].browse([record_id]).read(list(action.fields), load=None)[0])
    body = json.dumps(values, sort_keys=True, default=str)
    sender, url = env.transaction.webhooks, action.url
    if sender is not None:
        env.transaction.postcommit.append(lambda: sender.deliver(url, body))


def _old_values(records: BaseModel, vals: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The stored fields about to be written, as they are before the write."""
    names = [name for name in vals if name in records._model.fields and records._model.fields[name].store]
    if not names or not records._ids:
        return {record_id: {} for record_id in records._ids}
    reader = records.env.sudo()[records._model.name].with_context({"active_test": False}).browse(records._ids)
    return {row.pop("id"): row for row in reader.read(names, load=None)}


def _changed(records: BaseModel, rule: Rule, ids: list[int], old: dict[int, dict[str, Any]]) -> list[int]:
    """``_check_trigger_fields``: no trigger field means any write; else one of them was in the
    written values and its value differs now."""
    if not rule.trigger_fields or not ids:
        return ids
    watched = [name for name in rule.trigger_fields if name in records._model.fields]
    reader = records.env.sudo()[records._model.name].with_context({"active_test": False}).browse(ids)
    now = {row["id"]: row for row in reader.read(watched, load=None)} if watched else {}
    kept = []
    for record_id in ids:
        before = old.get(record_id, {})
        for name in watched:
            if name in before and _differ(records, name, before[name], now.get(record_id, {}).get(name)):
                kept.append(record_id)
                break
    return kept


def _differ(records: BaseModel, name: str, before: Any, after: Any) -> bool:
    if records._model.fields[name].ttype in X2MANY:
        return set(before or ()) != set(after or ())
    return bool(before != after)


class AutomationHook:
    """The patches ``base_automation._register_hook`` installs, for every model."""

    def created(self, records: BaseModel) -> None:
        for rule in rules(records.env, records._model.name, CREATE_TRIGGERS):
            _run(records, rule, _matching(records, list(records._ids), rule.filter_domain))

    def before_write(self, records: BaseModel, vals: dict[str, Any]) -> Any:
        found = rules(records.env, records._model.name, WRITE_TRIGGERS) if records._ids else []
        if not found:
            return None
        pre = {rule.key: _matching(records, list(records._ids), rule.filter_pre_domain) for rule in found}
        return found, pre, _old_values(records, vals)

    def written(self, records: BaseModel, vals: dict[str, Any], state: Any) -> None:
        if state is None:
            return
        found, pre, old = state
        for rule in found:
            ids = _matching(records, pre[rule.key], rule.filter_domain)
            _run(records, rule, _changed(records, rule, ids, old))

    def unlinking(self, records: BaseModel) -> None:
        for rule in rules(records.env, records._model.name, UNLINK_TRIGGERS):
            _run(records, rule, _matching(records, list(records._ids), rule.filter_domain))


HOOKS.append(AutomationHook())
