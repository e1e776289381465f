"""What voicesync owns in Odoo, as data: the call model, its fields, the integration group and
access (people read calls, the group writes them), views, action, menu, the partner's calls tab
and smart button, the campaign's calls, and (given the receiver's URL) the automation rule for
Odoo -> platform.

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
CAMPAIGN_MODEL = ENTITIES["campaigns"].odoo_model
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
class ArchWith:
    """An arch naming other records by database id (a button opening an action): ``{name}`` marks
    in ``arch`` are replaced by the ids of ``ids``' external ids (Odoo's ``%(xmlid)d`` exists only
    in a module's data files)."""

    arch: str
    ids: tuple[tuple[str, str], ...]


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
    "x_platform_id": "Platform id",
    "x_partner_id": "Contact",
    "x_campaign_id": "Campaign",
    "x_assistant": "Assistant",
    "x_assistant_id": "Assistant id",
    "x_direction": "Direction (platform)",
    "x_status": "Status (platform)",
    "x_ended_reason": "Ended reason (platform)",
    "x_call_direction": "Direction",
    "x_call_status": "Status",
    "x_outcome": "Outcome",
    "x_started_at": "Started",
    "x_has_start": "Has started",
    "x_ended_at": "Ended",
    "x_duration_seconds": "Duration (s)",
    "x_duration_minutes": "Duration",
    "x_cost": "Cost (USD)",
    "x_cost_known": "Cost known",
    "x_recording_url": "Recording",
    "x_success_evaluation": "Success evaluation (platform)",
    "x_success": "Success",
    "x_sentiment": "Sentiment",
    "x_voicemail": "Voicemail",
    "x_callback": "Callback asked",
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
        if ttype == "selection":  # read back as Odoo's _compute_selection writes it
            values["selection"] = str(list(CALLS.mapper.selections[name]))
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
# Status and outcome as coloured badges: done or answered green, failed or unanswered red, under way
# blue, a machine yellow. A value voicesync does not know reads "Other"; the vendor's own word
# (``x_ended_reason``) then shows beside it.
STATUS_BADGE = """<field name="x_call_status" widget="badge" decoration-success="x_call_status == 'ended'" \
decoration-info="x_call_status in ('ringing', 'in_progress')" decoration-danger="x_call_status == 'failed'"/>"""
OUTCOME_BADGE = """<field name="x_outcome" widget="badge" decoration-success="x_outcome == 'answered'" \
decoration-danger="x_outcome in ('no_answer', 'busy', 'failed')" decoration-warning="x_outcome == 'voicemail'"/>"""
# A float of minutes, which Odoo's float_time widget shows as minutes:seconds ("13:32").
DURATION = '<field name="x_duration_minutes" widget="float_time"'
# An unknown cost reads back 0.0 (a float field has no empty): its cell stays blank instead.
COST = f'<field name="x_cost" digits="{COST_DIGITS}" invisible="not x_cost_known"'
# Calls come from the platform: people read them, nobody makes or edits one here.
READ_ONLY = 'create="0" edit="0" delete="0"'

LIST_ARCH = f"""<list string="Voice calls" {READ_ONLY}>
    <field name="x_started_at"/>
    <field name="x_name" optional="hide"/>
    <field name="x_partner_id"/>
    <field name="x_campaign_id" optional="show"/>
    <field name="x_assistant" optional="hide"/>
    <field name="x_call_direction"/>
    {STATUS_BADGE}
    {OUTCOME_BADGE}
    <field name="x_ended_reason" optional="show" invisible="x_outcome != 'other'"/>
    {DURATION} sum="Total duration"/>
    {COST} sum="Total cost"/>
    <field name="x_cost_known" column_invisible="1"/>
    <field name="x_success" optional="hide"/>
    <field name="x_sentiment" optional="hide"/>
    <field name="x_voicemail" optional="hide"/>
    <field name="x_callback" optional="hide"/>
    <field name="x_ended_at" optional="hide"/>
    <field name="x_summary" optional="hide"/>
    <field name="x_recording_url" widget="url" optional="hide"/>
</list>"""

