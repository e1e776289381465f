"""The server side both protocols share: credentials, version, call counts, one transaction per
call (webhooks fired after commit), and Odoo's two argument conventions (``call_kw`` for
JSON-RPC, named arguments bound to the signature for JSON-2), plus the method reflection
``/doc-bearer/<model>.json`` serves.
"""

from __future__ import annotations

import hmac
import inspect
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from werkzeug.exceptions import UnprocessableEntity

from . import addons  # noqa: F401  (registers the model classes)
from .api import get_public_method, model_class
from .env import Env, Transaction
from .errors import AccessDenied, DatabaseMissing
from .orm import BaseModel
from .release import Release
from .schema import ADMIN_UID
from .store import Store
from .webhooks import WebhookSender


def version_info(version: str) -> dict[str, Any]:
    """``odoo.service.common.exp_version()`` for a version string such as ``"19.0"``."""
    major, _, rest = version.partition(".")
    minor = int("".join(c for c in rest if c.isdigit()) or 0)
    return {
        "server_version": version,
        "server_version_info": [int(major), minor, 0, "final", 0, ""],
        "server_serie": f"{int(major)}.{minor}",
        "protocol_version": 1,
    }


def web_version(version: str) -> dict[str, Any]:
    """``GET /web/version``'s body, as the ``rpc`` addon answers it from ``odoo.release``: not
    ``exp_version()``'s shape, which only JSON-RPC's ``common.version`` serves."""
    return {"version_info": version_info(version)["server_version_info"], "version": version}


class OdooServer:
    """One database, one integration user, its API key; counts every model call."""

    def __init__(
        self,
        store: Store,
        db: str,
        login: str,
        api_key: str,
        webhooks: WebhookSender,
    ) -> None:
        self.store = store
        self.db = db
        self.login_name = login
        self.api_key = api_key
        self.version = version_info(store.registry.release.version)
        self.web_version = web_version(store.registry.release.version)
        self.webhooks = webhooks
        self._counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()

    @property
    def release(self) -> Release:
        return self.store.registry.release

    # ------------------------------------------------------------ credentials

    def uid_for_key(self, key: str) -> int | None:
        """The user an API key belongs to (constant-time comparison)."""
        return ADMIN_UID if hmac.compare_digest(key.encode(), self.api_key.encode()) else None

    def open_database(self, db: str) -> None:
        """``Registry(db)``: a database that does not exist is PostgreSQL's refusal."""
        if db != self.db:
            raise DatabaseMissing(str(db))

    def uid_for_password(self, password: str, login: str | None = None, uid: int | None = None) -> int | None:
        """The active user other than the API key's whose password this is (found by login or
        by id): how a person, or a contract test's plain user, signs in over JSON-RPC."""
        with self.store.transaction(write=False) as cr:
            row = cr.execute(
                "SELECT id, password FROM res_users WHERE active AND id != ? AND (login = ? OR id = ?)",
                [ADMIN_UID, login, uid],
            ).fetchone()
        if row and row[1] and hmac.compare_digest(str(row[1]).encode(), password.encode()):
            return int(row[0])
        return None

    def login(self, db: str, login: str, password: str) -> int | bool:
        """``common.login``/``authenticate``: the uid, or False (the API key is the password of
        its user; other users have passwords)."""
        self.open_database(db)
        if login == self.login_name and self.uid_for_key(str(password)):
            return ADMIN_UID
        return self.uid_for_password(str(password), login=login) or False

    def check(self, db: str, uid: Any, password: str) -> None:
        """``model.dispatch``: no password is AccessDenied, then the database must exist, then
        ``_check_uid_passwd`` wants the uid and password to match."""
        if not password:
            raise AccessDenied()
        self.open_database(db)
        if int(uid) == ADMIN_UID and self.uid_for_key(str(password)):
            return
        if int(uid) == ADMIN_UID or self.uid_for_password(str(password), uid=int(uid)) != int(uid):
            raise AccessDenied()

    # ------------------------------------------------------------ calls

    def count(self, model: str, method: str) -> None:
        with self._counts_lock:
            self._counts[f"{model}.{method}"] += 1

    def call_counts(self) -> dict[str, int]:
        with self._counts_lock:
            return dict(self._counts)

    def reset_call_counts(self) -> None:
        with self._counts_lock:
            self._counts.clear()

    def has_model(self, model: str) -> bool:
        return model in self.store.registry

    @contextmanager
    def environment(self, write: bool, context: Mapping[str, Any] | None = None, uid: int = ADMIN_UID) -> Iterator[Env]:
        """One transaction, as Odoo's ``retrying`` runs it: precommit work (mail tracking), the
        commit, then postcommit work (webhook POSTs) in the caller's thread, before the answer."""
        transaction = Transaction(self.webhooks)
        with self.store.transaction(write) as cr:
            env = Env(cr, self.store, context, uid=uid, transaction=transaction)
            yield env
            transaction.run_precommit()
        transaction.run_postcommit()

    def run(
        self,
        model: str,
        method: str,
        context: Mapping[str, Any] | None,
        invoke: Callable[[BaseModel, Callable[..., Any]], Any],
        uid: int = ADMIN_UID,
    ) -> Any:
        """Resolve ``model.method`` and ``invoke(records, func)`` in a fitting transaction, as ``uid``."""
        func = get_public_method(model, method)
        with self.environment(not getattr(func, "_readonly", False), context, uid=uid) as env:
            return invoke(env[model], func)


