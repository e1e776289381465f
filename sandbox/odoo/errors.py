"""The exceptions the sandbox raises, named and serialized exactly as Odoo names them.

Odoo turns any exception into ``{"name", "message", "arguments", "context", "debug"}`` where
``name`` is the exception's dotted class path (``odoo.exceptions.MissingError``,
``werkzeug.exceptions.NotFound``, ``builtins.ValueError``, ``psycopg2.errors.SerializationFailure``).
The classes below carry the module Odoo's own classes live in, so clients see the real names;
``http_status`` is the status Odoo 19's JSON-2 dispatcher answers for each ``UserError`` kind.
"""

from __future__ import annotations

import traceback
from typing import Any, ClassVar


class UserError(Exception):
    """Odoo's base class for errors the client caused (JSON-2: 422)."""

    odoo_module: ClassVar[str] = "odoo.exceptions"
    odoo_name: ClassVar[str | None] = None
    http_status: ClassVar[int] = 422


class ValidationError(UserError):
    """A constraint failed (missing required value, bad custom model name...)."""


class AccessDenied(UserError):
    """Wrong credentials."""

    http_status = 403

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class AccessError(UserError):
    """The user lacks the right for this operation."""

    http_status = 403


class MissingError(UserError):
    """The records do not exist (any more)."""

    http_status = 404


class ServerActionWithWarningsError(UserError):
    """A server action with warnings refuses to run (``ir.actions.server._run``)."""

    odoo_module = "odoo.addons.base.models.ir_actions"


class RequiredFieldMissing(ValidationError):
    """A NOT NULL violation, worded as Odoo words the IntegrityError it converts.

    ``load`` catches it to report the field the way its import messages do.
    """

    odoo_name = "ValidationError"

    def __init__(self, model_description: str, model: str, label: str, field: str) -> None:
        self.field = field
        self.label = label
        super().__init__(
            "The operation cannot be completed:\n"
            "- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted."
            " If possible, archive it instead.\n\n"
            f"Model: {model_description} ({model})\n"
            f"Field: {label} ({field})\n"
        )


class DatabaseMissing(Exception):
    """What opening an unknown database's registry raises in Odoo (PostgreSQL's refusal)."""

    odoo_module: ClassVar[str] = "psycopg2"
    odoo_name: ClassVar[str | None] = "OperationalError"

    def __init__(self, db: str) -> None:
        super().__init__(
            f'connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "{db}" does not exist\n'
        )


class SerializationFailure(Exception):
    """What Odoo re-raises once its retries on a concurrent update are exhausted."""

    odoo_module: ClassVar[str] = "psycopg2.errors"

    def __init__(self) -> None:
        super().__init__("could not serialize access due to concurrent update\n")


def qualified_name(exc: BaseException) -> str:
    """The dotted name Odoo reports for ``exc`` (``builtins.ValueError`` for built-ins)."""
    module = getattr(type(exc), "odoo_module", type(exc).__module__)
    return f"{module}.{getattr(type(exc), 'odoo_name', None) or type(exc).__name__}"


def serialize_exception(exc: BaseException, *, message: str | None = None, arguments: Any = None) -> dict[str, Any]:
    """Odoo's ``odoo.http.serialize_exception``: the error object of both protocols."""
    return {
        "name": qualified_name(exc),
        "message": "\n".join(str(arg) for arg in exc.args) if message is None else message,
        "arguments": list(exc.args if arguments is None else arguments),
        "context": getattr(exc, "context", {}),
        "debug": "".join(traceback.format_exception(exc)),
    }
