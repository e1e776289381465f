"""The official Vapi SDK's models as a strict judge of what the Vapi emulator sends.

``vapi-server-sdk``'s pydantic models allow any extra field, type every enum as
``Union[Literal[...], Any]`` and coerce in lax mode (``"1.5"`` passes as a float), so
``model_validate`` alone accepts nearly anything. :func:`strict` validates, then walks the
validated model beside the raw JSON and fails on: a field the model does not declare (or one
spelled by its Python name instead of its wire alias), an enum value outside its literals, and a
leaf that only passed by coercion. A field whose type is a union of models may have been matched to
the wrong member (the SDK's unions have no discriminator); it passes when any member fits strictly.

Importing the SDK's models takes tens of seconds (thousands of models), once per process.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import pydantic
from vapi.types import Assistant, Call, Campaign, CampaignPaginatedResponse, ServerMessage
from vapi.types.server_message_message import ServerMessageMessage

__all__ = [
    "Assistant",
    "Call",
    "Campaign",
    "CampaignPaginatedResponse",
    "OracleError",
    "ServerMessage",
    "server_message",
    "strict",
]

Model = TypeVar("Model", bound=pydantic.BaseModel)
_NONE = type(None)


class OracleError(AssertionError):
    """The body does not fit the SDK's model strictly; the message lists every problem by path."""


def strict(model: type[Model], data: Any) -> Model:
    """``model.model_validate(data)`` that also fails on extras, unknown enum values and coercions."""
    try:
        instance = model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise OracleError(f"{model.__name__}: {exc}") from exc
    problems: list[str] = []
    _check_model(instance, data, model.__name__, problems)
    if problems:
        raise OracleError(f"{model.__name__} does not fit strictly:\n  " + "\n  ".join(problems))
    return instance


def server_message(body: Any) -> pydantic.BaseModel:
    """A delivered body checked as a ServerMessage and its ``message`` as the member of the union
    its ``type`` names (e.g. ServerMessageStatusUpdate); answers that member."""
    strict(ServerMessage, body)
    type_ = body["message"]["type"]
    for member in get_args(ServerMessageMessage):
        if type_ in _literals(member.model_fields["type"].annotation):
            return strict(member, body["message"])
    raise OracleError(f"no ServerMessage member has type {type_!r}")


# -- the walk -------------------------------------------------------------------------------------


def _check_model(instance: pydantic.BaseModel, raw: Any, path: str, problems: list[str]) -> None:
    if instance.model_extra:
        problems.append(f"{path}: fields the SDK does not declare: {sorted(instance.model_extra)}")
    fields = type(instance).model_fields
    wire = {info.alias or name: name for name, info in fields.items()}
    if isinstance(raw, Mapping):
        misspelt = [key for key in raw if key not in wire and key in fields]
        if misspelt:
            problems.append(f"{path}: Python names instead of wire names: {misspelt}")
    else:
        return  # a model built from a model, not from JSON: nothing raw to compare
    for key, name in wire.items():
        if key in raw:
            annotation = _resolved(fields[name].annotation, type(instance))
            _check_value(annotation, getattr(instance, name), raw[key], f"{path}.{key}", problems)


def _check_value(annotation: Any, value: Any, raw: Any, path: str, problems: list[str]) -> None:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        _check_value(get_args(annotation)[0], value, raw, path, problems)
    elif annotation is Any:
        return
    elif origin in (Union, types.UnionType):
        _check_union(get_args(annotation), value, raw, path, problems)
    elif origin is Literal:
        if raw not in get_args(annotation):
            problems.append(f"{path}: {raw!r} is not one of {get_args(annotation)}")
    elif origin is list:
        if not isinstance(raw, list):
            problems.append(f"{path}: not a JSON array")
            return
        (item,) = get_args(annotation)
        for index, (item_value, item_raw) in enumerate(zip(value, raw, strict=True)):
            _check_value(item, item_value, item_raw, f"{path}[{index}]", problems)
    elif origin is dict:
        if not isinstance(raw, dict):
            problems.append(f"{path}: not a JSON object")
            return
        _, item = get_args(annotation)
        for key, item_raw in raw.items():
            _check_value(item, value[key], item_raw, f"{path}.{key}", problems)
    elif isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        _check_model(value, raw, path, problems)
    else:
        _check_leaf(annotation, raw, path, problems)


def _check_union(members: tuple[Any, ...], value: Any, raw: Any, path: str, problems: list[str]) -> None:
    if raw is None:
        if _NONE not in members:
            problems.append(f"{path}: null is not allowed")
        return
    members = tuple(member for member in members if member is not _NONE)
    allowed = {literal for member in members for literal in _literals(member)}
    if allowed and Any in members:  # the SDK's open enum: Union[Literal[...], Any]
        if raw not in allowed:
            problems.append(f"{path}: {raw!r} is not one of the SDK's values {sorted(allowed)}")
        return
    if len(members) == 1:
        _check_value(members[0], value, raw, path, problems)
        return
    # Try the member pydantic chose first, then the others re-validated from the raw JSON.
    ordered = sorted(members, key=lambda member: member is not type(value))
    failures: list[str] = []
    for member in ordered:
        found: list[str] = []
        if isinstance(member, type) and issubclass(member, pydantic.BaseModel):
            try:
                candidate = value if isinstance(value, member) else member.model_validate(raw)
            except pydantic.ValidationError:
                continue
            _check_model(candidate, raw, path, found)
        else:
            _check_value(member, value, raw, path, found)
        if not found:
            return
        failures += found
    problems.append(f"{path}: no member of the union fits strictly; " + "; ".join(failures[:3]))


def _check_leaf(annotation: Any, raw: Any, path: str, problems: list[str]) -> None:
    """The JSON value must be of the type itself, not merely convertible (strict JSON mode keeps
    ISO strings for datetimes and ints for floats)."""
    try:
        _adapter(annotation).validate_json(json.dumps(raw), strict=True)
    except pydantic.ValidationError as exc:
        problems.append(f"{path}: {raw!r} passes only by coercion ({exc.errors()[0]['msg']})")


@cache
def _adapter(annotation: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(annotation)


def _literals(annotation: Any) -> set[Any]:
    """The literal values an annotation (``Literal``, or a union holding some) allows."""
    origin = get_origin(annotation)
    if origin is Literal:
        return set(get_args(annotation))
    if origin in (Union, types.UnionType, typing.Annotated):
        return {value for member in get_args(annotation) for value in _literals(member)}
    return set()


def _resolved(annotation: Any, owner: type) -> Any:
    """A forward reference the SDK left unresolved, evaluated in its model's module."""
    if isinstance(annotation, str | typing.ForwardRef):
        text = annotation if isinstance(annotation, str) else annotation.__forward_arg__
        return eval(text, vars(sys.modules[owner.__module__]))
    return annotation