def call_kw(records: BaseModel, func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``odoo.service.model.call_kw``: model methods take ``args`` as given, others take
    ``args[0]`` as ids. For ``create`` the answer is decided by ``args[0]`` alone (an id for a
    dict, ids otherwise), so a ``create`` with ``vals_list`` passed by name fails with
    ``IndexError`` after creating, and the transaction rolls the records back, as in Odoo."""
    if getattr(func, "_api_model", False):
        recs = records
    else:
        ids, args = args[0], args[1:]
        recs = records.browse(ids)
    result = func(recs, *args, **kwargs)
    if func.__name__ == "create":
        return result.ids[0] if isinstance(args[0], Mapping) else result.ids
    return result.ids if isinstance(result, BaseModel) else result


def call_json2(records: BaseModel, func: Callable[..., Any], ids: Any, kwargs: dict[str, Any]) -> Any:
    """``/json/2`` semantics: named arguments bound to the signature (422 when they do not
    fit), model methods refuse ``ids``, and any recordset result becomes its ids."""
    if getattr(func, "_api_model", False) and ids:
        model = records._model.name
        raise UnprocessableEntity(f"cannot call {model}.{func.__name__} with ids")
    records = records.browse(ids)
    try:
        inspect.signature(func).bind(records, **kwargs)
    except TypeError as exc:
        raise UnprocessableEntity(exc.args[0]) from exc
    result = func(records, **kwargs)
    return result.ids if isinstance(result, BaseModel) else result


def describe_methods(model: str) -> dict[str, dict[str, Any]]:
    """``/doc-bearer/<model>.json``'s ``methods``: parameters (in order) and api flags."""
    cls = model_class(model)
    methods = {}
    for name in dir(cls):
        func = getattr(cls, name)
        if name.startswith("_") or not getattr(func, "_public", False):
            continue
        signature = inspect.signature(func)
        params = list(signature.parameters.values())[1:]
        parameters = {}
        for param in params:
            entry: dict[str, Any] = {"name": param.name, "annotation": str(param.annotation)}
            if param.default is not inspect.Parameter.empty:
                entry["default"] = param.default
            parameters[param.name] = entry
        api = [
            flag for flag, attr in (("model", "_api_model"), ("readonly", "_readonly")) if getattr(func, attr, False)
        ]
        methods[name] = {
            "signature": str(signature.replace(parameters=params)),
            "parameters": parameters,
            "api": api,
            "model": model,
            "module": "base",
        }
    return methods
