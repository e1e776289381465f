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

``mail.message`` itself (``addons/mail/models/mail_message.py``): a message on a document may be
created only by a user who may write the document (``_mail_post_access``, ``write`` by default:
the integration user's right on ``res.partner`` or the call model); it is dated now and authored
by the user's partner unless told otherwise. Rows created this way notify nobody (only
``message_post`` notifies followers).
"""

from __future__ import annotations

from typing import Any, Self

from .api import register
from .ddl import now
from .errors import AccessError, MissingError
from .orm import HOOKS, BaseModel, id_filter


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
    """The tracked columns of the records that exist, in one query."""
    if not ids:
        return {}
    tracked = records._model.tracked
    where, params = id_filter(ids)
    columns = ", ".join(f'"{name}"' for name in tracked)
    rows = records.env.cr.execute(f'SELECT id, {columns} FROM "{records._model.table}" WHERE {where}', params)
    return {row[0]: dict(zip(tracked, row[1:], strict=True)) for row in rows}


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
    if bodies and "mail.message" in records.env:
        author, _active = _user(records)
        rows = [(records._model.name, record_id, body, "notification", author) for record_id, body in bodies.items()]
        _insert(records, "mail.message", ("model", "res_id", "body", "message_type", "author_id"), rows)


def _insert(records: BaseModel, model: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Chatter rows straight into their table: the values are known valid, and going through the
    ORM for each of them would triple the cost of creating a partner (no automation rule of the
    sandbox's watches ``mail.message`` or ``mail.followers``)."""
    env, table = records.env, records.env.registry[model].table
    if env.registry[model].log_access:
        stamp = now()
        columns = (*columns, "create_date", "write_date", "create_uid", "write_uid")
        rows = [(*row, stamp, stamp, env.uid, env.uid) for row in rows]
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    env.cr.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _user(records: BaseModel) -> tuple[int | None, bool]:
    """The user's partner and whether the user is active, once per transaction."""
    key = f"mail.user.{records.env.uid}"
    data = records.env.transaction.data
    if key not in data:
        row = records.env.cr.execute(
            "SELECT partner_id, active FROM res_users WHERE id = ?", [records.env.uid]
        ).fetchone()
        data[key] = (int(row[0]) if row and row[0] else None, bool(row and row[1]))
    found: tuple[int | None, bool] = data[key]
    return found


class MailThreadHook:
    def created(self, records: BaseModel) -> None:
        model, context = records._model, records.env.context
        if not model.mail_thread or not records._ids:
            return
        if context.get("tracking_disable"):
            _track_discard(records)
            return
        partner, active = _user(records)
        if not context.get("mail_create_nosubscribe") and partner and active:
            rows = [(model.name, record_id, partner) for record_id in records._ids]
            _insert(records, "mail.followers", ("res_model", "res_id", "partner_id"), rows)
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


@register
class MailMessage(BaseModel):
    _name = "mail.message"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        author, _active = _user(self)
        for vals in vals_list:
            vals.setdefault("date", now())
            vals.setdefault("author_id", author)
        self._check_documents(vals_list)
        return super()._create(vals_list)

    def _check_documents(self, vals_list: list[dict[str, Any]]) -> None:
        """``_check_access('create')``: the user must be allowed to write each document posted on."""
        for vals in vals_list:
            check_document_write(self, vals.get("model"), vals.get("res_id"), "Message")


def check_document_write(records: BaseModel, model: Any, res_id: Any, kind: str) -> None:
    """What a message or an activity on a document checks: the user may write that document."""
    if records.env.su or not model or not res_id:
        return
    if model not in records.env:
        raise MissingError(f"Model {model!r} does not exist.")
    document = records.env[model].browse([int(res_id)])
    if not document._existing([int(res_id)]) or not records.env.access_check(model, "write"):
        raise AccessError(
            "The requested operation cannot be completed due to security restrictions. Please contact"
            f" your system administrator.\n\n(Document type: {kind}, Operation: create)"
        )
