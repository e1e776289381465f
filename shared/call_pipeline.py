"""Calls in the sales pipeline, where CRM is installed (and bootstrap gave calls ``x_lead_id``).

After a page of calls is written, for the calls that name a contact:

1. **Link**: each call links to its contact's open lead or opportunity (``crm.lead``, active, its
   probability under 100: won ones stand at 100, lost ones are archived), an opportunity before a
   lead, the newest first. A call whose contact has none keeps the link it had.
2. **Leads**: an ended call that ``VOICESYNC_CRM_LEADS`` names (``new_inbound``: an inbound call
   from a caller Odoo did not know, whose contact voicesync made; ``inbound``; ``successful``: the
   vendor's evaluation says so; ``callback``), whose contact has no open lead, makes one: named
   after the call, for the contact's salesperson (else unassigned, for the sales team's rules),
   with the call's campaign and summary. Two such calls of one contact in a page make one lead.
3. **Callbacks**: an ended call whose analysis asks for a callback (``x_callback``) schedules a
   "Call" activity due today on its lead (else on its contact), for the lead's salesperson, else
   the contact's, else the integration user (it then shows on the record for anyone to take).

Once per call, whatever runs twice: a lead or an activity has an external id
(``voicesync.lead_call_<id>``, ``voicesync.callback_call_<id>``), so a replay, a second worker or a
crash before the ledger's commit writes the same record again; and the ledger binds it to the call
(entities ``leads`` and ``callbacks``), so one that people deleted, won, lost or marked done is
never made again. Odoo calls per page: one ``crm.lead`` read; with leads or callbacks to make, one
``res.partner`` read and a ``load`` of each; with calls to link, one ``load`` of their links.

Where the integration user may not read or create leads, the calls are written all the same and
one warning says what it lacks.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.call_notes import CALL_MODEL, CONTACTS, call_link, has_ended
from shared.entities import ENTITIES, ref_xmlid
from shared.errors import AuthError, InvalidRequest, RetryableError, error_for_load
from shared.ledger.bindings import PLATFORM, Binder, BindingRow
from shared.ledger.models import Binding
from shared.mappers.base import XMLID_MODULE, Ref, xmlid_name
from shared.odoo import OdooClient
from shared.odoo_owned import LEAD_FIELD, LEAD_MODEL
from shared.upsert import Written

log = logging.getLogger(__name__)

CALLS = ENTITIES["calls"]
LEADS, CALLBACKS = "leads", "callbacks"  # the ledger's bindings: call platform id -> Odoo record
LEAD_PREFIX, CALLBACK_PREFIX = "lead_call", "callback_call"
CALL_ACTIVITY = "mail.mail_activity_data_call"
MODEL_XMLIDS = {LEAD_MODEL: "crm.model_crm_lead", CONTACTS.odoo_model: "base.model_res_partner"}
WON = 100  # a lead's probability once won
CONFLICT_ATTEMPTS, CONFLICT_PAUSE_SECONDS = 3, 1.0


@dataclass(frozen=True)
class OpenLead:
    id: int
    user_id: int | None


@dataclass(frozen=True)
class Person:
    """A contact as the pipeline needs it: the name a lead takes, and who sells to them."""

    name: str
    salesperson: int | None


@dataclass(frozen=True)
class _Call:
    """A written call whose contact voicesync has bound."""

    written: Written
    partner: Binding

    @property
    def values(self) -> dict[str, Any]:
        return self.written.values


def qualifies(rules: Sequence[str], values: dict[str, Any], new_contact: bool) -> bool:
    """Whether an ended call makes a lead under ``rules`` (see the module docstring)."""
    if not has_ended(values):
        return False
    inbound = values.get("x_call_direction") == "inbound"
    checks = {
        "new_inbound": inbound and new_contact,
        "inbound": inbound,
        "successful": values.get("x_success") == "yes",
        "callback": bool(values.get("x_callback")),
    }
    return any(checks[rule] for rule in rules)


def lead_name(person: str, values: dict[str, Any]) -> str:
    """A lead's name as salespeople read a list of them: "Jonas Dubois (inbound AI call)"."""
    kind = values.get("x_call_direction")
    said = f"{kind} AI call" if kind in ("inbound", "outbound") else "AI call"
    return f"{person or 'Unknown caller'} ({said})"