FORM_ARCH = f"""<form string="Voice call" {READ_ONLY}>
    <sheet>
        <div class="oe_title">
            <h1><field name="x_name" readonly="1"/></h1>
        </div>
        <group>
            <group string="Call" name="call">
                <field name="x_partner_id"/>
                <field name="x_campaign_id"/>
                <field name="x_assistant"/>
                <field name="x_call_direction"/>
                {STATUS_BADGE}
                {OUTCOME_BADGE}
                <field name="x_success"/>
                <field name="x_sentiment"/>
                <field name="x_voicemail"/>
                <field name="x_callback"/>
            </group>
            <group string="Time and cost" name="timing">
                <field name="x_started_at"/>
                <field name="x_ended_at"/>
                {DURATION}/>
                {COST}/>
                <field name="x_cost_known" invisible="1"/>
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
                <field name="x_structured_data" nolabel="1" placeholder="None"/>
            </page>
            <page string="Platform" name="platform">
                <group>
                    <field name="x_platform_id"/>
                    <field name="x_assistant_id"/>
                    <field name="x_direction"/>
                    <field name="x_status"/>
                    <field name="x_ended_reason"/>
                    <field name="x_success_evaluation"/>
                    <field name="x_duration_seconds"/>
                </group>
            </page>
        </notebook>
    </sheet>
</form>"""

# "Today" and "This week" (from Monday) in UTC, as the dates are stored.
SEARCH_ARCH = """<search string="Voice calls">
    <field name="x_name"/>
    <field name="x_partner_id"/>
    <field name="x_campaign_id"/>
    <field name="x_outcome"/>
    <field name="x_ended_reason"/>
    <field name="x_assistant"/>
    <field name="x_assistant_id"/>
    <field name="x_platform_id"/>
    <field name="x_summary"/>
    <field name="x_transcript"/>
    <filter string="Today" name="today" domain="[('x_started_at', '&gt;=', context_today().strftime('%Y-%m-%d'))]"/>
    <filter string="This week" name="this_week" \
domain="[('x_started_at', '&gt;=', \
(context_today() + relativedelta(weeks=-1, days=1, weekday=0)).strftime('%Y-%m-%d'))]"/>
    <filter string="Started" name="started" date="x_started_at"/>
    <separator/>
    <filter string="Answered" name="answered" domain="[('x_outcome', '=', 'answered')]"/>
    <filter string="Failed or not answered" name="failed" \
domain="[('x_outcome', 'in', ['no_answer', 'busy', 'failed'])]"/>
    <filter string="Voicemail" name="voicemail" domain="[('x_voicemail', '=', True)]"/>
    <filter string="Callback asked" name="callback" domain="[('x_callback', '=', True)]"/>
    <separator/>
    <filter string="Successful" name="successful" domain="[('x_success', '=', 'yes')]"/>
    <filter string="With recording" name="with_recording" domain="[('x_recording_url', '!=', False)]"/>
    <separator/>
    <filter string="Inbound" name="inbound" domain="[('x_call_direction', '=', 'inbound')]"/>
    <filter string="Outbound" name="outbound" domain="[('x_call_direction', '=', 'outbound')]"/>
    <separator/>
    <filter string="Archived" name="archived" domain="[('x_active', '=', False)]"/>
    <group>
        <filter string="Contact" name="by_partner" context="{'group_by': 'x_partner_id'}"/>
        <filter string="Campaign" name="by_campaign" context="{'group_by': 'x_campaign_id'}"/>
        <filter string="Direction" name="by_direction" context="{'group_by': 'x_call_direction'}"/>
        <filter string="Status" name="by_status" context="{'group_by': 'x_call_status'}"/>
        <filter string="Outcome" name="by_outcome" context="{'group_by': 'x_outcome'}"/>
        <filter string="Ended reason" name="by_ended_reason" context="{'group_by': 'x_ended_reason'}"/>
        <filter string="Sentiment" name="by_sentiment" context="{'group_by': 'x_sentiment'}"/>
        <filter string="Assistant" name="by_assistant" context="{'group_by': 'x_assistant'}"/>
        <filter string="Day started" name="by_started" context="{'group_by': 'x_started_at:day'}"/>
    </group>
</search>"""

