"""The HTTP face: the routes real Odoo serves for its external APIs, with its envelopes and
statuses, plus the ``/_sandbox/*`` control routes.

- ``GET /web/version`` (and ``/json/version``, Odoo 19+ only): ``{"version_info", "version"}``
  from ``odoo.release``; JSON-RPC ``/web/webclient/version_info``: ``common.exp_version()``.
- ``POST /jsonrpc``: services ``common``, ``db``, ``object``; errors are HTTP 200 with
  ``{"error": {"code", "message": "Odoo Server Error", "data": serialize_exception(exc)}}``
  (code 200 up to Odoo 18, 0 from 19 on, as ``odoo/http.py`` has it).
- ``POST /json/2/<model>/<method>`` and ``GET /doc-bearer/<model>.json`` (Odoo 19+ only):
  bearer API key, named arguments; errors are the bare serialized exception with the status
  Odoo's ``Json2Dispatcher`` gives it (``UserError.http_status``, an HTTP exception's code,
  else 500).

Faults hit model calls only: the proxy kinds (429, 502, timeout then 504) answer as a reverse
proxy in front of Odoo would, before Odoo sees the call; ``conflict`` answers Odoo's
serialization failure once the call is resolved. A faulted call writes nothing.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, Unauthorized
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..faults import FaultInjector
from .api import get_public_method
from .errors import SerializationFailure, UserError, serialize_exception
from .schema import ADMIN_UID
from .service import OdooServer, call_json2, call_kw, describe_methods
from .webhooks import WebhookSender

BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)


class ProxyFault(Exception):
    """An answer that is not Odoo's JSON: the (simulated) reverse proxy's, or the server-wide 404."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(data: Any, status: int = 200, headers: Any = None) -> Response:
    return Response(json.dumps(data, default=str), status=status, headers=headers, mimetype="application/json")