def describe(rules: Sequence[str], callbacks: bool) -> str:
    """What the pipeline does with ended calls, as bootstrap says it."""
    leads = " or ".join(rule.replace("_", " ") for rule in rules)
    said = f"a lead from each {leads} call whose contact has none" if leads else "no leads from calls"
    asked = "a 'Call' activity" if callbacks else "nothing"
    return f"{said} (VOICESYNC_CRM_LEADS); {asked} when a caller asks to be called back (VOICESYNC_CRM_CALLBACKS)"


def _xmlid(prefix: str, platform_id: str) -> str:
    return f"{XMLID_MODULE}.{xmlid_name(prefix, platform_id)}"


def _many2one(value: Any) -> int | None:
    return int(value[0]) if isinstance(value, list) and value else None


class CallPipeline:
    """Links a page's calls to the pipeline, and makes their leads and callbacks, once each."""

    def __init__(self, odoo: OdooClient, binder: Binder, leads: Sequence[str], callbacks: bool) -> None:
        self.odoo = odoo
        self.binder = binder
        self.lead_rules = tuple(leads)
        self.callbacks = callbacks

    def __call__(self, calls: Sequence[Written]) -> dict[str, int]:
        """Link, lead and call back the page's calls; how many of each were written."""
        if LEAD_FIELD not in self.odoo.fields_of(CALL_MODEL):  # no CRM, or bootstrap has not run since
            return {}
        known = self._with_contacts(calls)
        if not known:
            return {}
        try:
            return self._run(known)
        except (AuthError, InvalidRequest) as exc:
            log.warning(
                "calls were written but not linked to the pipeline: %s (the integration user needs "
                "Sales rights on every lead, and may create activities)",
                exc,
            )
            return {}

    def _with_contacts(self, calls: Sequence[Written]) -> list[_Call]:
        named = [call for call in calls if isinstance(call.values.get("x_partner_id"), Ref)]
        people = self.binder.get_many(CONTACTS.name, [call.values["x_partner_id"].platform_id for call in named])
        found = ((call, people.get(call.values["x_partner_id"].platform_id)) for call in named)
        return [_Call(call, partner) for call, partner in found if partner is not None and not partner.deleted]

    def _run(self, calls: list[_Call]) -> dict[str, int]:
        open_leads = self._open_leads(sorted({call.partner.odoo_id for call in calls}))
        leads_made = self.binder.get_many(LEADS, [call.written.platform_id for call in calls])
        to_lead: dict[int, _Call] = {}  # partner -> the first call making its lead
        for call in calls:
            partner = call.partner.odoo_id
            if partner in open_leads or partner in to_lead or call.written.platform_id in leads_made:
                continue
            if qualifies(self.lead_rules, call.values, call.partner.owner == PLATFORM):
                to_lead[partner] = call
        callbacks = self._callbacks_due(calls) if self.callbacks else []
        people = self._people({*to_lead, *(call.partner.odoo_id for call in callbacks)})
        made = self._make_leads(list(to_lead.values()), people)
        open_leads |= made
        links = {
            call.written.platform_id: open_leads[call.partner.odoo_id].id
            for call in calls
            if call.partner.odoo_id in open_leads
        }
        self._link(links)
        scheduled = self._schedule(callbacks, open_leads, people)
        counts = {"linked": len(links), "leads": len(made), "callbacks": scheduled}
        log.info("calls in the pipeline: %s", counts)
        return counts

    def _open_leads(self, partner_ids: list[int]) -> dict[int, OpenLead]:
        """Each contact's open lead or opportunity: opportunities first, then the newest."""
        rows = self.odoo.call(
            LEAD_MODEL,
            "search_read",
            # a new lead's probability is empty: Odoo 18 compares it as 0, Odoo 17 never matches it
            domain=[("partner_id", "in", partner_ids), "|", ("probability", "=", False), ("probability", "<", WON)],
            fields=["partner_id", "user_id", "type"],
            order="type desc, id desc",
        )
        found: dict[int, OpenLead] = {}
        for row in rows:
            partner = _many2one(row["partner_id"])
            if partner is not None:
                found.setdefault(partner, OpenLead(row["id"], _many2one(row["user_id"])))
        return found

    def _people(self, partner_ids: set[int]) -> dict[int, Person]:
        if not partner_ids:
            return {}
        rows = self.odoo.call(CONTACTS.odoo_model, "read", ids=sorted(partner_ids), fields=["name", "user_id"])
        return {row["id"]: Person(str(row["name"] or ""), _many2one(row["user_id"])) for row in rows}

    def _make_leads(self, calls: list[_Call], people: dict[int, Person]) -> dict[int, OpenLead]:
        """One lead per call given (each of another contact); the contacts' new open leads."""
        if not calls:
            return {}
        columns = ["id", "name", "partner_id/.id", "user_id/.id", "campaign_id/id", "description"]
        rows = []
        for call in calls:
            campaign = call.values.get("x_campaign_id")
            person = people[call.partner.odoo_id]
            rows.append(
                [
                    _xmlid(LEAD_PREFIX, call.written.platform_id),
                    lead_name(person.name, call.values),
                    str(call.partner.odoo_id),
                    str(person.salesperson or ""),
                    ref_xmlid(campaign) if isinstance(campaign, Ref) else "",
                    _description(call.written),
                ]
            )
        ids = self._load(LEAD_MODEL, columns, rows, "leads")
        self.binder.bind_many(
            LEADS, [BindingRow(c.written.platform_id, i, "", "") for c, i in zip(calls, ids, strict=True)]
        )
        return {
            call.partner.odoo_id: OpenLead(lead, people[call.partner.odoo_id].salesperson)
            for call, lead in zip(calls, ids, strict=True)
        }

    def _link(self, links: dict[str, int]) -> None:
        """Write each call's lead: one ``load`` of the calls, by their external ids."""
        if links:
            rows = [[CALLS.xmlid(platform_id), str(lead)] for platform_id, lead in links.items()]
            self._load(CALL_MODEL, ["id", f"{LEAD_FIELD}/.id"], rows, "links to leads")

    def _callbacks_due(self, calls: list[_Call]) -> list[_Call]:
        asked = [call for call in calls if call.values.get("x_callback") and has_ended(call.values)]
        done = self.binder.get_many(CALLBACKS, [call.written.platform_id for call in asked])
        return [call for call in asked if call.written.platform_id not in done]

    def _schedule(self, calls: list[_Call], open_leads: dict[int, OpenLead], people: dict[int, Person]) -> int:
        """One "Call" activity per call asking for a callback: on its lead, else its contact."""
        if not calls:
            return 0
        today = datetime.now(UTC).strftime("%Y-%m-%d")
        columns = ["id", "res_model_id/id", "res_id", "activity_type_id/id", "user_id/.id", "date_deadline"]
        columns += ["summary", "note"]
        rows = []
        for call in calls:
            lead = open_leads.get(call.partner.odoo_id)
            model, record = (LEAD_MODEL, lead.id) if lead else (CONTACTS.odoo_model, call.partner.odoo_id)
            user = (lead.user_id if lead else None) or people[call.partner.odoo_id].salesperson or self.odoo.uid()
            rows.append(
                [
                    _xmlid(CALLBACK_PREFIX, call.written.platform_id),
                    MODEL_XMLIDS[model],
                    str(record),
                    CALL_ACTIVITY,
                    str(user),
                    today,
                    "Call back: asked during an AI call",
                    _description(call.written),
                ]
            )
        ids = self._load("mail.activity", columns, rows, "callback activities")
        self.binder.bind_many(
            CALLBACKS, [BindingRow(c.written.platform_id, i, "", "") for c, i in zip(calls, ids, strict=True)]
        )
        return len(ids)

    def _bind(self, entity: str, calls: list[_Call], ids: list[int]) -> None:
        """Remember in the ledger what each call made, so it is never made again."""
        rows = [BindingRow(call.written.platform_id, odoo_id, "", "") for call, odoo_id in zip(calls, ids, strict=True)]
        self.binder.bind_many(entity, rows)

    def _load(self, model: str, columns: list[str], rows: list[list[str]], what: str) -> list[int]:
        """One ``load``, tried again when a row met a concurrent update (Odoo's own jobs touch a
        lead just made: Odoo 19 enriches it at once), else the page is retried."""
        attempt = 1
        while True:
            answer = self.odoo.write_quietly(model, "load", fields=columns, data=rows)
            if answer.get("ids"):
                return [int(i) for i in answer["ids"]]
            error = error_for_load(f"Odoo refused the {what} of {len(rows)} calls", answer.get("messages") or [])
            if not isinstance(error, RetryableError) or attempt == CONFLICT_ATTEMPTS:
                raise error
            time.sleep(CONFLICT_PAUSE_SECONDS * attempt)
            attempt += 1


def _description(call: Written) -> str:
    """What the call was and said, with a link to it, as an Odoo user reads it on a lead."""
    values = call.values
    parts = [f"<p>{html.escape(str(values.get('x_name') or 'Voice call'))}</p>"]
    if values.get("x_summary"):
        parts.append(f"<p>{html.escape(str(values['x_summary']))}</p>")
    parts.append(call_link(call.odoo_id))
    return "".join(parts)
