"""Client of Odoo: JSON-2 (Odoo 19+) and JSON-RPC (every version) behind one ``call`` method.

Callers always pass named arguments (``ids`` for record methods), the JSON-2 way. The JSON-RPC
transport turns them into ``execute_kw(model, method, args, kwargs)`` the way Odoo's
``odoo/service/model.py`` reads them: ids first for record methods, then the method's leading
parameters positionally (``create`` reads ``args[0]`` to choose its answer, so a named
``vals_list`` fails inside Odoo), the rest by name. Both transports share one HTTP session and
raise the same :mod:`shared.errors` classes.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from typing import Any, Protocol

import requests

from shared.errors import ApiError, AuthError, ConfigError, NotFound, error_for_odoo, error_for_response
from shared.http import json_body, new_session, send
from shared.settings import Settings

SYSTEM = "odoo"
JSON2_SINCE_MAJOR = 19
# The context Odoo integrations give bulk writes: no field tracking, no "created" message in the
# chatter, no auto-follow by the integration user (each would be a mail.message or follower row
# per record, written inside voicesync's own request).
QUIET_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
}
# Merged over QUIET_CONTEXT for the updates of a model whose changes people follow on its chatter
# (a call's summary arriving): Odoo tracks the changed tracked fields in one logged note per
# record, which notifies nobody. Creations stay wholly quiet.
TRACKED_CONTEXT = {"tracking_disable": False, "mail_notrack": False}
# The parameters that lead each method's signature in Odoo, in order: JSON-RPC sends them
# positionally, as ``execute_kw`` callers must (``create`` looks at ``args[0]``).
POSITIONAL: dict[str, tuple[str, ...]] = {
    "create": ("vals_list",),
    "write": ("vals",),
    "load": ("fields", "data"),
    "search": ("domain",),
    "search_count": ("domain",),
    "search_read": ("domain", "fields"),
    "read": ("fields",),
    "has_access": ("operation",),
    "check": ("model", "mode"),
}


def _classify_http(response: requests.Response) -> ApiError:
    """JSON-2 errors are ``{"name", "message", ...}``, classified by Odoo's exception name; a
    proxy's 502 page or a 429 is not JSON and is classified by its status."""
    try:
        body = response.json()
        name, message = str(body.get("name") or ""), str(body.get("message") or response.reason)
    except (ValueError, AttributeError):
        return error_for_response(response, response.reason or "error", system=SYSTEM)
    if response.status_code == 429:
        return error_for_response(response, message, system=SYSTEM, name=name)
    return error_for_odoo(name, message, status=response.status_code)


class Transport(Protocol):
    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any: ...


class Json2Transport:
    """``POST /json/2/<model>/<method>`` with a bearer API key and the database header."""

    def __init__(self, url: str, session: requests.Session, db: str, api_key: str, timeout: float) -> None:
        self._url, self._session, self._timeout = url, session, timeout
        self._headers = {"Authorization": f"bearer {api_key}", "X-Odoo-Database": db}

    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        body = dict(kwargs) if ids is None else {"ids": ids, **kwargs}
        response = send(
            self._session,
            "POST",
            f"{self._url}/json/2/{model}/{method}",
            system=SYSTEM,
            timeout=self._timeout,
            classify=_classify_http,
            json=body,
            headers=self._headers,
        )
        return json_body(response, system=SYSTEM)


