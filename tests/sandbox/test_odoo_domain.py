"""The domain compiler against a real in-memory table: Odoo's semantics, no HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.odoo.catalog import BUILTIN_MODELS
from sandbox.odoo.domain import (
    compile_domain,
    compile_order,
    normalize,
    with_active_test,
)

PARTNER = BUILTIN_MODELS["res.partner"]
ROWS = [
    # id, name, email, is_company, active
    (1, "Acme", "info@acme.test", 1, 1),
    (2, "alice", None, 0, 1),
    (3, "Bob", "bob@example.test", None, 0),
    (4, "Carol_1", "", 0, 1),
]


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    cr = sqlite3.connect(":memory:")
    cr.execute("PRAGMA case_sensitive_like=ON")
    cr.execute(
        "CREATE TABLE res_partner (id INTEGER PRIMARY KEY, name TEXT, email TEXT, is_company INTEGER, active INTEGER)"
    )
    cr.executemany("INSERT INTO res_partner VALUES (?, ?, ?, ?, ?)", ROWS)
    yield cr
    cr.close()


def ids(db: sqlite3.Connection, domain: list[Any]) -> list[int]:
    where, params = compile_domain(PARTNER, domain)
    return [r[0] for r in db.execute(f"SELECT id FROM res_partner WHERE {where} ORDER BY id", params)]


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([], [1, 2, 3, 4]),
        ([("name", "=", "Bob")], [3]),
        ([("email", "=", False)], [2]),
        ([("email", "!=", False)], [1, 3, 4]),
        ([("email", "!=", "info@acme.test")], [2, 3, 4]),
        ([("is_company", "=", False)], [2, 3, 4]),
        ([("is_company", "=", True)], [1]),
        ([("is_company", "!=", False)], [1]),
        ([("id", "in", [1, 3, 99])], [1, 3]),
        ([("id", "in", [])], []),
        ([("id", "not in", [])], [1, 2, 3, 4]),
        ([("id", "not in", [1, 2])], [3, 4]),
        ([("email", "in", ["bob@example.test", False])], [2, 3]),
        ([("email", "not in", ["bob@example.test"])], [1, 2, 4]),
        ([("email", "not in", ["bob@example.test", False])], [1, 4]),
        ([("name", "like", "a")], [2, 4]),
        ([("name", "ilike", "A")], [1, 2, 4]),
        ([("name", "not ilike", "a")], [3]),
        ([("name", "=like", "B%")], [3]),
        ([("name", "=ilike", "b%")], [3]),
        ([("name", "like", "Carol_")], [4]),
        ([("id", ">", 2)], [3, 4]),
        ([("id", "<=", 2)], [1, 2]),
        ([("id", ">=", 2), ("id", "<", 4)], [2, 3]),
        (["|", ("id", "=", 1), ("id", "=", 4)], [1, 4]),
        (["!", ("id", "=", 1)], [2, 3, 4]),
        (["&", "|", ("id", "=", 1), ("id", "=", 2), ("active", "=", True)], [1, 2]),
        ([("id", ">", 1), "|", ("name", "=", "Bob"), ("name", "=", "alice")], [2, 3]),
        ([("display_name", "=", "Acme")], [1]),
        ([(1, "=", 1)], [1, 2, 3, 4]),
        ([(0, "=", 1)], []),
        ([["name", "IN", ["Acme"]]], [1]),
    ],
)
def test_domain_semantics(db: sqlite3.Connection, domain: list[Any], expected: list[int]) -> None:
    assert ids(db, domain) == expected


def test_many_leaves_do_not_recurse(db: sqlite3.Connection) -> None:
    domain: list[Any] = ["|"] * 1999 + [("id", "=", i) for i in range(2000)]
    assert ids(db, domain) == [1, 2, 3, 4]


def test_unknown_field_is_odoos_value_error() -> None:
    with pytest.raises(ValueError, match=r"Invalid field res\.partner\.nope in leaf \('nope', '=', 1\)"):
        compile_domain(PARTNER, [("nope", "=", 1)])


def test_non_stored_fields_are_not_searchable() -> None:
    model = BUILTIN_MODELS["utm.campaign"]
    assert compile_domain(model, [("display_name", "=", "x")])[0] == '"title" = ?'
    with pytest.raises(ValueError, match="Invalid field"):
        compile_domain(PARTNER, [("partner_id.name", "=", "x")])


@pytest.mark.parametrize(
    "domain",
    [
        [("name", "~", "x")],
        [("name", "=")],
        ["&", ("id", "=", 1)],
        ["bogus"],
    ],
)
def test_malformed_domains_are_rejected(domain: list[Any]) -> None:
    with pytest.raises(ValueError):
        compile_domain(PARTNER, domain)


def test_normalize_inserts_implicit_and() -> None:
    assert normalize([("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]) == [
        "&",
        "&",
        ("a", "=", 1),
        ("b", "=", 2),
        ("c", "=", 3),
    ]


def test_active_test() -> None:
    assert with_active_test(PARTNER, [("id", "=", 1)], True) == [("active", "=", True), ("id", "=", 1)]
    assert with_active_test(PARTNER, [("active", "=", False)], True) == [("active", "=", False)]
    assert with_active_test(PARTNER, [], False) == []
    assert with_active_test(BUILTIN_MODELS["ir.model.data"], [], True) == []


def test_order() -> None:
    assert compile_order(PARTNER, None) == '"name" ASC NULLS LAST, "id" DESC NULLS FIRST'
    assert compile_order(PARTNER, "email desc") == '"email" DESC NULLS FIRST'
    with pytest.raises(ValueError, match="Invalid field 'nope'"):
        compile_order(PARTNER, "nope")
    with pytest.raises(ValueError, match="Invalid order"):
        compile_order(PARTNER, "name sideways")
