"""An environment: one transaction's cursor, user, context and superuser flag, as Odoo's
``api.Environment``, plus what every environment of the transaction shares
(:class:`Transaction`: work to run just before and just after the commit).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .access import BUILTIN_DENIED, access_error, allowed_models, check_mode, groups_detail, groups_with_access
from .api import model_class
from .errors import AccessError
from .registry import Registry
from .schema import ADMIN_UID

if TYPE_CHECKING:
    from .orm import BaseModel
    from .store import Store
    from .webhooks import WebhookSender


@dataclass
class Transaction:
    """Odoo's ``cr.precommit``/``cr.postcommit`` callbacks and ``precommit.data``.

    ``postcommit`` survives a rollback to a savepoint, as in Odoo (``load`` rolls back to one
    when a row fails: what its rows queued is still sent after the commit).
    """

    webhooks: WebhookSender | None = None
    precommit: list[Callable[[], None]] = field(default_factory=list)
    postcommit: list[Callable[[], None]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def run_precommit(self) -> None:
        while self.precommit:
            self.precommit.pop(0)()

    def run_postcommit(self) -> None:
        while self.postcommit:
            self.postcommit.pop(0)()


class Env:
    """``su`` is Odoo's superuser mode: access rights are not checked (see :meth:`sudo`)."""

    def __init__(
        self,
        cr: sqlite3.Connection,
        store: Store,
        context: Mapping[str, Any] | None = None,
        su: bool = False,
        uid: int = ADMIN_UID,
        transaction: Transaction | None = None,
    ) -> None:
        self.cr = cr
        self.store = store
        self.uid = uid
        self.context = dict(context or {})
        self.su = su
        self.transaction = transaction or Transaction()

    @property
    def registry(self) -> Registry:
        return self.store.registry

    def __contains__(self, model: object) -> bool:
        return model in self.registry

    def __getitem__(self, model: str) -> BaseModel:
        return model_class(model)(self, self.registry[model], ())

    def _copy(self, **changes: Any) -> Env:
        values = {"context": self.context, "su": self.su, "uid": self.uid, **changes}
        return Env(self.cr, self.store, transaction=self.transaction, **values)

    def with_context(self, context: Mapping[str, Any]) -> Env:
        return self._copy(context={**self.context, **context})

    def sudo(self) -> Env:
        """The same transaction without access checks: for what Odoo runs as superuser (automation
        rules, chatter logs) and for the sandbox's own test hooks."""
        return self._copy(su=True)

    def user_partner_id(self) -> int | None:
        """``self.env.user.partner_id.id``."""
        row = self.cr.execute("SELECT partner_id FROM res_users WHERE id = ?", [self.uid]).fetchone()
        return int(row[0]) if row and row[0] else None

    # ------------------------------------------------------------ access rights

    def allowed_models(self, mode: str) -> frozenset[str]:
        """``ir.model.access._get_allowed_models(mode)`` through the store's cache."""
        check_mode(mode)
        return self.store.allowed.get(self.uid, mode, lambda: allowed_models(self.cr, self.uid, mode))

    def access_check(self, model: str, mode: str) -> bool:
        """``ir.model.access.check(model, mode, raise_exception=False)``: custom models need a
        granting row; built-in ones count as granted, except what the integration bot may not do."""
        if self.su:
            return True
        allowed = self.allowed_models(mode)
        if model in self.registry and self.registry[model].state != "manual":
            return (model, mode) not in BUILTIN_DENIED
        return model in allowed

    def access_error(self, model: str, mode: str) -> AccessError:
        """``ir.model.access._make_access_error``."""
        groups = [BUILTIN_DENIED[model, mode]] if (model, mode) in BUILTIN_DENIED else None
        detail = groups_detail(groups if groups is not None else groups_with_access(self.cr, model, mode))
        description = self.registry[model].description if model in self.registry else model
        return access_error(description, model, mode, detail)

    def clear_caches(self) -> None:
        """``registry.clear_cache()``: what empties the allowed-models cache."""
        self.store.allowed.clear()
