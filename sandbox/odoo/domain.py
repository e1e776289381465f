"""Odoo search domains and orders compiled to SQLite SQL, with Odoo's semantics.

Pure functions over a :class:`~sandbox.odoo.schema.Model`, so they can be tested without a
server. What they keep from Odoo: prefix ``&``/``|``/``!`` with an implicit ``&`` between
terms; ``False`` meaning NULL (``('email', '=', False)`` is ``IS NULL``, a boolean ``= False``
also matches NULL); ``!=``/``not in``/``not like`` also matching NULL; the like operators
exactly as Odoo 19 builds them (see :func:`_like`); and the ``ValueError`` texts Odoo raises for
bad terms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .schema import Field, Model

TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)
OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "in",
        "not in",
        "like",
        "ilike",
        "not like",
        "not ilike",
        "=like",
        "=ilike",
        "not =like",
        "not =ilike",
    }
)
ARITY = {"!": 1, "&": 2, "|": 2}
NUMBERS = frozenset({"integer", "float", "monetary"})
COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
Sql = tuple[str, list[Any]]


def normalize(domain: Sequence[Any]) -> list[Any]:
    """Make the implicit ``&`` explicit, as ``odoo.osv.expression.normalize_domain`` does."""
    if not domain:
        return [TRUE_LEAF]
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result.insert(0, "&")
            expected = 1
        if isinstance(token, list | tuple):
            expected -= 1
            token = tuple(token)
        elif token in ARITY:
            expected += ARITY[token] - 1
        else:
            raise ValueError(f"Invalid leaf {token!r}")
        result.append(token)
    if expected != 0:
        raise ValueError(f"Domain {list(domain)} is syntactically not correct.")
    return result


def mentions(domain: Sequence[Any], field: str) -> bool:
    """Whether a term of ``domain`` filters on ``field``."""
    return any(isinstance(t, list | tuple) and t and t[0] == field for t in domain)


def with_active_test(model: Model, domain: Sequence[Any], active_test: bool) -> list[Any]:
    """Odoo hides archived records unless the domain names the active field or
    ``active_test`` is off."""
    active = model.active_name
    if active and active_test and not mentions(domain, active):
        return [(active, "=", True), *domain] if domain else [(active, "=", True)]
    return list(domain)


def compile_domain(model: Model, domain: Sequence[Any], *, nulls_as_zero: bool = True) -> Sql:
    """Return ``(where_clause, params)`` for ``domain`` on ``model``'s table; ``nulls_as_zero``: an
    empty number compares as 0 (Odoo 18 on), else it never matches a comparison (Odoo 17).

    Runs of the same operator are flattened (``a OR b OR c``), so the long ``|`` chains
    clients build stay within SQLite's parser and expression depth limits.
    """
    stack: list[_Node] = []
    for token in reversed(normalize(domain)):
        if token == "!":
            sql, params = _render(stack.pop())
            stack.append((None, [f"(NOT {sql})"], params))
        elif token in ("&", "|"):
            joiner = "AND" if token == "&" else "OR"
            parts, params = [], []
            for node in (stack.pop(), stack.pop()):
                if node[0] == joiner:
                    parts += node[1]
                else:
                    parts.append(_render(node)[0])
                params += node[2]
            stack.append((joiner, parts, params))
        else:
            sql, params = _leaf(model, token, nulls_as_zero)
            stack.append((None, [sql], params))
    return _render(stack[0])


_Node = tuple[str | None, list[str], list[Any]]


def _render(node: _Node) -> Sql:
    joiner, parts, params = node
    return (_join(joiner, parts) if joiner else parts[0]), params


def _join(joiner: str, parts: list[str]) -> str:
    """``(a OR b OR ...)`` as a balanced tree: SQLite caps expression depth at 1000."""
    if len(parts) <= 64:
        return f"({f' {joiner} '.join(parts)})"
    half = len(parts) // 2
    return f"({_join(joiner, parts[:half])} {joiner} {_join(joiner, parts[half:])})"


def _leaf(model: Model, leaf: tuple[Any, ...], nulls_as_zero: bool) -> Sql:
    if leaf == TRUE_LEAF:
        return "1=1", []
    if leaf == FALSE_LEAF:
        return "1=0", []
    if len(leaf) != 3 or not isinstance(leaf[1], str) or leaf[1].lower() not in OPERATORS:
        raise ValueError(f"Invalid leaf {leaf!r}")
    name, operator, value = leaf[0], leaf[1].lower(), leaf[2]
    field = _searchable(model, name, leaf)
    column = f'"{field.name}"'
    if operator in ("=", "!=") and (value is None or value is False):
        return _is_false(column, field, negate=operator == "!=")
    if operator in ("in", "not in"):
        return _membership(column, field, value, negate=operator == "not in")
    if operator.endswith("like"):
        return _like(column, field, operator, value, leaf)
    if operator == "!=":
        return f"({column} != ? OR {column} IS NULL)", [_param(field, value)]
    if nulls_as_zero and field.ttype in NUMBERS and operator in COMPARE and COMPARE[operator](0, value):
        return f"({column} {operator} ? OR {column} IS NULL)", [_param(field, value)]
    return f"{column} {operator} ?", [_param(field, value)]


def _searchable(model: Model, name: Any, leaf: tuple[Any, ...]) -> Field:
    if name == "display_name" and model.rec_name:
        return model.fields[model.rec_name]
    field = model.fields.get(name) if isinstance(name, str) else None
    if field is None or not field.store:
        raise ValueError(f"Invalid field {model.name}.{name} in leaf {leaf!r}")
    if not field.column and field.name != "id":
        raise ValueError(f"The sandbox cannot search on the {field.ttype} field {model.name}.{name} ({leaf!r})")
    return field


def _param(field: Field, value: Any) -> Any:
    if field.ttype == "boolean":
        return int(bool(value))
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return value


def _is_false(column: str, field: Field, negate: bool) -> Sql:
    if field.ttype == "boolean":
        sql = f"{column} = 1" if negate else f"({column} IS NULL OR {column} = 0)"
    else:
        sql = f"{column} IS NOT NULL" if negate else f"{column} IS NULL"
    return sql, []


def _membership(column: str, field: Field, value: Any, negate: bool) -> Sql:
    values = list(value) if isinstance(value, list | tuple | set) else [value]
    has_null = any(v is None or v is False for v in values)
    params = [_param(field, v) for v in values if v is not None and v is not False]
    if field.ttype == "boolean" and has_null:
        params.append(0)
    if not params:
        if negate:
            return (f"{column} IS NOT NULL" if has_null else "1=1"), []
        return (f"{column} IS NULL" if has_null else "1=0"), []
    marks = ",".join("?" * len(params))
    if negate:
        null_part = f"{column} IS NOT NULL" if has_null else f"{column} IS NULL"
        joiner = "AND" if has_null else "OR"
        return f"({column} NOT IN ({marks}) {joiner} {null_part})", params
    if has_null:
        return f"({column} IN ({marks}) OR {column} IS NULL)", params
    return f"{column} IN ({marks})", params


TEXTUAL = frozenset({"char", "text", "html"})  # Odoo's BaseString fields: their falsy value is ''


def _like(column: str, field: Field, operator: str, value: Any, leaf: tuple[Any, ...]) -> Sql:
    """The like operators as Odoo 19 compiles them (``odoo/orm/domains.py`` ``_optimize_like_str``,
    lines 1386-1403; ``odoo/orm/fields.py`` ``Field._condition_to_sql``, lines 1309-1326):

    - the value is never escaped: ``%`` and ``_`` in it are wildcards, a backslash escapes the
      next character (PostgreSQL's default LIKE escape, given here as ``ESCAPE``);
    - ``like``/``ilike`` wrap the value in ``%``, ``=like``/``=ilike`` send it verbatim;
    - an empty value (``''``, ``False``, ``None``, ``0``) is never sent: ``ilike`` then matches
      every record (NULLs included) and ``not ilike`` none, while ``=ilike`` means ``= False``
      (NULL or ``''`` on a string field) and ``not =ilike`` means ``!= False``;
    - another value is ``str()``-ed for ``ilike``, refused with a ``TypeError`` for ``=ilike``;
    - the ``not`` forms also match NULL.

    ``ilike`` lower-cases both sides; the pattern is lower-cased in Python (Unicode), the column
    by SQLite's ``lower()``, which folds ASCII only (PostgreSQL's ILIKE folds all letters).
    Odoo's ``unaccent()`` is not reproduced: it applies only where the extension is installed.
    """
    negative = operator.startswith("not ")
    exact = "=" in operator
    if not value:
        if not exact:
            return ("1=0" if negative else "1=1"), []
        if field.ttype in TEXTUAL:
            empty = f"({column} IS NOT NULL AND {column} != '')" if negative else f"({column} IS NULL OR {column} = '')"
            return empty, []
        return _is_false(column, field, negate=negative)
    if not isinstance(value, str):
        if exact:
            raise TypeError(f"The pattern to match must be a string in condition {leaf!r}")
        value = str(value)
    pattern = value if exact else f"%{value}%"
    if "ilike" in operator:
        lhs, pattern = f"lower({column})", pattern.lower()
    else:
        lhs = column
    if negative:
        return f"({lhs} NOT LIKE ? ESCAPE '\\' OR {column} IS NULL)", [pattern]
    return f"{lhs} LIKE ? ESCAPE '\\'", [pattern]


def compile_order(model: Model, order: str | None) -> str:
    """Return the ``ORDER BY`` terms for an Odoo order spec (``"name desc, id"``).

    NULLs sort as PostgreSQL sorts them (last ascending, first descending) unless a term says
    ``nulls first`` or ``nulls last``, which Odoo's ``regex_order`` allows after the direction.
    """
    terms = []
    for raw in (order or model.order).split(","):
        words = raw.upper().split()
        if not words:
            continue
        nulls = " ".join(words[-2:]) if words[-2:] in (["NULLS", "FIRST"], ["NULLS", "LAST"]) else ""
        words = words[:-2] if nulls else words
        direction = words[1] if len(words) > 1 else "ASC"
        if direction not in ("ASC", "DESC") or len(words) > 2:
            raise ValueError(f"Invalid order {order!r} for model {model.name!r}")
        name = raw.split()[0]
        if name == "display_name" and model.rec_name:
            name = model.rec_name
        field = model.fields.get(name)
        if field is None or not field.store or (not field.column and field.name != "id"):
            raise ValueError(f"Invalid field {name!r} on model {model.name!r}")
        nulls = nulls or ("NULLS LAST" if direction == "ASC" else "NULLS FIRST")
        terms.append(f'"{field.name}" {direction} {nulls}')
    return ", ".join(terms) or '"id" ASC'
