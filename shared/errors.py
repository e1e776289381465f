"""The one exception tree of voicesync, and the one place that classifies failures.

::

    VoicesyncError
    ├── ConfigError                 settings missing or invalid; fix and restart
    ├── InvalidInput                an operator's request is not valid (also a ValueError)
    ├── ApiError                    an outside system refused or failed (status_code, retryable, retry_after)
    │   ├── RetryableError          worth trying again: timeouts, connection errors, 429, 5xx, Odoo conflicts
    │   │   └── RateLimited         429; ``retry_after`` says when
    │   └── FatalError              trying again cannot help
    │       ├── AuthError           401/403, wrong Odoo credentials
    │       ├── NotFound            404, missing record
    │       └── InvalidRequest      400/422, Odoo validation errors
    ├── DataError                   a record the mapper cannot turn into Odoo values
    └── LockBusy                    another worker holds the lock

Messages never contain keys or tokens: they are built from status codes, error names and the
server's own message, never from request headers.

Every error the ``error_for_*`` functions classify is shown to the observers registered with
:func:`observe` (worker processes count them by system and class: :mod:`shared.metrics`), so
errors are counted here, once, rather than by each caller.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests


class VoicesyncError(Exception):
    """Root of every error voicesync raises on purpose."""


class ConfigError(VoicesyncError):
    """A setting is missing or invalid."""


class InvalidInput(VoicesyncError, ValueError):
    """What an operator asked for is not valid (an unknown entity, a malformed instant)."""


class DataError(VoicesyncError):
    """A platform record cannot be mapped; retrying the same data cannot help."""


class LockBusy(VoicesyncError):
    """Another process holds the lock; the caller says so and stops."""


class ApiError(VoicesyncError):
    """An outside system answered with an error or could not be reached."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
        system: str = "",
        name: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retry_after = retry_after
        self.system = system
        self.name = name

    def __str__(self) -> str:
        where = f"{self.system} " if self.system else ""
        status = f"HTTP {self.status_code}: " if self.status_code else ""
        return f"{where}{status}{self.message}"

    def __reduce__(self) -> tuple[object, ...]:
        """Keep keyword arguments across pickling (Celery result backends, subprocesses)."""
        return (
            _rebuild,
            (type(self), self.message, self.status_code, self.retry_after, self.system, self.name),
        )


def _rebuild(
    cls: type[ApiError], message: str, status: int | None, after: float | None, system: str, name: str
) -> ApiError:
    return cls(message, status_code=status, retry_after=after, system=system, name=name)


class RetryableError(ApiError):
    """A failure that can succeed later."""

    retryable = True


class RateLimited(RetryableError):
    """HTTP 429: the system asks us to slow down for ``retry_after`` seconds."""


class FatalError(ApiError):
    """A failure that will not succeed by trying again."""


class AuthError(FatalError):
    """Credentials refused (401/403, Odoo AccessDenied)."""


class NotFound(FatalError):
    """The record does not exist (404, Odoo MissingError)."""


class InvalidRequest(FatalError):
    """The request itself is wrong (400/422, Odoo validation)."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


Observer = Callable[["ApiError"], None]
_observers: list[Observer] = []


def observe(observer: Observer) -> None:
    """Show every error classified from now on to ``observer`` (once, however often registered).
    An observer must not raise: it runs inside the classification of a failure."""
    if observer not in _observers:
        _observers.append(observer)


def _classified(error: ApiError) -> ApiError:
    for observer in _observers:
        observer(error)
    return error


_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidRequest,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: RetryableError,
    422: InvalidRequest,
    429: RateLimited,
}


def error_for_status(
    status: int, message: str, *, retry_after: float | None = None, system: str = "", name: str = ""
) -> ApiError:
    """Classify an HTTP error answer: the single table of what is retryable."""
    cls = _class_for_status(status)
    return _classified(cls(message, status_code=status, retry_after=retry_after, system=system, name=name))


def _class_for_status(status: int) -> type[ApiError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500 or status == 408:
        return RetryableError
    return FatalError


def error_for_response(response: requests.Response, message: str, *, system: str, name: str = "") -> ApiError:
    """Classify an HTTP answer, honouring its ``Retry-After`` header."""
    return error_for_status(
        response.status_code,
        message,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        system=system,
        name=name,
    )


def error_for_transport(exc: requests.RequestException, *, system: str, where: str) -> ApiError:
    """Timeouts and connection failures are retryable; anything else in requests is not. ``where``
    (scheme, host and port) names the address tried: the setting that gave it may be wrong."""
    if isinstance(exc, requests.Timeout):
        return _classified(RetryableError(f"timed out waiting for {where}", system=system, name="timeout"))
    if isinstance(exc, requests.ConnectionError):
        return _classified(RetryableError(f"could not connect to {where}", system=system, name="connection"))
    return _classified(FatalError(f"{type(exc).__name__} at {where}", system=system, name="transport"))


_RETRYABLE_ODOO_NAMES = ("SerializationFailure", "TransactionRollbackError", "OperationalError", "InterfaceError")
_ODOO_NAMES: dict[str, type[ApiError]] = {
    "odoo.exceptions.AccessDenied": AuthError,
    "odoo.http.SessionExpiredException": AuthError,
    "odoo.exceptions.AccessError": AuthError,
    "odoo.exceptions.MissingError": NotFound,
    "odoo.exceptions.ValidationError": InvalidRequest,
    "odoo.exceptions.UserError": InvalidRequest,
    "builtins.ValueError": InvalidRequest,
    "builtins.KeyError": InvalidRequest,
    "builtins.TypeError": InvalidRequest,
}


# What a row of ``load`` says when another transaction changed what it touched (Odoo catches the
# database's error per row and answers it as a message, so it never reaches Odoo's own retry).
_CONCURRENT_UPDATE_SIGNS = ("could not serialize access", "deadlock detected", "could not obtain lock")


def error_for_load(what: str, messages: list[dict[str, Any]]) -> ApiError:
    """A refused ``load``: retryable when its rows met a concurrent update, else invalid."""
    text = "; ".join(str(message.get("message")) for message in messages) or "refused by Odoo"
    if any(sign in text for sign in _CONCURRENT_UPDATE_SIGNS):
        return _classified(RetryableError(f"{what}: {text}", system="odoo", name="SerializationFailure"))
    return _classified(InvalidRequest(f"{what}: {text}", system="odoo", name="LoadRefused"))


def error_for_odoo(name: str, message: str, *, status: int | None = None) -> ApiError:
    """Classify an Odoo error envelope by its exception name (JSON-RPC hides the status).

    A concurrent-update failure is retryable: Odoo already retried it internally and gave up, and
    a later attempt usually succeeds. A connection failure to a database that does not exist (a
    wrong ``ODOO_DB`` over JSON-RPC) is not: it is the same ``OperationalError`` by name.
    """
    if name.endswith("OperationalError") and "does not exist" in message:
        return _classified(NotFound("the database does not exist", status_code=status, system="odoo", name=name))
    if any(part in name for part in _RETRYABLE_ODOO_NAMES):
        cls: type[ApiError] = RetryableError
    elif name in _ODOO_NAMES:
        cls = _ODOO_NAMES[name]
    elif status is not None:
        cls = _class_for_status(status)
    else:
        cls = FatalError
    return _classified(cls(message, status_code=status, system="odoo", name=name))
