"""What ``mail.thread`` does around create, write and unlink (``addons/mail/models/mail_thread.py``)
for the models that inherit it here (``res.partner`` with ``mail``, ``base.automation`` with
``base_automation``):

- create: the creating user's partner follows each new record (unless ``mail_create_nosubscribe``,
  or the user is inactive), and a note ``<p>{model description} created</p>`` is logged
  (``mail.message``, ``message_type`` ``notification``, authored by the user's partner) unless
  ``mail_create_nolog``. ``tracking_disable`` skips both.
- write: the tracked fields' values before the transaction's first write are kept; just before
  the commit, each record whose tracked values changed gets one ``notification`` message with an
  empty body (Odoo attaches the tracking values to it; the sandbox does not model them).
  ``tracking_disable`` or ``mail_notrack`` skip it, as does creating the record in the same
  transaction.
- unlink: the records' messages and followers go too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .orm import HOOKS

if TYPE_CHECKING:
    from .orm import BaseModel


def _initial_values(records: BaseModel) -> dict[int, dict[str, Any] | None]:
    """``cr.precommit.data['mail.tracking.<model>']``: ``None`` means "do not track"."""
    data = records.env.transaction.data
    key = f"mail.tracking.{records._model.name}"
    if key not in data:
        data[key] = {}
        records.env.transaction.precommit.append(lambda: _track_finalize(records.browse(()), key))
    initial: dict[int, dict[str, Any] | None] = data[key]
    return initial


def _track_discard(records: BaseModel) -> None:
    initial = _initial_values(records)
    for record_id in records._ids:
        initial[record_id] = None


def _current(records: BaseModel, ids: list[int]) -> dict[int, dict[str, Any]]:
    reader = records.env.sudo()[records._model.name].with_context({"active_test": False})
    existing = reader._existing(ids)
    rows = reader.browse([i for i in ids if i in existing]).read(list(records._model.tracked), load=None)
    return {row.pop("id"): row for row in rows}


def _track_finalize(records: BaseModel, key: str) -> None:
    """``_track_finalize``: one message per record whose tracked values changed."""
    initial: dict[int, dict[str, Any] | None] = records.env.transaction.data.pop(key, {})
    before = {record_id: values for record_id, values in initial.items() if values}
    now = _current(records, list(before))
    changed = [
        record_id
        for record_id, values in before.items()
        if record_id in now and any(_differ(values[f], now[record_id][f]) for f in records._model.tracked)
    ]
    _log(records, dict.fromkeys(changed, ""))


def _differ(before: Any, after: Any) -> bool:
    return (before or False) != (after or False)


def _log(records: BaseModel, bodies: dict[int, str]) -> None:
    """``_message_log_batch``: notes as superuser, authored by the user's partner."""
    if not bodies or "mail.message" not in records.env:
        return
    author = records.env.user_partner_id()
    records.env.sudo()["mail.message"]._create(
        [
            {
                "model": records._model.name,
                "res_id": record_id,
                "body": body,
                "message_type": "notification",
                "author_id": author,
            }
            for record_id, body in bodies.items()
        ]
    )


class MailThreadHook:
    def created(self, records: BaseModel) -> None:
        model, context = records._model, records.env.context
        if not model.mail_thread or not records._ids:
            return
        if context.get("tracking_disable"):
            _track_discard(records)
            return
        env = records.env
        partner = env.user_partner_id()
        active = env.cr.execute("SELECT active FROM res_users WHERE id = ?", [env.uid]).fetchone()
        if not context.get("mail_create_nosubscribe") and partner and active and active[0]:
            env.sudo()["mail.followers"]._create(
                [{"res_model": model.name, "res_id": record_id, "partner_id": partner} for record_id in records._ids]
            )
        if not context.get("mail_create_nolog"):
            _log(records, {record_id: f"<p>{model.description} created</p>" for record_id in records._ids})
        _track_discard(records)

    def before_write(self, records: BaseModel, vals: dict[str, Any]) -> Any:
        model, context = records._model, records.env.context
        if not model.mail_thread or not model.tracked or not records._ids:
            return None
        if context.get("tracking_disable") or context.get("mail_notrack"):
            return None
        initial = _initial_values(records)
        # the first write of the transaction keeps the values; discarded records stay None
        for record_id, values in _current(records, [i for i in records._ids if i not in initial]).items():
            initial[record_id] = values
        return None

    def written(self, records: BaseModel, vals: dict[str, Any], state: Any) -> None:
        return None

    def unlinking(self, records: BaseModel) -> None:
        if not records._model.mail_thread or not records._ids:
            return
        _track_discard(records)
        env = records.env.sudo()
        for model, field in (("mail.message", "model"), ("mail.followers", "res_model")):
            if model in env:
                doomed = env[model].search([(field, "=", records._model.name), ("res_id", "in", list(records._ids))])
                doomed._unlink()


HOOKS.append(MailThreadHook())
