"""Each ended call, once, as an internal note on its contact's chatter.

The note is a ``mail.message`` (``comment``, subtype ``mail.mt_note``: a note, shown to internal
users only) on the call's partner, written with the page's calls by one ``load`` per page. Its
external id is ``voicesync.note_call_<platform id>`` (``call_<id>`` names the call itself; a
``call_note_`` prefix could be the call of platform id ``note_<id>``), so Odoo keeps one note per
call whatever runs twice: a resync, a replay, two workers. A later change of the call rewrites
that same note (and moves it, should the call now name another contact); it never adds one.

Rows written straight into ``mail.message`` send nothing: ``message_post`` is what notifies
followers and mails them, and it is not used. The author is the integration user's partner.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from shared.entities import ENTITIES
from shared.ledger.bindings import Binder
from shared.mappers.base import XMLID_MODULE, Ref, xmlid_name
from shared.odoo import OdooClient
from shared.upsert import Written

log = logging.getLogger(__name__)

NOTE_MODEL = "mail.message"
NOTE_PREFIX = "note_call"
NOTE_SUBTYPE = "mail.mt_note"
CALL_MODEL = ENTITIES["calls"].odoo_model
CONTACTS = ENTITIES["contacts"]
# A call has ended when it has an end time, or its status says so; each vendor's word for it
# (Vapi ``ended``; Retell ``ended``, ``error``, ``not_connected``; Bland ``completed``; the
# generic API ``completed``, ``failed``, ``no_answer``), compared with ``-`` read as ``_``.
ENDED_STATUSES = frozenset(
    {
        "ended",
        "completed",
        "complete",
        "failed",
        "error",
        "no_answer",
        "not_connected",
        "busy",
        "canceled",
        "cancelled",
        "voicemail",
    }
)
SUCCESS_WORDS = {"yes": "successful", "no": "not successful"}  # else the vendor's own rubric, as it says it
COLUMNS = ["id", "model", "res_id", "message_type", "subtype_id/id", "date", "body"]


def note_xmlid(platform_id: str) -> str:
    return f"{XMLID_MODULE}.{xmlid_name(NOTE_PREFIX, platform_id)}"


def has_ended(values: dict[str, Any]) -> bool:
    status = str(values.get("x_status") or "").strip().lower().replace("-", "_").replace(" ", "_")
    return bool(values.get("x_ended_at")) or status in ENDED_STATUSES


def _words(slug: Any) -> str:
    """A vendor's slug as words: ``assistant-ended-call`` -> ``assistant ended call``."""
    return str(slug).replace("-", " ").replace("_", " ").strip()


def _duration(seconds: Any) -> str:
    minutes, rest = divmod(int(seconds or 0), 60)
    return f"{minutes}:{rest:02d}"


def _when(values: dict[str, Any]) -> str:
    """The call's start (else its end) as Odoo stores it, naive UTC."""
    return str(values.get("x_started_at") or values.get("x_ended_at") or "")


def body(values: dict[str, Any], call_id: int) -> str:
    """The note as an Odoo user reads it at a glance: what call, when, how long, how it ended,
    what was said, and a link to the call."""
    direction = _words(values.get("x_direction") or "").capitalize() or "Voice"
    head = f"<strong>{html.escape(direction)} call</strong>"
    if values.get("x_assistant"):
        head += f" with assistant {html.escape(str(values['x_assistant']))}"
    facts = []
    if _when(values):
        facts.append(f"{html.escape(_when(values)[:16])} UTC")
    if values.get("x_duration_seconds"):
        facts.append(f"duration {_duration(values['x_duration_seconds'])}")
    outcome = [_words(v) for v in (values.get("x_status"), values.get("x_ended_reason")) if v]
    if outcome:
        facts.append("outcome: " + html.escape(" / ".join(outcome)))
    if values.get("x_success") in SUCCESS_WORDS:
        facts.append(SUCCESS_WORDS[values["x_success"]])
    elif values.get("x_success_evaluation"):
        facts.append("success: " + html.escape(str(values["x_success_evaluation"])))
    parts = [f"<p>{head}</p>"]
    if facts:
        parts.append(f"<p>{' · '.join(facts)}</p>")
    if values.get("x_summary"):
        parts.append(f"<p>{html.escape(str(values['x_summary']))}</p>")
    parts.append(call_link(call_id))
    return "".join(parts)


def call_link(call_id: int) -> str:
    """A paragraph linking to the call (``/mail/view`` opens any record on every version)."""
    return f'<p><a href="/mail/view?model={CALL_MODEL}&amp;res_id={call_id}">Open the call</a></p>'


class CallNotes:
    """Posts the notes of a page of calls: one ``load`` of ``mail.message`` for the page."""

    def __init__(self, odoo: OdooClient, binder: Binder) -> None:
        self.odoo = odoo
        self.binder = binder

    def __call__(self, calls: Sequence[Written]) -> int:
        """Write the notes of the ended calls that name a contact; the number written."""
        ended = [call for call in calls if has_ended(call.values) and isinstance(call.values.get("x_partner_id"), Ref)]
        if not ended or "is_mail_thread" not in self.odoo.fields_of("ir.model"):  # an Odoo without mail: no chatter
            return 0
        people = self.binder.get_many(CONTACTS.name, [call.values["x_partner_id"].platform_id for call in ended])
        rows = []
        for call in ended:
            partner = people.get(call.values["x_partner_id"].platform_id)
            if partner is None or partner.deleted:
                continue
            date = _when(call.values) or datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
            rows.append(
                [
                    note_xmlid(call.platform_id),
                    CONTACTS.odoo_model,
                    str(partner.odoo_id),
                    "comment",
                    NOTE_SUBTYPE,
                    date,
                    body(call.values, call.odoo_id),
                ]
            )
        if not rows:
            return 0
        # Odoo lists a chatter by id, newest first: the page's oldest call is written first
        rows.sort(key=lambda row: row[COLUMNS.index("date")])
        answer = self.odoo.write_quietly(NOTE_MODEL, "load", fields=COLUMNS, data=rows)
        if not answer.get("ids"):
            messages = "; ".join(str(m.get("message")) for m in answer.get("messages") or [])
            log.warning("Odoo refused the notes of %d calls: %s", len(rows), messages)
            return 0
        return len(answer["ids"])
