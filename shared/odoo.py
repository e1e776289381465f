"""Client of Odoo: JSON-2 (Odoo 19+) and JSON-RPC (Odoo 14-18) behind one ``call`` method.

Callers always pass named arguments (``ids`` for record methods), the JSON-2 way; the JSON-RPC
transport turns them into ``execute_kw(model, method, [ids], kwargs)``. Both transports share one
HTTP session and raise the same :mod:`shared.errors` classes.
"""

from __future__ import annotations

import itertools
from typing import Any, Protocol

import requests

from shared.errors import ApiError, AuthError, ConfigError, error_for_odoo, error_for_response
from shared.http import json_body, new_session, send
from shared.settings import Settings

SYSTEM = "odoo"
JSON2_SINCE_MAJOR = 19


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


class JsonRpcTransport:
    """``POST /jsonrpc`` ``object.execute_kw``; errors arrive as HTTP 200 with ``error.data.name``."""

    def __init__(self, url: str, session: requests.Session, db: str, user: str, api_key: str, timeout: float) -> None:
        self._url, self._session, self._timeout = url, session, timeout
        self._db, self._user, self._key = db, user, api_key
        self._uid: int | None = None
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
        if self._uid is None:
            uid = self.rpc("common", "authenticate", [self._db, self._user, self._key, {}])
            if not uid:
                raise AuthError("wrong login or API key", system=SYSTEM, name="odoo.exceptions.AccessDenied")
            self._uid = int(uid)
        return self._uid

    def execute(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        args = [] if ids is None else [ids]
        return self.rpc("object", "execute_kw", [self._db, self.uid(), self._key, model, method, args, kwargs])


def version_major(answer: dict[str, Any]) -> int:
    """The major version from ``/web/version``.

    Accepts both shapes Odoo has answered with (``version_info``/``version`` and
    ``common.version``'s ``server_version_info``/``server_version``); saas builds read like
    ``saas~18.4``, where the digits are what counts.
    """
    info = answer.get("version_info") or answer.get("server_version_info") or []
    if info and isinstance(info[0], int):
        return info[0]
    text = str((info[0] if info else "") or answer.get("version") or answer.get("server_version") or "")
    digits = text.split("~")[-1].split(".")[0]
    if not digits.isdigit():
        raise ConfigError(f"cannot read Odoo's version from {text!r}")
    return int(digits)


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
        self.protocol: str | None = None if protocol == "auto" else protocol

    @classmethod
    def from_settings(cls, settings: Settings) -> OdooClient:
        return cls(
            settings.odoo_url,
            settings.odoo_db,
            settings.odoo_user,
            settings.odoo_api_key,
            protocol=settings.odoo_protocol,
            timeout=settings.odoo_timeout,
        )

    def version(self) -> dict[str, Any]:
        response = send(
            self._session,
            "GET",
            f"{self.url}/web/version",
            system=SYSTEM,
            timeout=self._timeout,
            classify=_classify_http,
        )
        return json_body(response, system=SYSTEM)

    def transport(self) -> Transport:
        """The transport, chosen once: by setting, or by the server's version when ``auto``."""
        if self._transport is None:
            protocol = self.protocol or ("json2" if version_major(self.version()) >= JSON2_SINCE_MAJOR else "jsonrpc")
            self.protocol = protocol
            if protocol == "json2":
                self._transport = Json2Transport(self.url, self._session, self.db, self._api_key, self._timeout)
            else:
                self._transport = JsonRpcTransport(
                    self.url, self._session, self.db, self.user, self._api_key, self._timeout
                )
        return self._transport

    def call(self, model: str, method: str, *, ids: list[int] | None = None, **kwargs: Any) -> Any:
        """Call ``model.method`` with named arguments; raises :class:`shared.errors.ApiError`."""
        return self.transport().execute(model, method, ids, kwargs)

    def close(self) -> None:
        self._session.close()
