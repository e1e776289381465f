"""What voicesync owns in Odoo, as data: the call model, its fields, access, views, action, menu,
the partner's calls tab, and (given the receiver's URL) the automation rule for Odoo -> platform.

Each record is an :class:`Owned` with a stable external id in module ``voicesync``
(``setup_<name>``: platform records are ``contact_``, ``campaign_`` and ``call_``, so the two can
never collide). ``shared.odoo_setup`` creates what is missing, brings the rest up to date and,
for ``--uninstall``, removes them in reverse order. Values that depend on other records are
placeholders resolved against the live database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.entities import ENTITIES

CALLS = ENTITIES["calls"]
CALL_MODEL = CALLS.odoo_model
PARTNER_MODEL = ENTITIES["contacts"].odoo_model
PREFIX = "setup_"
PARTNER_CALLS_FIELD = "x_voicesync_call_ids"
# Sent with every Odoo -> platform notification: the receiver dedupes on (model, id, write_date);
# the worker reads the partner from Odoo itself, so nothing else needs to travel.
WEBHOOK_FIELDS = ("write_date",)
# The partner fields whose edits reach the platform (what the contact mapper owns).
PUSHED_FIELDS = ("name", "email", "phone")


@dataclass(frozen=True)
class XmlId:
    """The database id of a record named by a full external id (``base.group_user``)."""

    xmlid: str


@dataclass(frozen=True)
class ModelId:
    """The ``ir.model`` id of a model."""

    model: str


@dataclass(frozen=True)
class FieldIds:
    """The ``ir.model.fields`` ids of some fields of a model, as a many2many value."""

    model: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class ActionOf:
    """A reference-field value pointing at a window action: ``ir.actions.act_window,<id>``."""

    xmlid: str


@dataclass(frozen=True)
class Owned:
    """One record voicesync keeps in Odoo.

    ``find`` names the fields that identify a record made before it had an external id (an
    earlier bootstrap, or Odoo's own ``x_name``); ``fixed`` fields are set on creation only,
    because Odoo refuses to change them (a model's name, a field's type). ``recomputed`` fields
    are ones Odoo computes over what it is given unless they are written in the same call (Odoo 17
    and 18 rename a rule's webhook action "Send Webhook Notification" on create and on every
    write of its URL): bootstrap writes them with every write, and again right after create.
    """

    name: str
    model: str
    values: dict[str, Any]
    find: tuple[str, ...] = ()
    fixed: frozenset[str] = field(default_factory=frozenset)
    recomputed: tuple[str, ...] = ()
    label: str = ""

    @property
    def xmlid(self) -> str:
        return f"voicesync.{PREFIX}{self.name}"

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")


FIELD_LABELS: dict[str, str] = {
    "x_name": "Call",
    "x_partner_id": "Contact",
    "x_campaign_id": "Campaign",
    "x_assistant": "Assistant",
    "x_direction": "Direction",
    "x_status": "Status",
    "x_ended_reason": "Outcome",
    "x_started_at": "Started",
    "x_ended_at": "Ended",
    "x_duration_seconds": "Duration (s)",
    "x_cost": "Cost (USD)",
    "x_recording_url": "Recording",
    "x_success_evaluation": "Success evaluation",
    "x_summary": "Summary",
    "x_transcript": "Transcript",
    "x_structured_data": "Structured data",
    "x_active": "Active",
}
# The analysis fields, tracked on the call's chatter when they change (the integer is Odoo's
# ``tracking`` sequence: the order of the changes in a message; Odoo's default for True is 100).
TRACKED = {"x_ended_reason": 100, "x_success_evaluation": 110, "x_summary": 120}
INDEXED = frozenset(name for name, ttype in CALLS.mapper.fields.items() if ttype == "many2one")
FIXED_FIELD_KEYS = frozenset({"model_id", "name", "ttype", "relation", "relation_field", "state"})


def _call_fields(mail: bool) -> list[Owned]:
    """One ``ir.model.fields`` row per field the call mapper writes (one source of truth); with
    ``mail``, the analysis fields are tracked."""
    relations = {name: ENTITIES[entity].odoo_model for name, (_key, entity) in CALLS.mapper.references.items()}
    owned = []
    for name, ttype in CALLS.mapper.fields.items():
        values: dict[str, Any] = {
            "model_id": XmlId(f"voicesync.{PREFIX}call_model"),
            "name": name,
            "ttype": ttype,
            "state": "manual",
            "field_description": FIELD_LABELS[name],
            "index": name in INDEXED,
        }
        if ttype == "many2one":
            values |= {"relation": relations[name], "on_delete": "set null"}
        if mail and name in TRACKED:
            values["tracking"] = TRACKED[name]
        owned.append(
            Owned(
                f"field_{name}",
                "ir.model.fields",
                values,
                find=("model_id", "name"),
                fixed=FIXED_FIELD_KEYS,
                label=f"field {CALL_MODEL}.{name}",
            )
        )
    return owned


# Costs are fractions of a cent: shown with four decimals (display only; the value is kept whole).
COST_DIGITS = "[16, 4]"

LIST_ARCH = f"""<list string="Voice calls">
    <field name="x_started_at"/>
    <field name="x_partner_id"/>
    <field name="x_campaign_id" optional="show"/>
    <field name="x_assistant" optional="hide"/>
    <field name="x_direction"/>
    <field name="x_status"/>
    <field name="x_ended_reason"/>
    <field name="x_duration_seconds" sum="Total duration"/>
    <field name="x_cost" digits="{COST_DIGITS}" sum="Total cost"/>
    <field name="x_success_evaluation" optional="hide"/>
    <field name="x_ended_at" optional="hide"/>
    <field name="x_summary" optional="hide"/>
    <field name="x_recording_url" widget="url" optional="hide"/>
</list>"""

FORM_ARCH = f"""<form string="Voice call" create="false">
    <sheet>
        <div class="oe_title">
            <h1><field name="x_name" readonly="1"/></h1>
        </div>
        <group>
            <group string="Call" name="call">
                <field name="x_partner_id"/>
                <field name="x_campaign_id"/>
                <field name="x_assistant"/>
                <field name="x_direction"/>
                <field name="x_status"/>
                <field name="x_ended_reason"/>
                <field name="x_success_evaluation"/>
            </group>
            <group string="Time and cost" name="timing">
                <field name="x_started_at"/>
                <field name="x_ended_at"/>
                <field name="x_duration_seconds"/>
                <field name="x_cost" digits="{COST_DIGITS}"/>
                <field name="x_recording_url" widget="url"/>
                <field name="x_active" invisible="1"/>
            </group>
        </group>
        <separator string="Summary"/>
        <field name="x_summary" nolabel="1" placeholder="No summary"/>
        <notebook>
            <page string="Transcript" name="transcript">
                <field name="x_transcript" nolabel="1" placeholder="No transcript"/>
            </page>
            <page string="Structured data" name="structured_data">
                <field name="x_structured_data" nolabel="1" class="font-monospace" placeholder="None"/>
            </page>
        </notebook>
    </sheet>
</form>"""

SEARCH_ARCH = """<search string="Voice calls">
    <field name="x_partner_id"/>
    <field name="x_campaign_id"/>
    <field name="x_status"/>
    <field name="x_ended_reason"/>
    <field name="x_assistant"/>
    <field name="x_summary"/>
    <field name="x_transcript"/>
    <filter string="Inbound" name="inbound" domain="[('x_direction', '=', 'inbound')]"/>
    <filter string="Outbound" name="outbound" domain="[('x_direction', '=', 'outbound')]"/>
    <separator/>
    <filter string="Started" name="started" date="x_started_at"/>
    <separator/>
    <filter string="Archived" name="archived" domain="[('x_active', '=', False)]"/>
    <group>
        <filter string="Contact" name="by_partner" context="{'group_by': 'x_partner_id'}"/>
        <filter string="Campaign" name="by_campaign" context="{'group_by': 'x_campaign_id'}"/>
        <filter string="Direction" name="by_direction" context="{'group_by': 'x_direction'}"/>
        <filter string="Status" name="by_status" context="{'group_by': 'x_status'}"/>
        <filter string="Outcome" name="by_ended_reason" context="{'group_by': 'x_ended_reason'}"/>
        <filter string="Assistant" name="by_assistant" context="{'group_by': 'x_assistant'}"/>
        <filter string="Day started" name="by_started" context="{'group_by': 'x_started_at:day'}"/>
    </group>
</search>"""

PARTNER_TAB_ARCH = f"""<data>
    <xpath expr="//notebook" position="inside">
        <page string="Voice calls" name="voicesync_calls">
            <field name="{PARTNER_CALLS_FIELD}" readonly="1">
                <list>
                    <field name="x_started_at"/>
                    <field name="x_direction"/>
                    <field name="x_status"/>
                    <field name="x_ended_reason"/>
                    <field name="x_duration_seconds"/>
                    <field name="x_cost" digits="{COST_DIGITS}"/>
                    <field name="x_campaign_id" optional="hide"/>
                    <field name="x_summary" optional="show"/>
                    <field name="x_recording_url" widget="url" optional="hide"/>
                </list>
            </field>
        </page>
    </xpath>
</data>"""


def _view(name: str, model: str, kind: str, arch: str, **extra: Any) -> Owned:
    values = {"name": f"voicesync.{name}", "model": model, "type": kind, "arch": arch, "priority": 16, **extra}
    return Owned(name, "ir.ui.view", values, fixed=frozenset({"type", "model", "inherit_id"}), label=f"view {name}")


# The form's chatter: a ``<chatter/>`` tag from Odoo 18 on (``mail``'s form compiler looks for
# it), the ``oe_chatter`` block with the thread's fields before.
CHATTER_TAG = "<chatter/>"
CHATTER_BLOCK = '<div class="oe_chatter"><field name="message_follower_ids"/><field name="message_ids"/></div>'


def with_chatter(arch: str, chatter: str) -> str:
    """A form arch with the chatter after its sheet (Odoo shows it beside or below the sheet)."""
    return arch.replace("</form>", f"    {chatter}\n</form>")


def owned_records(list_view_type: str = "list", chatter: str | None = None) -> list[Owned]:
    """Everything bootstrap makes, in creation order (uninstall goes backwards).

    ``list_view_type`` is ``list`` from Odoo 18 on, ``tree`` before. ``chatter`` is the form's
    chatter markup where Odoo has ``mail``: the call model is then a mail thread (its changes and
    notes show beside the form) with its analysis fields tracked; ``None`` without ``mail``.
    """
    thread = {"is_mail_thread": True} if chatter is not None else {}
    model = Owned(
        "call_model",
        "ir.model",
        {"name": "Voice call", "model": CALL_MODEL, "state": "manual", "order": "id desc", **thread},
        find=("model",),
        fixed=frozenset({"model", "state", "order"}),  # the order is kept by call_model_order
        label=f"model {CALL_MODEL}",
    )
    access = Owned(
        "call_access",
        "ir.model.access",
        {
            "name": f"voicesync {CALL_MODEL}",
            "model_id": XmlId(model.xmlid),
            "group_id": XmlId("base.group_user"),
            "perm_read": True,
            "perm_write": True,
            "perm_create": True,
            "perm_unlink": True,
        },
        find=("name",),
        label=f"access rule for {CALL_MODEL}",
    )
    # Newest calls first. Odoo refuses an order on fields that do not exist yet, so the model is
    # made with a plain order and given this one once its fields are in.
    model_order = Owned(
        "call_model_order",
        "ir.model",
        {"model": CALL_MODEL, "order": "x_started_at desc, id desc"},
        find=("model",),
        fixed=frozenset({"model"}),
        label=f"order of {CALL_MODEL}",
    )
    # Odoo gives a custom boolean no default, and ``x_active`` is the archive flag: without one, a
    # call made by hand in Odoo would be born archived (hidden).
    active_default = Owned(
        "call_active_default",
        "ir.default",
        {"field_id": XmlId(f"voicesync.{PREFIX}field_{CALLS.mapper.active_field}"), "json_value": "true"},
        find=("field_id",),
        label=f"default of {CALL_MODEL}.{CALLS.mapper.active_field}",
    )
    partner_calls = Owned(
        "field_partner_calls",
        "ir.model.fields",
        {
            "model_id": ModelId(PARTNER_MODEL),
            "name": PARTNER_CALLS_FIELD,
            "ttype": "one2many",
            "relation": CALL_MODEL,
            "relation_field": "x_partner_id",
            "state": "manual",
            "field_description": "Voice calls",
        },
        find=("model_id", "name"),
        fixed=FIXED_FIELD_KEYS,
        label=f"field {PARTNER_MODEL}.{PARTNER_CALLS_FIELD}",
    )
    list_arch = LIST_ARCH if list_view_type == "list" else LIST_ARCH.replace("<list", "<tree").replace("list>", "tree>")
    search = _view("view_call_search", CALL_MODEL, "search", SEARCH_ARCH)
    action = Owned(
        "action_calls",
        "ir.actions.act_window",
        {
            "name": "Voice calls",
            "res_model": CALL_MODEL,
            "view_mode": f"{list_view_type},form",
            "search_view_id": XmlId(search.xmlid),
            "context": "{}",
        },
        label="window action Voice calls",
    )
    root_menu = Owned(
        "menu_root",
        "ir.ui.menu",
        {"name": "Voice Calls", "parent_id": False, "sequence": 60, "action": ActionOf(action.xmlid)},
        label="menu Voice Calls",
    )
    calls_menu = Owned(
        "menu_calls",
        "ir.ui.menu",
        {"name": "Calls", "parent_id": XmlId(root_menu.xmlid), "sequence": 10, "action": ActionOf(action.xmlid)},
        label="menu Voice Calls / Calls",
    )
    return [
        model,
        *_call_fields(chatter is not None),
        model_order,
        active_default,
        access,
        partner_calls,
        _view("view_call_list", CALL_MODEL, list_view_type, list_arch),
        _view("view_call_form", CALL_MODEL, "form", with_chatter(FORM_ARCH, chatter) if chatter else FORM_ARCH),
        search,
        _view(
            "view_partner_calls",
            PARTNER_MODEL,
            "form",
            PARTNER_TAB_ARCH.replace("<list>", f"<{list_view_type}>").replace("</list>", f"</{list_view_type}>"),
            inherit_id=XmlId("base.view_partner_form"),
            mode="extension",
        ),
        action,
        root_menu,
        calls_menu,
    ]


def automation_records(webhook_url: str, integration_uid: int) -> list[Owned]:
    """The rule that tells the receiver about partner edits made by people in Odoo.

    Filtered on ``write_uid``: a partner last written by the integration user (every create,
    update and archive voicesync makes) never triggers it, so voicesync's own writes cost no
    webhook and cannot echo back to the platform.
    """
    rule = Owned(
        "automation_partner_push",
        "base.automation",
        {
            "name": "voicesync: send edited contacts to the voice platform",
            "model_id": ModelId(PARTNER_MODEL),
            "trigger": "on_create_or_write",
            "trigger_field_ids": FieldIds(PARTNER_MODEL, PUSHED_FIELDS),
            "filter_domain": f"[('write_uid', '!=', {integration_uid})]",
            "active": True,
        },
        find=("name",),
        label="automation rule for contact edits",
    )
    action = Owned(
        "action_partner_push",
        "ir.actions.server",
        {
            "name": "voicesync: notify the receiver",
            "model_id": ModelId(PARTNER_MODEL),
            "state": "webhook",
            "usage": "base_automation",
            "base_automation_id": XmlId(rule.xmlid),
            "webhook_url": webhook_url,
            "webhook_field_ids": FieldIds(PARTNER_MODEL, WEBHOOK_FIELDS),
        },
        find=("name",),
        fixed=frozenset({"usage"}),
        recomputed=("name",),
        label="webhook action for contact edits",
    )
    return [rule, action]