# Odoo 18 renamed the kanban card template "card" (19 knows no other); 17 knows only "kanban-box".
KANBAN_ARCH = f"""<kanban string="Voice calls" {READ_ONLY}>
    <templates>
        <t t-name="CARD">
            <div>
                <field name="x_name" class="fw-bold"/>
                <div><field name="x_partner_id"/></div>
                <div class="d-flex gap-1">
                    {STATUS_BADGE}
                    {OUTCOME_BADGE}
                    <span class="ms-auto">{DURATION}/></span>
                </div>
            </div>
        </t>
    </templates>
</kanban>"""

CALENDAR_ARCH = """<calendar string="Voice calls" date_start="x_started_at" date_stop="x_ended_at" mode="week" \
create="0" delete="0">
    <field name="x_partner_id"/>
    <field name="x_outcome"/>
    <field name="x_duration_minutes" widget="float_time"/>
</calendar>"""

PIVOT_ARCH = """<pivot string="Voice calls">
    <field name="x_campaign_id" type="row"/>
    <field name="x_outcome" type="col"/>
    <field name="x_duration_minutes" type="measure" widget="float_time"/>
    <field name="x_cost" type="measure"/>
</pivot>"""

GRAPH_ARCH = """<graph string="Voice calls" type="bar">
    <field name="x_started_at" interval="day"/>
    <field name="x_outcome"/>
</graph>"""


def _embedded_calls(*first: str) -> str:
    """The calls list inside a contact's or a campaign's form, with totals."""
    leading = "".join(f'\n                    <field name="{name}"/>' for name in first)
    return f"""<list>{leading}
                    <field name="x_started_at"/>
                    <field name="x_call_direction"/>
                    {STATUS_BADGE}
                    {OUTCOME_BADGE}
                    {DURATION} sum="Total duration"/>
                    {COST} sum="Total cost"/>
                    <field name="x_cost_known" column_invisible="1"/>
                    <field name="x_summary" optional="show"/>
                    <field name="x_recording_url" widget="url" optional="hide"/>
                </list>"""


def _calls_tab(field_name: str, calls_list: str) -> str:
    """An extension adding a "Voice calls" page with ``field_name``'s calls to a form's notebook."""
    return f"""<data>
    <xpath expr="//notebook" position="inside">
        <page string="Voice calls" name="voicesync_calls">
            <field name="{field_name}" readonly="1">
                {calls_list}
            </field>
        </page>
    </xpath>
</data>"""


PARTNER_TAB_ARCH = _calls_tab(PARTNER_CALLS_FIELD, _embedded_calls("x_campaign_id"))
CAMPAIGN_CALLS_FIELD = "x_voicesync_call_ids"
CAMPAIGN_TAB_ARCH = _calls_tab(CAMPAIGN_CALLS_FIELD, _embedded_calls("x_partner_id"))

# The contact's "Calls" smart button, opening the calls list on this contact (``{action}`` is the
# window action's id). The count is the one2many's, which Odoo's statinfo shows as "12 records".
PARTNER_BUTTON_ARCH = (
    """<data>
    <xpath expr="//div[@name='button_box']" position="inside">
        <button name="{action}" type="action" class="oe_stat_button" icon="fa-phone" \
context="{{'search_default_x_partner_id': id}}">
            <field name="FIELD" widget="statinfo" string="Calls"/>
        </button>
    </xpath>
</data>"""
).replace("FIELD", PARTNER_CALLS_FIELD)


def _view(name: str, model: str, kind: str, arch: str | ArchWith, **extra: Any) -> Owned:
    values = {"name": f"voicesync.{name}", "model": model, "type": kind, "arch": arch, "priority": 16, **extra}
    return Owned(name, "ir.ui.view", values, fixed=frozenset({"type", "model", "inherit_id"}), label=f"view {name}")


# The form's chatter: a ``<chatter/>`` tag from Odoo 18 on (``mail``'s form compiler looks for
# it), the ``oe_chatter`` block with the thread's fields before.
CHATTER_TAG = "<chatter/>"
CHATTER_BLOCK = '<div class="oe_chatter"><field name="message_follower_ids"/><field name="message_ids"/></div>'


