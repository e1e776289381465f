"""The Odoo versions the stand-in emulates, and what differs between them for voicesync.

Each difference was seen on a real server of that version (the contract suite, run against real
Odoo 16, 17, 18 and 19) or read from that version's source:

- ``GET /web/version`` and JSON-2 (``/json/2``, ``/doc-bearer``) exist from 19 on (the ``rpc``
  addon); older servers answer both with a 404, and their version through JSON-RPC's
  ``common.version``.
- A JSON-RPC error's ``code`` is 200 up to 18, 0 from 19 on (``odoo/http.py``).
- List views are ``tree`` up to 17 and ``list`` from 18 on: each version's ``ir.ui.view.type``
  knows only its own word, so the other one is an invalid view type.
- Webhook server actions (``state = "webhook"``, ``webhook_url``, ``webhook_field_ids``) and
  rules that hold several actions (``base.automation.action_server_ids`` through
  ``ir.actions.server.base_automation_id``) arrive in 17; Odoo 16's rule is one server action
  (``action_server_id``, delegated), without webhooks.
- ``utm.campaign`` has an ``active`` field (so can be archived) from 17 on.
- In 17 and 18, ``base_automation`` names a rule's action after its type, "Send Webhook
  Notification", on create (whatever name was given) and on every write of its URL or state that
  does not also write its name (``ir_actions_server._compute_name``, stored, ``readonly=False``).

A database knows the version it was made with, as Odoo's does: ``base``'s ``latest_version`` in
``ir_module_module`` (``"17.0.1.3"``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SUPPORTED = (16, 17, 18, 19)
LATEST = 19
WEBHOOK_ACTION_NAME = "Send Webhook Notification"
# What Odoo 17 and 18's _compute_name depends on, of what the sandbox models.
WEBHOOK_NAME_DEPENDS = frozenset({"state", "webhook_url"})


@dataclass(frozen=True)
class Release:
    """One major version of Odoo, as the stand-in serves it."""

    major: int

    def __post_init__(self) -> None:
        if self.major not in SUPPORTED:
            raise ValueError(f"the sandbox emulates Odoo {', '.join(map(str, SUPPORTED))}, not {self.major}")

    @classmethod
    def of(cls, version: str) -> Release:
        """``"17.0"`` (or ``"saas~17.2"``, ``17``) as a release."""
        digits = str(version).split("~")[-1].split(".")[0]
        if not digits.isdigit():
            raise ValueError(f"not an Odoo version: {version!r}")
        return cls(int(digits))

    @property
    def version(self) -> str:
        return f"{self.major}.0"

    @property
    def module_version(self) -> str:
        """``ir_module_module.latest_version`` of ``base``, as Odoo writes it."""
        return f"{self.version}.1.3"

    @property
    def web_version(self) -> bool:
        return self.major >= 19

    @property
    def json2(self) -> bool:
        return self.major >= 19

    @property
    def rpc_error_code(self) -> int:
        return 0 if self.major >= 19 else 200

    @property
    def list_view(self) -> str:
        return "list" if self.major >= 18 else "tree"

    @property
    def group_users(self) -> str:
        """``res.groups``' field of its members: ``user_ids`` from Odoo 19, ``users`` before."""
        return "user_ids" if self.major >= 19 else "users"

    @property
    def modifier_expressions(self) -> bool:
        """Odoo 17 on reads ``invisible``/``readonly``/``required`` as Python expressions and
        refuses ``attrs``; 16 reads them from ``attrs`` domains, and only 0/1 in the attribute."""
        return self.major >= 17

    @property
    def nulls_as_zero(self) -> bool:
        """Odoo 18 on compares an empty number as 0 (``('probability', '<', 100)`` finds a lead
        with none, ``models.py`` ``_condition_to_sql``); 17 leaves it out, as SQL does."""
        return self.major >= 18

    @property
    def webhook_actions(self) -> bool:
        return self.major >= 17

    @property
    def names_webhook_actions(self) -> bool:
        return self.major in (17, 18)


NEWEST = Release(LATEST)


def release_of(cr: sqlite3.Connection) -> Release:
    """The release a database was made with (the newest for one made before versions existed)."""
    found = cr.execute("SELECT latest_version FROM ir_module_module WHERE name = 'base'").fetchone()
    return Release.of(found[0]) if found and found[0] else NEWEST
