"""Odoo's method decorators and the model-name → recordset-class table.

Public methods keep Odoo's names, signatures and decorators (``@api.model`` is
:func:`api_model`), because both protocols derive their argument handling from them, as Odoo
does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import AccessError

if TYPE_CHECKING:
    from .orm import BaseModel

Func = TypeVar("Func", bound=Callable[..., Any])
MODEL_CLASSES: dict[str, type[BaseModel]] = {}


def public(func: Func) -> Func:
    """Expose a method to RPC (everything else is unreachable, like Odoo's private methods)."""
    func._public = True  # type: ignore[attr-defined]
    return func


def api_model(func: Func) -> Func:
    """Odoo's ``@api.model``: called on the model, never with ``ids``."""
    func._api_model = True  # type: ignore[attr-defined]
    return func


def readonly(func: Func) -> Func:
    """Odoo's ``@api.readonly``: safe on a read-only transaction."""
    func._readonly = True  # type: ignore[attr-defined]
    return func


def register(cls: type[BaseModel]) -> type[BaseModel]:
    """Class decorator binding a model name to its recordset class."""
    MODEL_CLASSES[str(cls._name)] = cls
    return cls


def model_class(model: str) -> type[BaseModel]:
    """The recordset class of ``model`` (a subclass for models with their own behaviour)."""
    from .orm import BaseModel

    return MODEL_CLASSES.get(model, BaseModel)


def get_public_method(model: str, name: str) -> Callable[..., Any]:
    """Odoo's ``odoo.service.model.get_public_method``, with its error texts."""
    if name.startswith("_"):
        raise AccessError(f"Private methods (such as '{model}.{name}') cannot be called remotely.")
    func = getattr(model_class(model), name, None)
    if not callable(func) or not getattr(func, "_public", False):
        raise AttributeError(f"The method '{model}.{name}' does not exist")
    return func