def execute_kw_args(method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Named arguments as ``execute_kw``'s ``(args, kwargs)``: ids, then the leading parameters
    up to the first one not given, positionally; everything else by name."""
    args: list[Any] = [] if ids is None else [ids]
    rest = dict(kwargs)
    for name in POSITIONAL.get(method, ()):
        if name not in rest:
            break
        args.append(rest.pop(name))
    return args, rest


# One uid per process and credentials: authenticating checks the API key's hash, which costs
# Odoo most of a second of CPU, so it is done once, not once per client.
_UIDS: dict[tuple[str, str, str, str], int] = {}
_UIDS_LOCK = threading.Lock()


class JsonRpcTransport:
    """``POST /jsonrpc`` ``object.execute_kw``; errors arrive as HTTP 200 with ``error.data.name``."""

    def __init__(self, url: str, session: requests.Session, db: str, user: str, api_key: str, timeout: float) -> None:
        self._url, self._session, self._timeout = url, session, timeout
        self._db, self._user, self._key = db, user, api_key
        self._uid_key = (url, db, user, hashlib.sha256(api_key.encode()).hexdigest())
        self._ids = itertools.count(1)

    def rpc(self, service: str, method: str, args: list[Any]) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(self._ids),
        }
        response = send(
            self._session,
            "POST",
            f"{self._url}/jsonrpc",
            system=SYSTEM,
            timeout=self._timeout,
            classify=_classify_http,
            json=payload,
        )
        body = json_body(response, system=SYSTEM)
        if body.get("error"):
            data = body["error"].get("data") or {}
            message = data.get("message") or body["error"].get("message") or "Odoo error"
            raise error_for_odoo(str(data.get("name") or ""), str(message))
        return body.get("result")

    def uid(self) -> int:
        """The user id for these credentials, authenticated once per process."""
        with _UIDS_LOCK:
            known = _UIDS.get(self._uid_key)
        if known is not None:
            return known
        uid = self.rpc("common", "authenticate", [self._db, self._user, self._key, {}])
        if not uid:
            raise AuthError("wrong login or API key", system=SYSTEM, name="odoo.exceptions.AccessDenied")
        with _UIDS_LOCK:
            _UIDS[self._uid_key] = int(uid)
        return int(uid)

    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        args, rest = execute_kw_args(method, ids, kwargs)
        return self.rpc("object", "execute_kw", [self._db, self.uid(), self._key, model, method, args, rest])


def version_major(answer: dict[str, Any]) -> int:
    """The major version from ``/web/version`` or ``common.version``.

    Accepts both shapes Odoo answers with (``version_info``/``version`` and ``common.version``'s
    ``server_version_info``/``server_version``); saas builds read like ``saas~18.4``, where the
    digits are what counts.
    """
    info = answer.get("version_info") or answer.get("server_version_info") or []
    if info and isinstance(info[0], int):
        return info[0]
    text = str((info[0] if info else "") or answer.get("version") or answer.get("server_version") or "")
    digits = text.split("~")[-1].split(".")[0]
    if not digits.isdigit():
        raise ConfigError(f"cannot read Odoo's version from {text!r}")
    return int(digits)


def web_version_shape(answer: dict[str, Any]) -> dict[str, Any]:
    """``common.version``'s answer in ``/web/version``'s shape (``version_info``, ``version``)."""
    if "version_info" in answer:
        return answer
    return {"version_info": answer.get("server_version_info") or [], "version": answer.get("server_version") or ""}


def writing(settings: Settings) -> None:
    """ConfigError unless voicesync can sign in to Odoo: its API key. Checked as a worker starts,
    since without it every task would fail on its first Odoo call."""
    if not settings.odoo_api_key:
        raise ConfigError("setting ODOO_API_KEY is required to write to Odoo (an API key of ODOO_USER)")
    _require_url(settings)


def _require_url(settings: Settings) -> None:
    if not settings.odoo_url:
        raise ConfigError("setting ODOO_URL is required: your Odoo's base URL, such as https://mycompany.odoo.com")


class OdooClient:
    """Calls Odoo model methods with named arguments over the protocol the server speaks."""

    def __init__(
        self, url: str, db: str, user: str, api_key: str, *, protocol: str = "auto", timeout: float = 30.0
    ) -> None:
        self.url = url.rstrip("/")
        self.db, self.user = db, user
        self._api_key = api_key
        self._timeout = timeout
        self._session = new_session({"Accept": "application/json"})
        self._requested_protocol = protocol
        self._transport: Transport | None = None
        self._uid: int | None = None
        self._version: dict[str, Any] | None = None
        self._fields: dict[str, frozenset[str]] = {}
        self.protocol: str | None = None if protocol == "auto" else protocol

    @classmethod
    def from_settings(cls, settings: Settings) -> OdooClient:
        _require_url(settings)
        return cls(
            settings.odoo_url,
            settings.odoo_db,
            settings.odoo_user,
            settings.odoo_api_key,
            protocol=settings.odoo_protocol,
            timeout=settings.odoo_timeout,
        )

    def version(self) -> dict[str, Any]:
        """The server's version in ``/web/version``'s shape, asked once.

        ``GET /web/version`` exists from Odoo 19 on; older servers answer it with a 404, and
        ``common.version`` over ``/jsonrpc``, which every version serves, answers instead. The
        database header matters: an Odoo serving several databases answers ``/web/version`` only
        with one chosen (else it redirects to its selector).
        """
        if self._version is None:
            try:
                response = send(
                    self._session,
                    "GET",
                    f"{self.url}/web/version",
                    system=SYSTEM,
                    timeout=self._timeout,
                    classify=_classify_http,
                    headers={"X-Odoo-Database": self.db},
                )
                self._version = json_body(response, system=SYSTEM)
            except NotFound:
                self._version = web_version_shape(self._jsonrpc().rpc("common", "version", []))
        return self._version

    def _jsonrpc(self) -> JsonRpcTransport:
        return JsonRpcTransport(self.url, self._session, self.db, self.user, self._api_key, self._timeout)

    def transport(self) -> Transport:
        """The transport, chosen once: by setting, or by the server's version when ``auto``.

        JSON-2 asked of an Odoo before 19 is refused here, before any model call could fail on it.
        """
        if self._transport is None:
            if self.protocol == "jsonrpc":
                self._transport = self._jsonrpc()
                return self._transport
            json2 = version_major(self.version()) >= JSON2_SINCE_MAJOR
            if self.protocol == "json2" and not json2:
                raise ConfigError(
                    f"ODOO_PROTOCOL=json2 needs Odoo {JSON2_SINCE_MAJOR} or later, and {self.url} runs Odoo "
                    f"{self.version().get('version') or '?'}: set ODOO_PROTOCOL=auto (or jsonrpc)"
                )
            self.protocol = "json2" if json2 else "jsonrpc"
            self._transport = (
                Json2Transport(self.url, self._session, self.db, self._api_key, self._timeout)
                if json2
                else self._jsonrpc()
            )
        return self._transport

    def call(self, model: str, method: str, /, *, ids: list[int] | None = None, **kwargs: Any) -> Any:
        """Call ``model.method`` with named arguments; raises :class:`shared.errors.ApiError`."""
        return self.transport().execute(model, method, ids, kwargs)

    def write_quietly(self, model: str, method: str, /, *, ids: list[int] | None = None, **kwargs: Any) -> Any:
        """A bulk write: ``call`` with :data:`QUIET_CONTEXT` merged into the call's context."""
        context = {**QUIET_CONTEXT, **kwargs.pop("context", {})}
        return self.call(model, method, ids=ids, context=context, **kwargs)

    def fields_of(self, model: str) -> frozenset[str]:
        """The model's field names, asked once per client: Odoo's versions differ in what a model
        has (``utm.campaign`` can be archived only from Odoo 17 on)."""
        if model not in self._fields:
            self._fields[model] = frozenset(self.call(model, "fields_get", attributes=["type"]))
        return self._fields[model]

    def uid(self) -> int:
        """The id of the user the key belongs to, as Odoo reports it (``res.users.context_get``)."""
        if self._uid is None:
            self._uid = int(self.call("res.users", "context_get")["uid"])
        return self._uid

    def close(self) -> None:
        self._session.close()
