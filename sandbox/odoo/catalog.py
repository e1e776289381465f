"""The built-in models, grouped by the Odoo module that brings them, with Odoo 19's names,
labels, types, defaults and orders (checked against ``odoo/addons/base/models/*``,
``addons/mail``, ``addons/utm``, ``addons/base_automation``); :func:`for_release` makes them
what an older version has (see :mod:`.release`).

A module may also add fields to another module's models (``EXTENSIONS``): ``mail`` makes
``res.partner`` a ``mail.thread``, ``base_automation`` links server actions to rules. Only the
fields the sandbox needs are defined; Odoo has many more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .release import NEWEST, Release
from .schema import FIELD_TYPES, ON_DELETE, Field, Model, choices, define


@dataclass(frozen=True)
class Module:
    """One ``ir.module.module`` row the sandbox knows."""

    name: str
    shortdesc: str
    depends: tuple[str, ...] = ()
    application: bool = False
    sequence: int = 100


MODULES: dict[str, Module] = {
    module.name: module
    for module in (
        Module("base", "Base"),
        Module("web", "Web", ("base",)),
        Module("mail", "Discuss", ("base", "web"), application=True, sequence=145),
        Module("contacts", "Contacts", ("base", "mail"), application=True, sequence=150),
        Module("utm", "UTM Trackers", ("base", "web")),
        Module("base_automation", "Automation Rules", ("base", "mail")),
        Module("crm", "CRM", ("base", "mail", "utm", "web"), application=True, sequence=15),
    )
}
DEFAULT_MODULES = ("base", "web", "contacts", "utm")

VIEW_TYPES = (
    ("list", "List"),
    ("form", "Form"),
    ("graph", "Graph"),
    ("pivot", "Pivot"),
    ("calendar", "Calendar"),
    ("kanban", "Kanban"),
    ("search", "Search"),
    ("qweb", "QWeb"),
)
MODULE_STATES = (
    ("uninstallable", "Uninstallable"),
    ("uninstalled", "Not Installed"),
    ("installed", "Installed"),
    ("to upgrade", "To be upgraded"),
    ("to remove", "To be removed"),
    ("to install", "To be installed"),
)
SERVER_ACTION_STATES = (
    ("object_write", "Update Record"),
    ("object_create", "Create Record"),
    ("object_copy", "Duplicate Record"),
    ("code", "Execute Code"),
    ("webhook", "Send Webhook Notification"),
    ("multi", "Multi Actions"),
)
MAIL_ACTION_STATES = (
    ("next_activity", "Create Activity"),
    ("mail_post", "Send Email"),
    ("followers", "Add Followers"),
    ("remove_followers", "Remove Followers"),
)
SERVER_ACTION_USAGES = (("ir_actions_server", "Server Action"), ("ir_cron", "Scheduled Action"))
AUTOMATION_TRIGGERS = (
    ("on_stage_set", "Stage is set to"),
    ("on_user_set", "User is set"),
    ("on_tag_set", "Tag is added"),
    ("on_state_set", "State is set to"),
    ("on_priority_set", "Priority is set to"),
    ("on_archive", "On archived"),
    ("on_unarchive", "On unarchived"),
    ("on_create", "On create"),
    ("on_create_or_write", "On create and edit"),
    ("on_write", "On update"),
    ("on_unlink", "On deletion"),
    ("on_change", "On UI change"),
    ("on_time", "Based on date field"),
    ("on_time_created", "After creation"),
    ("on_time_updated", "After last update"),
    ("on_message_received", "On incoming message"),
    ("on_message_sent", "On outgoing message"),
    ("on_webhook", "On webhook"),
)
MESSAGE_TYPES = (
    ("email", "Incoming Email"),
    ("comment", "Comment"),
    ("email_outgoing", "Outgoing Email"),
    ("notification", "System notification"),
    ("auto_comment", "Automated Targeted Notification"),
    ("out_of_office", "Out-of-office Message"),
    ("user_notification", "User Specific Notification"),
)
ACTIVITY_CATEGORIES = (("default", "None"), ("upload_file", "Upload Document"), ("phonecall", "Phonecall"))
LEAD_TYPES = (("lead", "Lead"), ("opportunity", "Opportunity"))
LEAD_PRIORITIES = (("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Very High"))
MENU_ACTIONS = choices(
    "ir.actions.report", "ir.actions.act_window", "ir.actions.act_url", "ir.actions.server", "ir.actions.client"
)


def _action_fields(kind: str) -> list[Field]:
    """What every action inherits from ``ir.actions.actions``."""
    return [
        Field("name", "char", "Action Name", required=True),
        Field("type", "char", "Action Type", required=True, default=kind),
        Field("path", "char", "Path to show in the URL"),
        Field("help", "html", "Action Description"),
        Field("binding_model_id", "many2one", "Binding Model", relation="ir.model", on_delete="cascade"),
    ]


def _base() -> list[Model]:
    return [
        define(
            "res.partner",
            "Contact",
            [
                Field("name", "char", "Name", required=True),
                Field("email", "char", "Email"),
                Field("phone", "char", "Phone"),
                Field("ref", "char", "Reference"),
                Field("comment", "html", "Notes"),
                Field("is_company", "boolean", "Is a Company"),
                Field("active", "boolean", "Active", default=True),
                Field("user_ids", "one2many", "Users", relation="res.users", relation_field="partner_id"),
                Field("user_id", "many2one", "Salesperson", relation="res.users", on_delete="set null"),
            ],
            order="name, id desc",
        ),
        define(
            "res.users",
            "User",
            [
                Field("login", "char", "Login", required=True),
                Field("name", "char", "Name"),
                Field(
                    "partner_id",
                    "many2one",
                    "Related Partner",
                    required=True,
                    relation="res.partner",
                    on_delete="restrict",
                ),
                Field("active", "boolean", "Active", default=True),
                # kept in clear text: the stand-in's users are throwaway (Odoo keeps a hash)
                Field("password", "char", "Password"),
            ],
            order="name, login",
        ),
        define(
            "ir.model.data",
            "Model Data",
            [
                Field("name", "char", "External Identifier", required=True),
                Field("complete_name", "char", "Complete ID", readonly=True),
                Field("module", "char", "Module", required=True),
                Field("model", "char", "Model Name", required=True),
                Field("res_id", "many2one_reference", "Record ID"),
                Field("noupdate", "boolean", "Non Updatable"),
            ],
            order="module, model, name",
        ),
        define(
            "ir.model",
            "Models",
            [
                Field("name", "char", "Model Description", required=True),
                Field("model", "char", "Model", required=True),
                Field("order", "char", "Order", required=True, default="id"),
                Field("info", "text", "Information"),
                Field(
                    "state",
                    "selection",
                    "Type",
                    default="manual",
                    selection=(("manual", "Custom Object"), ("base", "Base Object")),
                ),
                Field("transient", "boolean", "Transient Model"),
            ],
            order="model",
        ),
        define(
            "ir.model.fields",
            "Fields",
            [
                Field("name", "char", "Field Name", required=True),
                Field("model", "char", "Model Name", required=True),
                Field("model_id", "many2one", "Model", required=True, relation="ir.model", on_delete="cascade"),
                Field("field_description", "char", "Field Label", required=True, default=""),
                Field("help", "text", "Field Help"),
                Field("ttype", "selection", "Field Type", required=True, selection=choices(*FIELD_TYPES)),
                # Odoo computes it from ir.model.fields.selection rows and writes them back from it
                # (``_compute_selection``/``_inverse_selection``); the stand-in keeps the text.
                Field("selection", "char", "Selection Options"),
                Field("relation", "char", "Related Model"),
                Field("relation_field", "char", "Relation Field"),
                Field("required", "boolean", "Required"),
                Field("readonly", "boolean", "Readonly"),
                Field("index", "boolean", "Indexed"),
                Field("store", "boolean", "Stored", default=True),
                Field("on_delete", "selection", "On Delete", default="set null", selection=ON_DELETE),
                Field(
                    "state",
                    "selection",
                    "Type",
                    default="manual",
                    selection=(("manual", "Custom Field"), ("base", "Base Field")),
                ),
            ],
            order="name, id",
            rec_name_override="field_description",
        ),
        define(
            "res.groups",
            "Access Groups",
            [
                Field("name", "char", "Name", required=True),
                # ``users`` before Odoo 19 (for_release renames it)
                Field(
                    "user_ids",
                    "many2many",
                    "Users",
                    relation="res.users",
                    relation_table="res_groups_users_rel",
                    column1="gid",
                    column2="uid",
                ),
            ],
            order="name",
        ),
        define(
            "ir.model.access",
            "Model Access",
            [
                Field("name", "char", "Name", required=True),
                Field("active", "boolean", "Active", default=True),
                Field("model_id", "many2one", "Model", required=True, relation="ir.model", on_delete="cascade"),
                Field("group_id", "many2one", "Group", relation="res.groups", on_delete="restrict"),
                Field("perm_read", "boolean", "Read Access"),
                Field("perm_write", "boolean", "Write Access"),
                Field("perm_create", "boolean", "Create Access"),
                Field("perm_unlink", "boolean", "Delete Access"),
            ],
            order="model_id, group_id, name, id",
        ),
        define(
            "ir.module.module",
            "Module",
            [
                Field("name", "char", "Technical Name", required=True, readonly=True),
                Field("shortdesc", "char", "Module Name", readonly=True),
                Field(
                    "state",
                    "selection",
                    "Status",
                    readonly=True,
                    default="uninstallable",
                    selection=MODULE_STATES,
                ),
                Field("application", "boolean", "Application", readonly=True),
                Field("sequence", "integer", "Sequence", default=100),
                Field("latest_version", "char", "Installed Version", readonly=True),
            ],
            order="application desc, sequence, name",
            rec_name_override="shortdesc",
        ),
        define(
            "ir.ui.view",
            "View",
            [
                Field("name", "char", "View Name", required=True),
                Field("model", "char", "Model"),
                Field("priority", "integer", "Sequence", required=True, default=16),
                Field("type", "selection", "View Type", selection=VIEW_TYPES),
                Field("arch", "text", "View Architecture", store=False, stored_as="arch_db"),
                Field("arch_db", "text", "Arch Blob"),
                Field("inherit_id", "many2one", "Inherited View", relation="ir.ui.view", on_delete="restrict"),
                Field(
                    "inherit_children_ids",
                    "one2many",
                    "Views which inherit from this one",
                    relation="ir.ui.view",
                    relation_field="inherit_id",
                ),
                Field(
                    "mode",
                    "selection",
                    "View inheritance mode",
                    required=True,
                    default="primary",
                    selection=(("primary", "Base view"), ("extension", "Extension View")),
                ),
                Field("active", "boolean", "Active", default=True),
            ],
            order="priority, name, id",
        ),
        define(
            "ir.actions.act_window",
            "Action Window",
            [
                *_action_fields("ir.actions.act_window"),
                Field("view_id", "many2one", "View Ref.", relation="ir.ui.view", on_delete="set null"),
                Field("domain", "char", "Domain Value"),
                Field("context", "char", "Context Value", required=True, default="{}"),
                Field("res_model", "char", "Destination Model", required=True),
                Field(
                    "target",
                    "selection",
                    "Target Window",
                    default="current",
                    selection=(
                        ("current", "Current Window"),
                        ("new", "New Window"),
                        ("fullscreen", "Full Screen"),
                        ("main", "Main action of Current Window"),
                    ),
                ),
                Field("view_mode", "char", "View Mode", required=True, default="list,form"),
                Field("limit", "integer", "Limit", default=80),
                Field("search_view_id", "many2one", "Search View Ref.", relation="ir.ui.view"),
            ],
            order="name, id",
            table_override="ir_act_window",
            id_sequence="ir_actions",
        ),
        define(
            "ir.actions.server",
            "Server Actions",
            [
                *_action_fields("ir.actions.server"),
                Field(
                    "usage",
                    "selection",
                    "Usage",
                    required=True,
                    default="ir_actions_server",
                    selection=SERVER_ACTION_USAGES,
                ),
                Field("state", "selection", "Type", required=True, selection=SERVER_ACTION_STATES),
                Field("sequence", "integer", "Sequence", default=5),
                Field("model_id", "many2one", "Model", required=True, relation="ir.model", on_delete="cascade"),
                Field("webhook_url", "char", "Webhook URL"),
                Field(
                    "webhook_field_ids",
                    "many2many",
                    "Webhook Fields",
                    relation="ir.model.fields",
                    relation_table="ir_act_server_webhook_field_rel",
                    column1="server_id",
                    column2="field_id",
                ),
            ],
            order="sequence, name, id",
            table_override="ir_act_server",
            id_sequence="ir_actions",
        ),
        define(
            "ir.default",
            "Default Values",
            [
                Field("field_id", "many2one", "Field", required=True, relation="ir.model.fields", on_delete="cascade"),
                Field("user_id", "many2one", "User", relation="res.users", on_delete="cascade"),
                Field("condition", "char", "Condition"),
                Field("json_value", "char", "Default Value (JSON format)", required=True),
            ],
        ),
        define(
            "ir.ui.menu",
            "Menu",
            [
                Field("name", "char", "Menu", required=True),
                Field("active", "boolean", "Active", default=True),
                Field("sequence", "integer", "Sequence", default=10),
                Field("parent_id", "many2one", "Parent Menu", relation="ir.ui.menu", on_delete="restrict"),
                Field("web_icon", "char", "Web Icon File"),
                Field("action", "reference", "Action", selection=MENU_ACTIONS),
            ],
            order="sequence, id",
        ),
    ]


def _mail() -> list[Model]:
    return [
        define(
            "mail.message",
            "Message",
            [
                Field("body", "html", "Contents", default=""),
                Field("model", "char", "Related Document Model"),
                Field("res_id", "many2one_reference", "Related Document ID"),
                Field("message_type", "selection", "Type", required=True, default="comment", selection=MESSAGE_TYPES),
                Field("author_id", "many2one", "Author", relation="res.partner", on_delete="set null"),
                Field("subtype_id", "many2one", "Subtype", relation="mail.message.subtype", on_delete="set null"),
                Field("date", "datetime", "Date"),
            ],
            order="id desc",
        ),
        define(
            "mail.message.subtype",
            "Message subtypes",
            [
                Field("name", "char", "Message Type", required=True),
                Field("internal", "boolean", "Internal Only"),
                Field("sequence", "integer", "Sequence", default=1),
            ],
            order="sequence, id",
        ),
        define(
            "mail.activity.type",
            "Activity Type",
            [
                Field("name", "char", "Name", required=True),
                Field("category", "selection", "Action", default="default", selection=ACTIVITY_CATEGORIES),
                Field("sequence", "integer", "Sequence", default=10),
            ],
            order="sequence, id",
        ),
        define(
            "mail.activity",
            "Activity",
            [
                Field("res_model_id", "many2one", "Document Model", relation="ir.model", on_delete="cascade"),
                Field("res_model", "char", "Related Document Model", readonly=True),
                Field("res_id", "many2one_reference", "Related Document ID"),
                Field("activity_type_id", "many2one", "Activity Type", relation="mail.activity.type"),
                Field("summary", "char", "Summary"),
                Field("note", "html", "Note"),
                Field("date_deadline", "date", "Due Date", required=True),
                Field("user_id", "many2one", "Assigned to", relation="res.users"),
            ],
            order="date_deadline ASC, id ASC",
        ),
        define(
            "mail.followers",
            "Document Followers",
            [
                Field("res_model", "char", "Related Document Model Name", required=True),
                Field("res_id", "many2one_reference", "Related Document ID"),
                Field(
                    "partner_id",
                    "many2one",
                    "Related Partner",
                    required=True,
                    relation="res.partner",
                    on_delete="cascade",
                ),
            ],
            log_access=False,
        ),
    ]


def _utm() -> list[Model]:
    return [
        define(
            "utm.campaign",
            "UTM Campaign",
            [
                Field("active", "boolean", "Active", default=True),
                Field("name", "char", "Campaign Identifier", required=True),
                Field("title", "char", "Campaign Name", required=True),
                Field("is_auto_campaign", "boolean", "Automatically Generated Campaign"),
                Field("color", "integer", "Color Index"),
            ],
            rec_name_override="title",
        )
    ]


def _crm() -> list[Model]:
    return [
        define(
            "crm.stage",
            "CRM Stages",
            [
                Field("name", "char", "Stage Name", required=True),
                Field("sequence", "integer", "Sequence", default=1),
                Field("is_won", "boolean", "Is Won Stage?"),
            ],
            order="sequence, name, id",
        ),
        define(
            "crm.lead",
            "Lead",
            [
                Field("name", "char", "Opportunity", required=True),
                Field("partner_id", "many2one", "Contact", relation="res.partner", on_delete="set null"),
                Field("user_id", "many2one", "Salesperson", relation="res.users", on_delete="set null"),
                Field("type", "selection", "Type", required=True, default="opportunity", selection=LEAD_TYPES),
                Field("active", "boolean", "Active", default=True),
                Field("probability", "float", "Probability"),  # NULL until a stage or a person sets it
                Field("stage_id", "many2one", "Stage", relation="crm.stage", on_delete="restrict"),
                Field("campaign_id", "many2one", "Campaign", relation="utm.campaign", on_delete="set null"),
                Field("description", "html", "Notes"),
                Field("priority", "selection", "Priority", default="0", selection=LEAD_PRIORITIES),
            ],
            order="priority desc, id desc",
        ),
    ]


def _base_automation() -> list[Model]:
    return [
        define(
            "base.automation",
            "Automation Rule",
            [
                Field("name", "char", "Automation Rule Name", required=True),
                Field("model_id", "many2one", "Model", required=True, relation="ir.model", on_delete="cascade"),
                Field(
                    "action_server_ids",
                    "one2many",
                    "Actions",
                    relation="ir.actions.server",
                    relation_field="base_automation_id",
                ),
                Field("active", "boolean", "Active", default=True),
                Field("trigger", "selection", "Trigger", required=True, selection=AUTOMATION_TRIGGERS),
                Field("filter_pre_domain", "char", "Before Update Domain"),
                Field("filter_domain", "char", "Apply on"),
                Field("trigger_field_ids", "many2many", "Trigger Fields", relation="ir.model.fields"),
            ],
        )
    ]


def thread_fields(model: str) -> list[Field]:
    """What ``mail.thread`` adds to a model: its messages and followers."""
    return [
        Field(
            "message_ids",
            "one2many",
            "Messages",
            relation="mail.message",
            relation_field="res_id",
            domain=(("model", "=", model), ("message_type", "!=", "user_notification")),
        ),
        Field(
            "message_follower_ids",
            "one2many",
            "Followers",
            relation="mail.followers",
            relation_field="res_id",
            domain=(("res_model", "=", model),),
        ),
    ]


MODELS_BY_MODULE: dict[str, list[Model]] = {
    "base": _base(),
    "mail": _mail(),
    "utm": _utm(),
    "base_automation": _base_automation(),
    "crm": _crm(),
}
# fields (replacing same-named ones) and mail.thread tracking a module adds to other models
EXTENSIONS: dict[str, dict[str, list[Field]]] = {
    "mail": {
        "res.partner": thread_fields("res.partner"),
        # what makes a custom model a mail thread, and a custom field tracked on its chatter
        "ir.model": [Field("is_mail_thread", "boolean", "Has Mail Thread")],
        "ir.model.fields": [Field("tracking", "integer", "Enable Ordered Tracking")],
        "ir.actions.server": [
            Field(
                "state",
                "selection",
                "Type",
                required=True,
                selection=(*SERVER_ACTION_STATES[:3], *MAIL_ACTION_STATES, *SERVER_ACTION_STATES[3:]),
            )
        ],
    },
    "crm": {"crm.lead": thread_fields("crm.lead")},
    "base_automation": {
        "base.automation": thread_fields("base.automation"),
        "ir.actions.server": [
            Field(
                "usage",
                "selection",
                "Usage",
                required=True,
                default="ir_actions_server",
                selection=(*SERVER_ACTION_USAGES, ("base_automation", "Automation Rule")),
            ),
            Field(
                "base_automation_id",
                "many2one",
                "Automation Rule",
                relation="base.automation",
                on_delete="cascade",
            ),
        ],
    },
}
MAIL_THREADS: dict[str, dict[str, tuple[str, ...]]] = {
    "mail": {"res.partner": ("name", "email", "phone")},
    "base_automation": {"base.automation": ("name", "model_id", "trigger")},
    "crm": {"crm.lead": ("stage_id", "user_id")},
}


def with_dependencies(names: Iterable[str]) -> list[str]:
    """``names`` and everything they depend on, dependencies first (as Odoo loads them)."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name not in MODULES:
            raise ValueError(f"unknown module {name!r}; the sandbox knows {sorted(MODULES)}")
        for dependency in MODULES[name].depends:
            visit(dependency)
        ordered.append(name)

    for name in ("base", *names):
        visit(name)
    return ordered


