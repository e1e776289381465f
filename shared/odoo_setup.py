"""``voicesync odoo bootstrap`` and ``odoo check``: what voicesync needs in Odoo, through Odoo's own API.

Calls live in a custom model, ``x_voicesync_call``, created the way Odoo's UI creates one
(``ir.model`` with ``state = manual``, then ``ir.model.fields``), plus an ``ir.model.access`` row so
that internal users (the API user included) may use it: Odoo denies a model with no access rule
to everyone but the superuser. No Odoo module is installed. Every step first looks, then creates
only what is missing, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.entities import ENTITIES
from shared.odoo import OdooClient, version_major

CALLS = ENTITIES["calls"]
AUTOMATIC_FIELDS = {"x_name"}  # Odoo adds it to every manual model
ACCESS_NAME = f"voicesync {CALLS.odoo_model}"


def wanted_fields() -> dict[str, dict[str, Any]]:
    """The call model's fields, derived from the call mapper (one source of truth)."""
    mapper = CALLS.mapper
    relations = {name: ENTITIES[entity].odoo_model for name, (_key, entity) in mapper.references.items()}
    specs = {}
    for name, ttype in mapper.fields.items():
        if name in AUTOMATIC_FIELDS:
            continue
        spec: dict[str, Any] = {"name": name, "ttype": ttype, "field_description": name[2:].replace("_", " ").title()}
        if ttype == "many2one":
            spec |= {"relation": relations[name], "on_delete": "set null"}
        specs[name] = spec
    return specs


@dataclass
class SetupReport:
    version: str = ""
    protocol: str = ""
    uid: int | None = None
    model_id: int | None = None
    missing_fields: list[str] = field(default_factory=list)
    access: bool = False
    created: list[str] = field(default_factory=list)

    @property
    def bootstrapped(self) -> bool:
        return self.model_id is not None and not self.missing_fields and self.access


def _model_id(odoo: OdooClient) -> int | None:
    found = odoo.call("ir.model", "search", domain=[("model", "=", CALLS.odoo_model)])
    return found[0] if found else None


def inspect(odoo: OdooClient) -> SetupReport:
    """What ``odoo check`` reports: server, protocol, user, and what bootstrap would still create."""
    answer = odoo.version()
    report = SetupReport(version=str(answer.get("version") or answer.get("server_version") or version_major(answer)))
    user = odoo.call("res.users", "search_read", domain=[("login", "=", odoo.user)], fields=["id"], limit=1)
    report.protocol = odoo.protocol or ""
    report.uid = user[0]["id"] if user else None
    report.model_id = _model_id(odoo)
    if report.model_id is None:
        report.missing_fields = sorted(wanted_fields())
        return report
    have = odoo.call("ir.model.fields", "search_read", domain=[("model_id", "=", report.model_id)], fields=["name"])
    report.missing_fields = sorted(set(wanted_fields()) - {row["name"] for row in have})
    report.access = bool(odoo.call("ir.model.access", "search", domain=[("model_id", "=", report.model_id)]))
    return report


def bootstrap(odoo: OdooClient) -> SetupReport:
    """Create the call model, its fields and its access rule where missing."""
    report = inspect(odoo)
    if report.model_id is None:
        report.model_id = odoo.call(
            "ir.model", "create", vals_list=[{"name": "VoiceSync call", "model": CALLS.odoo_model, "state": "manual"}]
        )[0]
        report.created.append(CALLS.odoo_model)
    if report.missing_fields:
        specs = wanted_fields()
        odoo.call(
            "ir.model.fields",
            "create",
            vals_list=[{**specs[name], "model_id": report.model_id} for name in report.missing_fields],
        )
        report.created += report.missing_fields
        report.missing_fields = []
    if not report.access:
        group = odoo.call(
            "ir.model.data",
            "search_read",
            domain=[("module", "=", "base"), ("name", "=", "group_user")],
            fields=["res_id"],
        )
        odoo.call(
            "ir.model.access",
            "create",
            vals_list=[
                {
                    "name": ACCESS_NAME,
                    "model_id": report.model_id,
                    "group_id": group[0]["res_id"] if group else False,
                    "perm_read": True,
                    "perm_write": True,
                    "perm_create": True,
                    "perm_unlink": True,
                }
            ],
        )
        report.access = True
        report.created.append(ACCESS_NAME)
    return report