def with_chatter(arch: str, chatter: str) -> str:
    """A form arch with the chatter after its sheet (Odoo shows it beside or below the sheet)."""
    return arch.replace("</form>", f"    {chatter}\n</form>")


def _extension(name: str, model: str, parent: str, arch: str | ArchWith) -> Owned:
    return _view(name, model, "form", arch, inherit_id=XmlId(parent), mode="extension")


def _one2many(owned_name: str, model: str, name: str, inverse: str = "") -> Owned:
    """A model's calls, through the call's many2one to it (``inverse``, else the mapper's)."""
    inverse = inverse or next(
        f for f, (_key, entity) in CALLS.mapper.references.items() if ENTITIES[entity].odoo_model == model
    )
    return Owned(
        owned_name,
        "ir.model.fields",
        {
            "model_id": ModelId(model),
            "name": name,
            "ttype": "one2many",
            "relation": CALL_MODEL,
            "relation_field": inverse,
            "state": "manual",
            "field_description": "Voice calls",
        },
        find=("model_id", "name"),
        fixed=FIXED_FIELD_KEYS,
        label=f"field {model}.{name}",
    )


def _access(owned_name: str, group: str, *, write: bool, suffix: str = "") -> Owned:
    """``group``'s rights on calls: all of them, or (``write=False``) reading only."""
    return Owned(
        owned_name,
        "ir.model.access",
        {
            "name": f"voicesync {CALL_MODEL}{suffix}",
            "model_id": XmlId(f"voicesync.{PREFIX}call_model"),
            "group_id": XmlId(group),
            "perm_read": True,
            "perm_write": write,
            "perm_create": write,
            "perm_unlink": write,
        },
        find=("name",),
        label=f"access rule for {CALL_MODEL}{suffix}",
    )


@dataclass(frozen=True)
class ArchStyle:
    """How an Odoo release writes a view: its list view word (``tree`` before 18), its kanban card
    template (``kanban-box`` before 18), and whether modifiers are ``attrs`` domains (before 17)
    rather than Python expressions."""

    list_view: str = "list"
    kanban_card: str = "card"
    attrs: bool = False

    @classmethod
    def of(cls, major: int) -> ArchStyle:
        return cls("list", "card") if major >= 18 else cls("tree", "kanban-box", attrs=major < 17)

    def arch(self, arch: str) -> str:
        """An arch (written as Odoo 18 and later read it) as this release reads it."""
        arch = arch.replace("<list", f"<{self.list_view}").replace("</list>", f"</{self.list_view}>")
        arch = arch.replace('t-name="CARD"', f't-name="{self.kanban_card}"')
        if self.attrs:
            for expression, domain in ATTRS_BEFORE_17.items():
                arch = arch.replace(expression, domain)
        return arch


# Odoo 16 reads a modifier from an ``attrs`` domain, and only 0/1 in the attribute itself: each
# expression the arches use, as 16 reads it (a test checks none is missing).
ATTRS_BEFORE_17 = {
    'invisible="not x_cost_known"': "attrs=\"{'invisible': [('x_cost_known', '=', False)]}\"",
    "invisible=\"x_outcome != 'other'\"": "attrs=\"{'invisible': [('x_outcome', '!=', 'other')]}\"",
    'column_invisible="1"': 'invisible="1"',
}


INTEGRATION_GROUP = f"voicesync.{PREFIX}group_integration"