def models_for(installed: Iterable[str], release: Release = NEWEST) -> dict[str, Model]:
    """The built-in models of the installed modules, with the installed extensions applied, as
    ``release`` has them."""
    installed = [name for name in MODULES if name in set(installed)]
    models: dict[str, Model] = {}
    for module in installed:
        for model in MODELS_BY_MODULE.get(module, ()):
            models[model.name] = model
    for module in installed:
        for name, fields in EXTENSIONS.get(module, {}).items():
            if name in models:
                models[name] = replace(models[name], fields={**models[name].fields, **{f.name: f for f in fields}})
        for name, tracked in MAIL_THREADS.get(module, {}).items():
            if name in models:
                models[name] = replace(models[name], mail_thread=True, tracked=tracked)
    return for_release(models, release)


def for_release(models: dict[str, Model], release: Release) -> dict[str, Model]:
    """Odoo 19's models as ``release`` has them: its list view word, a group's members as ``users``
    before 19, and no webhook actions or multi-action rules before 17."""
    if "ir.ui.view" not in models:  # nothing installed yet
        return models
    changed: dict[str, dict[str, Field | None]] = {}
    if release.list_view != "list":
        view_types = tuple((release.list_view, "Tree") if key == "list" else (key, label) for key, label in VIEW_TYPES)
        changed["ir.ui.view"] = {"type": replace(models["ir.ui.view"].fields["type"], selection=view_types)}
        window = models["ir.actions.act_window"].fields["view_mode"]
        changed["ir.actions.act_window"] = {"view_mode": replace(window, default=f"{release.list_view},form")}
    if not release.webhook_actions:
        state = models["ir.actions.server"].fields["state"]
        without = tuple(choice for choice in state.selection if choice[0] != "webhook")
        changed["ir.actions.server"] = {
            "state": replace(state, selection=without),
            "webhook_url": None,
            "webhook_field_ids": None,
            "base_automation_id": None,
        }
        changed["base.automation"] = {"action_server_ids": None}
        changed["utm.campaign"] = {"active": None}  # campaigns can be archived from 17 on
    if release.group_users != "user_ids":
        members = models["res.groups"].fields["user_ids"]
        changed["res.groups"] = {"user_ids": None, release.group_users: replace(members, name=release.group_users)}
    for name, fields in changed.items():
        if name in models:
            merged = {**models[name].fields, **fields}
            models[name] = replace(models[name], fields={k: v for k, v in merged.items() if v is not None})
    return models


def module_of(model: str) -> str:
    """The module defining ``model`` (its ``ir.model`` external id's module)."""
    return next((module for module, models in MODELS_BY_MODULE.items() if any(m.name == model for m in models)), "base")


BUILTIN_MODELS: dict[str, Model] = models_for(MODULES)
