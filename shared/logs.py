"""Logs as JSON lines, with a correlation id that follows a change from webhook to Odoo record.

The receiver binds the ``webhook-id`` (or a new id) to the request and hands it to the task in a
message header; the worker binds it, with the task's id and name, for the task's whole run. Every
line then says which change it belongs to. A last formatter replaces any configured secret that
reaches a log line with ``***``: keys are never logged on purpose, and this catches accidents.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from shared.settings import Settings

CONTEXT: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "voicesync_log_context", default=MappingProxyType({})
)
# The message header that carries it to a task (Celery reserves ``correlation_id`` for itself).
CORRELATION_HEADER = "voicesync_correlation"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def new_correlation_id() -> str:
    return f"corr_{uuid.uuid4().hex[:16]}"


@contextmanager
def bound(**fields: str) -> Iterator[None]:
    """Add ``fields`` to every log line written inside the block (this thread or task only)."""
    token = CONTEXT.set({**CONTEXT.get(), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        CONTEXT.reset(token)


def correlation_id() -> str | None:
    return CONTEXT.get().get("correlation_id")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **CONTEXT.get(),
        }
        line |= {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class Redacting(logging.Formatter):
    """Wraps a formatter and replaces every configured secret in the finished line: the message,
    its ``extra`` fields, an exception's text, gunicorn's access line alike."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return line


def _url_password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


_SECRET_NAME = re.compile(r"SECRET|KEY|TOKEN|PASSWORD")


def _vendor_secrets(settings: Settings) -> list[str]:
    """The words of the vendor's own secret settings (``VAPI_WEBHOOK_SECRET`` may hold several)."""
    named = [text for name, text in settings.vendor_settings.items() if _SECRET_NAME.search(name)]
    return [word for text in named for word in text.split()]


def secrets_of(settings: Settings) -> list[str]:
    """Every secret the settings hold, the passwords inside the broker, Redis and database URLs too."""
    values = [
        settings.voice_api_key,
        settings.odoo_api_key,
        settings.odoo_webhook_token,
        settings.admin_token,
        settings.flower_basic_auth,
        settings.flower_basic_auth.partition(":")[2],
        *settings.voice_webhook_secrets,
        *_vendor_secrets(settings),
        *(_url_password(url) for url in (settings.broker_url, settings.redis_url, settings.database_url)),
    ]
    return [v for v in values if v]


# gunicorn's access line without the query string or referrer, where callers put what they please
# (``?token=...``); the path still holds the Odoo token, which redaction replaces.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'


def configure(settings: Settings, also: tuple[str, ...] = ()) -> None:
    """Route the root logger to stderr in the configured format, secrets redacted; the loggers
    named in ``also`` (which keep handlers of their own, as gunicorn's do) get redaction too."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        inner: logging.Formatter = JsonFormatter()
    else:
        inner = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    secrets = secrets_of(settings)
    handler.setFormatter(Redacting(inner, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in also:
        for own in logging.getLogger(name).handlers:
            own.setFormatter(Redacting(own.formatter or logging.Formatter(), secrets))
