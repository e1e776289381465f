"""Installing modules: their tables, columns, reflection rows, external ids and data.

A fresh database installs ``base`` and the requested modules (dependencies first), as Odoo's
``-i``; ``ir.module.module.button_immediate_install`` installs more later through the same
function. Every known module has an ``ir.module.module`` row from the start (``uninstalled``
until installed), with its ``base.module_<name>`` external id, as in Odoo.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .catalog import MODULES, models_for, module_of, with_dependencies
from .ddl import add_column, create_table, insert_row, reflect_field, reflect_model
from .release import Release
from .schema import ADMIN_UID

PARTNER_FORM_ARCH = """<form string="Partners">
    <sheet>
        <div class="oe_button_box" name="button_box"/>
        <div class="oe_title">
            <field name="is_company" invisible="1"/>
            <h1><field name="name" placeholder="e.g. Brandom Freeman"/></h1>
        </div>
        <group>
            <group>
                <field name="email" widget="email"/>
                <field name="phone" widget="phone"/>
            </group>
            <group>
                <field name="ref"/>
            </group>
        </group>
        <notebook colspan="4">
            <page name="internal_notes" string="Internal Notes">
                <field name="comment" placeholder="Internal notes..."/>
            </page>
        </notebook>
    </sheet>
</form>"""

# utm's utm_campaign_view_form, with the fields the stand-in's utm.campaign has
CAMPAIGN_FORM_ARCH = """<form string="UTM Campaign">
    <sheet>
        <div class="oe_button_box d-flex justify-content-end" name="button_box"/>
        <group id="top-group">
            <field class="text-break" name="title" string="Campaign Name" placeholder="e.g. Black Friday"/>
            <field name="name" invisible="1"/>
        </group>
        <notebook/>
    </sheet>
</form>"""

# crm's crm_lead_view_form, with the fields the stand-in's crm.lead has
LEAD_FORM_ARCH = """<form class="o_lead_opportunity_form" js_class="crm_form">
    <header>
        <field name="stage_id" widget="statusbar_duration" options="{'clickable': '1', 'fold_field': 'fold'}"/>
    </header>
    <sheet>
        <div class="oe_button_box" name="button_box"/>
        <div class="oe_title">
            <h1><field class="text-break" name="name" placeholder="e.g. Product Pricing"/></h1>
        </div>
        <group>
            <group name="opportunity_partner">
                <field name="partner_id" widget="res_partner_many2one"/>
            </group>
            <group name="opportunity_info">
                <field name="user_id" widget="many2one_avatar_user"/>
                <field name="probability"/>
                <field name="type" invisible="1"/>
            </group>
        </group>
        <notebook>
            <page string="Internal Notes" name="internal_notes">
                <field name="description" placeholder="Add a description..." options="{'collaborative': true}"/>
            </page>
            <page name="extra" string="Extra Info">
                <group>
                    <field name="campaign_id"/>
                </group>
            </page>
        </notebook>
    </sheet>
    <chatter/>