def proxy_page(status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
    """The HTML error page nginx serves in front of Odoo."""
    title = f"{status} {reason}"
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return Response(body, status=status, headers=headers, mimetype="text/html")


def no_database_page() -> Response:
    """What Odoo answers when the request selects no database it has: the server-wide 404."""
    body = (
        "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
        "<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n"
        "<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n"
        "<!-- Alternatively, use the X-Odoo-Database header. -->\n"
    )
    return Response(body, status=404, content_type="text/html; charset=utf-8")


def json2_error(exc: Exception) -> Response:
    """``Json2Dispatcher.handle_error``."""
    if isinstance(exc, UserError):
        return json_response(serialize_exception(exc), exc.http_status)
    if isinstance(exc, HTTPException):
        body = serialize_exception(exc, message=exc.description, arguments=(exc.description, exc.code))
        return json_response(body, exc.code or 500, exc.get_headers()[1:])
    return json_response(serialize_exception(exc), 500)


class OdooApp:
    """The WSGI application."""

    def __init__(self, server: OdooServer, injector: FaultInjector, webhooks: WebhookSender) -> None:
        self.server = server
        self.injector = injector
        self.webhooks = webhooks
        self.rpc_error_code = server.release.rpc_error_code
        rules = [
            Rule("/web/webclient/version_info", endpoint="version_info", methods=["POST"]),
            Rule("/jsonrpc", endpoint="jsonrpc", methods=["POST"]),
            Rule("/_sandbox/faults", endpoint="faults", methods=["GET", "PUT"]),
            Rule("/_sandbox/calls", endpoint="calls", methods=["GET", "DELETE"]),
            Rule("/_sandbox/webhooks", endpoint="webhooks", methods=["GET", "PUT"]),
            Rule("/_sandbox/webhook-deliveries", endpoint="deliveries", methods=["GET"]),
        ]
        if server.release.web_version:
            rules += [Rule("/web/version", endpoint="version"), Rule("/json/version", endpoint="version")]
        if server.release.json2:
            rules += [
                Rule("/json/2/<model>/<method>", endpoint="json2", methods=["POST"]),
                Rule("/json/2", endpoint="json2_help"),
                Rule("/json/2/<path:subpath>", endpoint="json2_help"),
                Rule("/doc-bearer/<model>.json", endpoint="doc", methods=["GET"]),
            ]
        self.url_map = Map(rules, strict_slashes=False)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **args)
        except HTTPException as exc:
            response = exc
        return response(environ, start_response)

    # ------------------------------------------------------------ shared

    def _model_call(self, model: str, method: str, arguments: str) -> bool:
        """Count the call, add the latency, play proxy faults; True means "conflict".

        ``arguments`` (the call's arguments as text) makes the call's faults repeatable."""
        self.server.count(model, method)
        self.injector.delay()
        settings, kind = self.injector.settings, self.injector.roll(f"{model}.{method} {arguments}")
        if kind == "429":
            raise ProxyFault(proxy_page(429, "Too Many Requests", {"Retry-After": str(settings.retry_after)}))
        if kind == "5xx":
            raise ProxyFault(proxy_page(502, "Bad Gateway"))
        if kind == "timeout":
            time.sleep(settings.timeout_seconds)
            raise ProxyFault(proxy_page(504, "Gateway Time-out"))
        return kind == "conflict"

    def _run(
        self, model: str, method: str, context: Any, conflict: bool, invoke: Callable[..., Any], uid: int = ADMIN_UID
    ) -> Any:
        get_public_method(model, method)
        if conflict:
            raise SerializationFailure()
        return self.server.run(model, method, context or {}, invoke, uid=uid)

    # ------------------------------------------------------------ version

    def on_version(self, request: Request) -> Response:
        """``request.make_json_response``: its content type names the charset."""
        response = json_response(self.server.web_version)
        response.content_type = "application/json; charset=utf-8"
        return response

    def on_version_info(self, request: Request) -> Response:
        return self._jsonrpc(request, lambda: self.server.version)

    # ------------------------------------------------------------ JSON-RPC

    def on_jsonrpc(self, request: Request) -> Response:
        return self._jsonrpc(request, self._dispatch_rpc)

    def _jsonrpc(self, request: Request, handler: Callable[..., Any]) -> Response:
        try:
            payload = json.loads(request.get_data())
            request_id, params = payload.get("id"), payload.get("params") or {}
        except ValueError:
            return Response("Invalid JSON data", status=400)
        except AttributeError:
            return Response("Invalid JSON-RPC data", status=400)
        try:
            result = handler(**params)
        except ProxyFault as fault:
            return fault.response
        except Exception as exc:
            error = {"code": self.rpc_error_code, "message": "Odoo Server Error", "data": serialize_exception(exc)}
            return json_response({"jsonrpc": "2.0", "id": request_id, "error": error})
        return json_response({"jsonrpc": "2.0", "id": request_id, "result": result})

    def _dispatch_rpc(self, service: str, method: str, args: list[Any]) -> Any:
        """``odoo.http.dispatch_rpc`` over the three services."""
        server, args = self.server, list(args)
        if service == "common":
            common: dict[str, Callable[..., Any]] = {
                "version": lambda: server.version,
                "login": server.login,
                "authenticate": lambda db, login, password, _user_agent_env=None: server.login(db, login, password),
                "about": lambda extended=False: (
                    ["See http://openerp.com", server.version["server_version"]]
                    if extended
                    else "See http://openerp.com"
                ),
            }
            if method not in common:
                raise Exception(f"Method not found: {method}")
            return common[method](*args)
        if service == "db":
            if method == "list":
                return [server.db]
            if method == "server_version":
                return server.version["server_version"]
            raise Exception(f"Method not found: {method}")
        if service == "object":
            if method == "execute_kw":
                return self._execute_kw(*args)
            if method == "execute":
                return self._execute_kw(*args[:5], args[5:], {})
            raise NameError(f"Method not available {method}")
        raise KeyError(service)

    def _execute_kw(
        self,
        db: str,
        uid: int,
        password: str,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        conflict = self._model_call(model, method, json.dumps([args, kwargs], sort_keys=True, default=str))
        self.server.check(db, uid, password)
        kwargs = dict(kwargs or {})
        context = kwargs.pop("context", None)
        if not self.server.has_model(model):
            raise UserError(f"Object {model} doesn't exist")
        return self._run(
            model,
            method,
            context,
            conflict,
            lambda records, func: call_kw(records, func, list(args), kwargs),
            uid=int(uid),
        )

    # ------------------------------------------------------------ JSON-2

    def _authenticate(self, request: Request) -> None:
        """The database header, then ``ir.http._auth_method_bearer``."""
        database = request.headers.get("X-Odoo-Database")
        if database and database != self.server.db:
            raise ProxyFault(no_database_page())
        match = BEARER.match(request.headers.get("Authorization", ""))
        if not match:
            raise Unauthorized(
                "User not authenticated, use an API Key with a Bearer Authorization header.",
                www_authenticate=WWWAuthenticate("bearer"),
            )
        if not self.server.uid_for_key(match.group(1).strip()):
            raise Unauthorized("Invalid apikey", www_authenticate=WWWAuthenticate("bearer"))

    @staticmethod
    def _json2_params(request: Request) -> dict[str, Any]:
        if not request.content_length:
            return {}
        try:
            data = json.loads(request.get_data())
        except ValueError as exc:
            raise BadRequest(f"could not parse the body as json: {exc.args[0]}") from exc
        return dict(data) if isinstance(data, dict) else {}

    def on_json2(self, request: Request, model: str, method: str) -> Response:
        try:
            conflict = self._model_call(model, method, request.get_data(as_text=True))
            self._authenticate(request)
            params = self._json2_params(request)
            ids, context = params.pop("ids", ()) or (), params.pop("context", None)
            if not self.server.has_model(model):
                raise NotFound(f"the model {model!r} does not exist")
            try:
                get_public_method(model, method)
            except AttributeError as exc:
                raise NotFound(exc.args[0]) from exc
            result = self._run(
                model, method, context, conflict, lambda records, func: call_json2(records, func, ids, params)
            )
        except ProxyFault as fault:
            return fault.response
        except Exception as exc:
            return json2_error(exc)
        return json_response(result)

    def on_json2_help(self, request: Request, subpath: str | None = None) -> Response:
        return json2_error(NotFound("Did you mean POST /json/2/<model>/<method>?"))

    def on_doc(self, request: Request, model: str) -> Response:
        try:
            self._authenticate(request)
        except ProxyFault as fault:
            return fault.response
        except Exception as exc:
            return json2_error(exc)
        try:
            if not self.server.has_model(model):
                raise NotFound()
            with self.server.environment(write=False) as env:
                records = env[model]
                fields = {
                    name: {**info, "module": None if info["manual"] else "base"}
                    for name, info in records.fields_get().items()
                }
            return json_response(
                {
                    "model": model,
                    "name": records._model.description,
                    "doc": None,
                    "fields": fields,
                    "methods": describe_methods(model),
                }
            )
        except Exception as exc:
            return json2_error(exc)

    # ------------------------------------------------------------ sandbox control

    def on_faults(self, request: Request) -> Response:
        if request.method == "PUT":
            try:
                self.injector.settings.update(request.get_json(force=True) or {})
            except (ValueError, TypeError) as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response(self.injector.settings.as_dict())

    def on_calls(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.server.reset_call_counts()
            return Response(status=204)
        return json_response(self.server.call_counts())

    def on_webhooks(self, request: Request) -> Response:
        if request.method == "PUT":
            try:
                self.webhooks.configure(request.get_json(force=True) or [])
            except (ValueError, TypeError) as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response([hook.as_dict() for hook in self.webhooks.hooks])

    def on_deliveries(self, request: Request) -> Response:
        return json_response(self.webhooks.deliveries())
