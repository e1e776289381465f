"""``voicesync odoo bootstrap [--uninstall]``: make Odoo hold what :mod:`shared.odoo_owned` lists.

Everything goes through Odoo's own API (no Odoo module): each owned record is found by its
external id (or, for one an earlier bootstrap made without one, by its identifying fields),
created when missing and written when its values differ, so a second run writes nothing and
touches nothing voicesync does not own. ``write=False`` is the same walk without writing, for
``odoo check`` and ``--dry-run``.

Odoo caches each user's allowed models, and ``ir.model.access.create`` clears that cache
*before* inserting the row, while checking the caller's own right to create it refills the
cache without the new model: the integration user would be refused its own call model until
something cleared the cache again. So bootstrap ends with a no-op write on the access row,
which clears it after the row exists.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from shared.errors import FatalError, InvalidRequest, NotFound
from shared.mappers.base import XMLID_MODULE
from shared.odoo import OdooClient, version_major
from shared.odoo_owned import (
    CALL_MODEL,
    CHATTER_BLOCK,
    CHATTER_TAG,
    INTEGRATION_GROUP,
    LEAD_MODEL,
    PREFIX,
    ActionOf,
    ArchStyle,
    ArchWith,
    FieldIds,
    ModelId,
    Owned,
    XmlId,
    automation_records,
    crm_records,
    owned_records,
)

AUTOMATION_MODULE = "base_automation"
INSTALL_WAIT_SECONDS = 120.0
INSTALL_BUSY_SIGNS = ("scheduled action", "current transaction is aborted")
GROUP_USER_IDS_SINCE_MAJOR = 19  # a group's members: res.groups.user_ids, "users" before
WEBHOOK_ACTIONS_SINCE_MAJOR = 17  # Odoo 16's server actions cannot post a webhook
CHATTER_TAG_SINCE_MAJOR = 18  # Odoo 17's forms name their chatter with a div.oe_chatter


@dataclass
class Change:
    """One thing bootstrap did (or, in a plan, would do)."""

    verb: str  # "create", "update", "remove"
    owned: Owned
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        detail = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.verb} {self.owned.title}{detail}"


@dataclass
class SetupReport:
    """What changed; ``notes``, what stands in the way; ``skipped``, what this Odoo cannot hold."""

    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.changes


class Resolver:
    """Turns the placeholders of :mod:`shared.odoo_owned` into the live database's ids."""

    def __init__(self, odoo: OdooClient) -> None:
        self.odoo = odoo
        self._xmlids: dict[str, tuple[str, int]] = {}
        self._models: dict[str, int] = {}

    def prefetch(self, xmlids: Iterable[str]) -> None:
        """Look up many external ids in one call per module."""
        by_module: dict[str, list[str]] = {}
        for full in xmlids:
            if full not in self._xmlids:
                module, _, name = full.partition(".")
                by_module.setdefault(module, []).append(name)
        for module, names in by_module.items():
            rows = self.odoo.call(
                "ir.model.data",
                "search_read",
                domain=[("module", "=", module), ("name", "in", names)],
                fields=["name", "model", "res_id"],
            )
            for row in rows:
                self._xmlids[f"{module}.{row['name']}"] = (row["model"], row["res_id"])

    def xmlid(self, full: str) -> int | None:
        if full not in self._xmlids:
            self.prefetch([full])
        found = self._xmlids.get(full)
        return found[1] if found else None

    def remember(self, full: str, model: str, res_id: int) -> None:
        self._xmlids[full] = (model, res_id)

    def forget(self, full: str) -> None:
        self._xmlids.pop(full, None)

    def model_id(self, model: str) -> int | None:
        if model not in self._models:
            found = self.odoo.call("ir.model", "search", domain=[("model", "=", model)])
            if not found:
                return None
            self._models[model] = found[0]
        return self._models[model]

    def value(self, value: Any) -> Any:
        """A placeholder's live value; ``None`` when what it points at does not exist yet."""
        if isinstance(value, XmlId):
            return self.xmlid(value.xmlid)
        if isinstance(value, ModelId):
            return self.model_id(value.model)
        if isinstance(value, ActionOf):
            action = self.xmlid(value.xmlid)
            return f"ir.actions.act_window,{action}" if action else None
        if isinstance(value, ArchWith):
            ids = {name: self.xmlid(xmlid) for name, xmlid in value.ids}
            return None if None in ids.values() else value.arch.format(**ids)
        if isinstance(value, FieldIds):
            rows = self.odoo.call(
                "ir.model.fields",
                "search_read",
                domain=[("model", "=", value.model), ("name", "in", list(value.names))],
                fields=["name"],
            )
            return sorted(row["id"] for row in rows)
        return value