def owned_records(style: ArchStyle = ArchStyle(), chatter: str | None = None) -> list[Owned]:
    """Everything bootstrap makes, in creation order (uninstall goes backwards).

    ``style`` is how the release writes views. ``chatter`` is the form's chatter markup where Odoo
    has ``mail``: the call model is then a mail thread (its changes and notes show beside the form)
    with its analysis fields tracked; ``None`` without ``mail``.
    """
    thread = {"is_mail_thread": True} if chatter is not None else {}
    arch, list_view_type = style.arch, style.list_view

    model = Owned(
        "call_model",
        "ir.model",
        {"name": "Voice call", "model": CALL_MODEL, "state": "manual", "order": "id desc", **thread},
        find=("model",),
        fixed=frozenset({"model", "state", "order"}),  # the order is kept by call_model_order
        label=f"model {CALL_MODEL}",
    )
    # Odoo's ORM takes "nulls last", but ir.model's own check reads "nulls" and "last" as field
    # names and refuses them; so calls not started yet (x_has_start False) sort after the others.
    model_order = Owned(
        "call_model_order",
        "ir.model",
        {"model": CALL_MODEL, "order": "x_has_start desc, x_started_at desc, id desc"},
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
    group = Owned(
        "group_integration",
        "res.groups",
        {"name": "Voice AI: integration"},
        find=("name",),
        label="group Voice AI: integration",
    )
    search = _view("view_call_search", CALL_MODEL, "search", SEARCH_ARCH)
    action = Owned(
        "action_calls",
        "ir.actions.act_window",
        {
            "name": "Voice calls",
            "res_model": CALL_MODEL,
            "view_mode": f"{list_view_type},kanban,form,calendar,pivot,graph",
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
        group,
        _access("call_access", "base.group_user", write=False),
        _access("call_access_integration", group.xmlid, write=True, suffix=" (integration)"),
        _one2many("field_partner_calls", PARTNER_MODEL, PARTNER_CALLS_FIELD),
        _one2many("field_campaign_calls", CAMPAIGN_MODEL, CAMPAIGN_CALLS_FIELD),
        _view("view_call_list", CALL_MODEL, list_view_type, arch(LIST_ARCH)),
        _view("view_call_form", CALL_MODEL, "form", arch(with_chatter(FORM_ARCH, chatter) if chatter else FORM_ARCH)),
        _view("view_call_kanban", CALL_MODEL, "kanban", arch(KANBAN_ARCH)),
        _view("view_call_calendar", CALL_MODEL, "calendar", CALENDAR_ARCH),
        _view("view_call_pivot", CALL_MODEL, "pivot", PIVOT_ARCH),
        _view("view_call_graph", CALL_MODEL, "graph", GRAPH_ARCH),
        search,
        _extension("view_partner_calls", PARTNER_MODEL, "base.view_partner_form", arch(PARTNER_TAB_ARCH)),
        _extension("view_campaign_calls", CAMPAIGN_MODEL, "utm.utm_campaign_view_form", arch(CAMPAIGN_TAB_ARCH)),
        action,
        _extension(
            "view_partner_call_button",
            PARTNER_MODEL,
            "base.view_partner_form",
            ArchWith(PARTNER_BUTTON_ARCH, (("action", action.xmlid),)),
        ),
        root_menu,
        calls_menu,
    ]


LEAD_MODEL = "crm.lead"
LEAD_FIELD = "x_lead_id"
LEAD_CALLS_FIELD = "x_voicesync_call_ids"
LEAD_FORM = "crm.crm_lead_view_form"
CALL_FORM_LEAD_ARCH = """<data>
    <field name="x_campaign_id" position="after">
        <field name="x_lead_id"/>
    </field>
</data>"""


def crm_records(style: ArchStyle = ArchStyle()) -> list[Owned]:
    """What bootstrap adds where CRM is installed (``shared.call_pipeline`` uses it): a call's lead
    or opportunity, shown on the call's form, and the calls of a lead on a tab of its form."""
    lead = Owned(
        f"field_{LEAD_FIELD}",
        "ir.model.fields",
        {
            "model_id": XmlId(f"voicesync.{PREFIX}call_model"),
            "name": LEAD_FIELD,
            "ttype": "many2one",
            "relation": LEAD_MODEL,
            "on_delete": "set null",
            "state": "manual",
            "field_description": "Opportunity",
            "index": True,
        },
        find=("model_id", "name"),
        fixed=FIXED_FIELD_KEYS,
        label=f"field {CALL_MODEL}.{LEAD_FIELD}",
    )
    tab = style.arch(_calls_tab(LEAD_CALLS_FIELD, _embedded_calls("x_partner_id")))
    return [
        lead,
        _one2many("field_lead_calls", LEAD_MODEL, LEAD_CALLS_FIELD, LEAD_FIELD),
        _extension("view_call_form_lead", CALL_MODEL, f"voicesync.{PREFIX}view_call_form", CALL_FORM_LEAD_ARCH),
        _extension("view_lead_calls", LEAD_MODEL, LEAD_FORM, tab),
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