</form>"""


def installed_modules(cr: sqlite3.Connection) -> frozenset[str]:
    if not cr.execute("SELECT 1 FROM sqlite_master WHERE name = 'ir_module_module'").fetchone():
        return frozenset()
    return frozenset(row[0] for row in cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'"))


def install(cr: sqlite3.Connection, names: Iterable[str], release: Release) -> list[str]:
    """Install ``names`` and their missing dependencies as ``release`` has them; return the
    modules newly installed."""
    installed = set(installed_modules(cr))
    done = []
    for name in with_dependencies(names):
        if name in installed:
            continue
        _install_one(cr, name, frozenset(installed), release)
        installed.add(name)
        done.append(name)
    return done


def _install_one(cr: sqlite3.Connection, name: str, installed: frozenset[str], release: Release) -> None:
    before, after = models_for(installed, release), models_for(installed | {name}, release)
    for model in after.values():
        if model.name not in before:
            create_table(cr, model)
        else:
            for field in model.fields.values():
                if field.name not in before[model.name].fields:
                    add_column(cr, model, field)
    if name == "base":
        _base_schema(cr)
    for model in after.values():
        if model.name not in before:
            model_id = reflect_model(cr, model)
            _xmlid(cr, module_of(model.name), f"model_{model.name.replace('.', '_')}", "ir.model", model_id)
            continue
        model_id = cr.execute("SELECT id FROM ir_model WHERE model = ?", [model.name]).fetchone()[0]
        for field in model.fields.values():
            if field.name not in before[model.name].fields:
                reflect_field(cr, model_id, model.name, field, "base")
    if name == "base":
        _base_data(cr)
    if name == "mail":
        _mail_data(cr)
    if name == "utm":
        _utm_data(cr)
    if name == "crm":
        _crm_data(cr)
    cr.execute(
        "UPDATE ir_module_module SET state = 'installed', latest_version = ? WHERE name = ?",
        [release.module_version, name],
    )


def _xmlid(cr: sqlite3.Connection, module: str, name: str, model: str, res_id: int) -> None:
    insert_row(
        cr,
        "ir_model_data",
        {
            "module": module,
            "name": name,
            "complete_name": f"{module}.{name}",
            "model": model,
            "res_id": res_id,
            "noupdate": 1,
        },
    )


def _base_schema(cr: sqlite3.Connection) -> None:
    cr.execute("CREATE UNIQUE INDEX ir_model_data_module_name ON ir_model_data (module, name)")
    cr.execute("CREATE INDEX ir_model_data_model_res_id ON ir_model_data (model, res_id)")
    cr.execute("CREATE UNIQUE INDEX ir_model_model ON ir_model (model)")
    cr.execute("CREATE UNIQUE INDEX ir_model_fields_name ON ir_model_fields (model, name)")
    cr.execute("CREATE UNIQUE INDEX ir_module_module_name_uniq ON ir_module_module (name)")
    cr.execute("CREATE INDEX res_partner_name ON res_partner (name)")
    # the ids the action tables share, as they all inherit Odoo's ir_actions table
    cr.execute("CREATE TABLE sandbox_sequence (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    for module in MODULES.values():
        module_id = insert_row(
            cr,
            "ir_module_module",
            {
                "name": module.name,
                "shortdesc": module.shortdesc,
                "state": "uninstalled",
                "application": int(module.application),
                "sequence": module.sequence,
            },
        )
        _xmlid(cr, "base", f"module_{module.name}", "ir.module.module", module_id)


def _utm_data(cr: sqlite3.Connection) -> None:
    """utm's campaign form, which voicesync extends with the campaign's calls."""
    view = insert_row(
        cr,
        "ir_ui_view",
        {
            "name": "utm.campaign.view.form",
            "model": "utm.campaign",
            "type": "form",
            "arch_db": CAMPAIGN_FORM_ARCH,
            "priority": 16,
            "mode": "primary",
            "active": 1,
        },
    )
    _xmlid(cr, "utm", "utm_campaign_view_form", "ir.ui.view", view)


def _base_data(cr: sqlite3.Connection) -> None:
    """The records every Odoo database starts with, at their usual ids; the API user is an
    internal user (``base.group_user``), the group custom models' access rows usually name."""
    partners = [("YourCompany", 1, 1), ("OdooBot", 0, 0), ("Administrator", 0, 1)]
    for pid, (name, company, active) in enumerate(partners, start=1):
        insert_row(cr, "res_partner", {"id": pid, "name": name, "is_company": company, "active": active})
    users = [("__system__", "OdooBot", 2, 0), ("admin", "Administrator", 3, 1)]
    for uid, (login, name, partner, active) in enumerate(users, start=1):
        insert_row(cr, "res_users", {"id": uid, "login": login, "name": name, "partner_id": partner, "active": active})
    group_user = insert_row(cr, "res_groups", {"name": "Internal User"})
    cr.execute("INSERT INTO res_groups_users_rel (gid, uid) VALUES (?, ?)", (group_user, ADMIN_UID))
    view = insert_row(
        cr,
        "ir_ui_view",
        {
            "name": "res.partner.form",
            "model": "res.partner",
            "type": "form",
            "arch_db": PARTNER_FORM_ARCH,
            "priority": 1,
            "mode": "primary",
            "active": 1,
        },
    )
    xmlids = [
        ("main_partner", "res.partner", 1),
        ("partner_root", "res.partner", 2),
        ("partner_admin", "res.partner", 3),
        ("user_root", "res.users", 1),
        ("user_admin", "res.users", ADMIN_UID),
        ("group_user", "res.groups", group_user),
        ("view_partner_form", "ir.ui.view", view),
    ]
    for name, model, res_id in xmlids:
        _xmlid(cr, "base", name, model, res_id)


def _mail_data(cr: sqlite3.Connection) -> None:
    """``mail``'s two message subtypes (discussions, which notify followers, and internal notes)
    and its activity types."""
    for xmlid, name, internal, sequence in (("mt_comment", "Discussions", 0, 0), ("mt_note", "Note", 1, 100)):
        subtype = insert_row(cr, "mail_message_subtype", {"name": name, "internal": internal, "sequence": sequence})
        _xmlid(cr, "mail", xmlid, "mail.message.subtype", subtype)
    for xmlid, name, category, sequence in (
        ("mail_activity_data_email", "Email", "default", 3),
        ("mail_activity_data_call", "Call", "phonecall", 4),
        ("mail_activity_data_meeting", "Meeting", "default", 5),
        ("mail_activity_data_todo", "To-Do", "default", 6),
    ):
        kind = insert_row(cr, "mail_activity_type", {"name": name, "category": category, "sequence": sequence})
        _xmlid(cr, "mail", xmlid, "mail.activity.type", kind)


def _crm_data(cr: sqlite3.Connection) -> None:
    """``crm``'s stages and its lead form, which voicesync extends with the lead's calls."""
    for number, (name, sequence, won) in enumerate(
        (("New", 1, 0), ("Qualified", 2, 0), ("Proposition", 3, 0), ("Won", 70, 1)), start=1
    ):
        stage = insert_row(cr, "crm_stage", {"name": name, "sequence": sequence, "is_won": won})
        _xmlid(cr, "crm", f"stage_lead{number}", "crm.stage", stage)
    view = insert_row(
        cr,
        "ir_ui_view",
        {
            "name": "crm.lead.form",
            "model": "crm.lead",
            "type": "form",
            "arch_db": LEAD_FORM_ARCH,
            "priority": 1,
            "mode": "primary",
            "active": 1,
        },
    )
    _xmlid(cr, "crm", "crm_lead_view_form", "ir.ui.view", view)