def _same(want: Any, have: Any, name: str) -> bool:
    """``want`` (a resolved owned value) against what ``read`` answers."""
    if isinstance(have, list) and len(have) == 2 and isinstance(have[0], int) and isinstance(have[1], str):
        have = have[0]  # a many2one as (id, name)
    if isinstance(want, list) and isinstance(have, list):
        return sorted(want) == sorted(have)
    if name == "arch":
        return _squeeze(str(want)) == _squeeze(str(have or ""))
    if want is False and have in (None, False, "", 0):
        return True
    return bool(want == have)


def _squeeze(arch: str) -> str:
    """An arch with the white space between tags dropped, as Odoo may re-indent it."""
    return re.sub(r">\s+<", "><", arch.strip())


def _writable(values: dict[str, Any]) -> dict[str, Any]:
    """Resolved values as ``create``/``write`` take them (many2many lists as a replace command)."""
    return {k: [(6, 0, v)] if isinstance(v, list) else v for k, v in values.items()}


class Bootstrap:
    """Creates, updates or removes voicesync's records in one Odoo database."""

    def __init__(self, odoo: OdooClient, crm_rules: str = "") -> None:
        self.odoo = odoo
        self.resolve = Resolver(odoo)
        self.crm_rules = crm_rules  # what the pipeline does with calls, said by bootstrap

    def records(self, webhook_url: str | None) -> list[Owned]:
        style = ArchStyle.of(self.major)
        owned = owned_records(style, self.chatter())
        if self.has_crm:
            owned += crm_records(style)
        if webhook_url:
            owned += automation_records(webhook_url, self.odoo.uid())
        return owned

    def chatter(self) -> str | None:
        """The form's chatter markup for this Odoo; ``None`` without ``mail`` (no mail threads)."""
        if not self.has_mail:
            return None
        return CHATTER_TAG if self.major >= CHATTER_TAG_SINCE_MAJOR else CHATTER_BLOCK

    @property
    def has_mail(self) -> bool:
        """Whether ``mail`` is installed: it adds ``is_mail_thread`` to ``ir.model``."""
        return "is_mail_thread" in self.odoo.fields_of("ir.model")

    @cached_property
    def has_crm(self) -> bool:
        """Whether CRM is installed: calls then join the pipeline (``shared.call_pipeline``)."""
        return bool(self._present_models({LEAD_MODEL}))

    @property
    def major(self) -> int:
        return version_major(self.odoo.version())

    def run(self, webhook_url: str | None = None, *, write: bool = True) -> SetupReport:
        """Bring every owned record up to date (``write=False``: only say what would change)."""
        report = SetupReport()
        if webhook_url and self.major < WEBHOOK_ACTIONS_SINCE_MAJOR:
            report.skipped.append(
                f"Odoo -> platform: skipped, Odoo {self.major} has no webhook actions (it needs Odoo "
                f"{WEBHOOK_ACTIONS_SINCE_MAJOR} or later); contact edits made in Odoo stay in Odoo"
            )
            webhook_url = None
        if webhook_url and not self._automation_installed(report, install=write):
            webhook_url = None
        if not self.has_mail:
            report.skipped.append(
                "the calls' chatter and their notes on contacts: skipped, Odoo has no mail (Discuss) module"
            )
        if self.has_crm:
            report.notes.append(f"CRM: each call links to its contact's open lead or opportunity; {self.crm_rules}")
        else:
            report.skipped.append(
                "the pipeline (calls linked to opportunities, leads and callbacks from calls): skipped, "
                "CRM is not installed"
            )
        owned = self.records(webhook_url)
        self.resolve.prefetch(item.xmlid for item in owned)
        for item in owned:
            change = self._ensure(item, write)
            if change is not None:
                report.changes.append(change)
        joined = self._join_integration_group(owned, write)
        if joined is not None:
            report.changes.append(joined)
        if write and report.changes:
            self._refresh_access()
        return report

    def uninstall(self, *, write: bool = True) -> SetupReport:
        """Remove every owned record, newest first; the call model takes its calls with it
        (``write=False``: only say what would be removed)."""
        report = SetupReport()
        owned = [*self.records(None), *automation_records("", 0)]
        present = self._present_models({item.model for item in owned})
        owned = [item for item in owned if item.model in present]  # base.automation may not be installed
        self.resolve.prefetch(item.xmlid for item in owned)
        found: dict[tuple[str, int], Owned] = {}
        for item in owned:  # a record listed twice (the model and its order) is removed once
            record_id = self._find(item, adopt=False)
            if record_id is not None:
                found.setdefault((item.model, record_id), item)
        for (model, record_id), item in reversed(found.items()):
            if write:
                with contextlib.suppress(NotFound):  # it went with the model it belonged to
                    self.odoo.call(model, "unlink", ids=[record_id])
            report.changes.append(Change("remove", item))
        if write:
            self._drop_xmlids([("name", "=like", f"{PREFIX}%")])
            self._drop_xmlids([("model", "=", CALL_MODEL)])
        return report

    def call_records(self) -> int:
        """How many call records Odoo holds (the ones uninstalling deletes)."""
        if not self._present_models({CALL_MODEL}):
            return 0
        return int(self.odoo.call(CALL_MODEL, "search_count", domain=[], context={"active_test": False}))

    def _present_models(self, models: set[str]) -> set[str]:
        rows = self.odoo.call("ir.model", "search_read", domain=[("model", "in", sorted(models))], fields=["model"])
        return {row["model"] for row in rows}

    # ------------------------------------------------------------ one record

    def _ensure(self, item: Owned, write: bool) -> Change | None:
        values = {k: self.resolve.value(v) for k, v in item.values.items()}
        record_id = self._find(item, adopt=write, values=values)
        if record_id is None:
            if write:
                record_id = self._create(item, values)
                if item.recomputed:
                    self._write(item, record_id, values, item.recomputed)
            return Change("create", item)
        compared = [k for k in values if k not in item.fixed]
        [current] = self.odoo.call(item.model, "read", ids=[record_id], fields=compared)
        differ = tuple(k for k in compared if not _same(values[k], current.get(k), k))
        if not differ:
            return None
        if write:
            self._write(item, record_id, values, (*differ, *item.recomputed))
        return Change("update", item, differ)

    def _write(self, item: Owned, record_id: int, values: dict[str, Any], names: Iterable[str]) -> None:
        self.odoo.call(item.model, "write", ids=[record_id], vals=_writable({k: values[k] for k in names}))

    def _find(self, item: Owned, *, adopt: bool, values: dict[str, Any] | None = None) -> int | None:
        """The record's id by external id, else by its identifying fields (then named, if ``adopt``)."""
        record_id = self.resolve.xmlid(item.xmlid)
        if record_id is not None:
            if self.odoo.call(item.model, "search", domain=[("id", "=", record_id)], context={"active_test": False}):
                return record_id
            self.resolve.forget(item.xmlid)  # deleted by hand: make it again
            self._drop_xmlids([("name", "=", item.xmlid.partition(".")[2])])
        if not item.find:
            return None
        values = values if values is not None else {k: self.resolve.value(v) for k, v in item.values.items()}
        if any(values[k] is None for k in item.find):
            return None
        found = self.odoo.call(
            item.model, "search", domain=[(k, "=", values[k]) for k in item.find], context={"active_test": False}
        )
        if not found:
            return None
        if adopt:
            self._name(item, found[0])
        return found[0]

    def _create(self, item: Owned, values: dict[str, Any]) -> int:
        missing = [k for k, v in values.items() if v is None]
        if missing:
            raise InvalidRequest(f"cannot create {item.title}: {', '.join(missing)} not found in Odoo", system="odoo")
        created = self.odoo.call(item.model, "create", vals_list=[_writable(values)])
        record_id = int(created[0] if isinstance(created, list) else created)
        self._name(item, record_id)
        return record_id

    def _name(self, item: Owned, record_id: int) -> None:
        module, _, name = item.xmlid.partition(".")
        self.odoo.call(
            "ir.model.data",
            "create",
            vals_list=[{"module": module, "name": name, "model": item.model, "res_id": record_id, "noupdate": True}],
        )
        self.resolve.remember(item.xmlid, item.model, record_id)

    def _drop_xmlids(self, domain: list[Any]) -> None:
        ids = self.odoo.call("ir.model.data", "search", domain=[("module", "=", XMLID_MODULE), *domain])
        if ids:
            self.odoo.call("ir.model.data", "unlink", ids=ids)

    def _join_integration_group(self, owned: list[Owned], write: bool) -> Change | None:
        """Put the integration user (the API key's) in the group that may write calls; nobody is
        taken out of it (administrators may add people)."""
        group = next((item for item in owned if item.xmlid == INTEGRATION_GROUP), None)
        if group is None:
            return None
        group_id = self.resolve.xmlid(INTEGRATION_GROUP)
        members = "user_ids" if self.major >= GROUP_USER_IDS_SINCE_MAJOR else "users"
        uid = self.odoo.uid()
        if group_id is not None:
            [row] = self.odoo.call("res.groups", "read", ids=[group_id], fields=[members])
            if uid in row[members]:
                return None
        if write:
            self.odoo.call("res.groups", "write", ids=[group_id], vals={members: [(4, uid)]})
        return Change("add the integration user to", group)

    def _refresh_access(self) -> None:
        """The no-op write that clears Odoo's cache of allowed models (see the module docstring)."""
        access = self.resolve.xmlid(f"{XMLID_MODULE}.{PREFIX}call_access")
        if access is not None:
            self.odoo.call("ir.model.access", "write", ids=[access], vals={"perm_read": True})

    # ------------------------------------------------------------ automation

    def _automation_installed(self, report: SetupReport, *, install: bool) -> bool:
        """Whether ``base_automation`` is installed; installs it when asked and allowed."""
        modules = self.odoo.call(
            "ir.module.module", "search_read", domain=[("name", "=", AUTOMATION_MODULE)], fields=["state"]
        )
        if not modules:
            report.notes.append(f"Odoo has no {AUTOMATION_MODULE} module: Odoo -> platform needs it")
            return False
        if modules[0]["state"] == "installed":
            return True
        if not install:
            report.notes.append(f"{AUTOMATION_MODULE} is not installed (bootstrap installs it)")
            return False
        self._install(modules[0]["id"])
        report.notes.append(f"installed {AUTOMATION_MODULE}")
        return True

    def _install(self, module_id: int) -> None:
        """Install a module; Odoo refuses while one of its scheduled jobs runs, so wait that out.

        Over JSON-2 the refusal says so; over JSON-RPC, Odoo 19 answers it with "current transaction
        is aborted" instead (its error reply reads the database after the failed row lock).
        """
        deadline = time.monotonic() + INSTALL_WAIT_SECONDS
        while True:
            try:
                self.odoo.call("ir.module.module", "button_immediate_install", ids=[module_id])
                return
            except FatalError as exc:
                busy = any(sign in exc.message for sign in INSTALL_BUSY_SIGNS)
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(5)


def bootstrap(odoo: OdooClient, webhook_url: str | None = None, crm_rules: str = "") -> SetupReport:
    return Bootstrap(odoo, crm_rules).run(webhook_url)
