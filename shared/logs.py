"""Logs as JSON lines, with a correlation id that follows a change from webhook to Odoo record.

The receiver binds the ``webhook-id`` (or a new id) to the request and hands it to the task in a
message header; the worker binds it, with the task's id and name, for the task's whole run. Every
line then says which change it belongs to. A last filter replaces any configured secret that
reaches a log line with ``***``: keys are never logged on purpose, and this catches accidents.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

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


class RedactSecrets(logging.Filter):
    """Replace configured secrets in the final line, whatever path brought them there."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted((s for s in secrets if len(s) >= 6), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def secrets_of(settings: Settings) -> list[str]:
    values = [
        settings.voice_api_key,
        settings.odoo_api_key,
        settings.odoo_webhook_token,
        settings.admin_token,
        settings.flower_basic_auth,
        *settings.voice_webhook_secrets,
    ]
    return [v for v in values if v]


def configure(settings: Settings) -> None:
    """Route the root logger to stderr in the configured format, secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
