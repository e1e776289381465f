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


# Free-form phones and emails, and what real Odoo 19 answered for each like term on the same rows
# (JSON-2 search_read on PostgreSQL, no unaccent extension; recorded 2025-11 against 19.0 ca3afd65).
LIKE_ROWS = [
    # id, name, email, phone
    (1, "P1", None, "+1 415-555-0123"),
    (2, "P2", None, "(415) 555 0123"),
    (3, "P3", None, "415.555.0123"),
    (4, "P4", None, "0044 20 7946 0018"),
    (5, "P5", None, "555 01 23 ext 9"),
    (6, "E1", "a_b@x.org", None),
    (7, "E2", "axb@x.org", None),
    (8, "E3", "100%@x.org", None),
    (9, "E4", "100x@x.org", None),
    (10, "E5", "back\\slash@x.org", None),
    (11, "E6", "émile@x.org", None),
    (12, "E7", "", None),
    (13, "E8", "Ada Lovelace <ADA@x.org>", None),
]
EVERYONE = sorted(row[1] for row in LIKE_ROWS)
PHONES_ONLY = ["P1", "P2", "P3", "P4", "P5"]


@pytest.fixture(scope="module")
def like_db() -> Iterator[sqlite3.Connection]:
    cr = sqlite3.connect(":memory:")
    cr.execute("PRAGMA case_sensitive_like=ON")  # as the sandbox's store runs
    cr.execute("CREATE TABLE res_partner (id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT, active INTEGER)")
    cr.executemany("INSERT INTO res_partner VALUES (?, ?, ?, ?, 1)", LIKE_ROWS)
    yield cr
    cr.close()


def names(db: sqlite3.Connection, domain: list[Any]) -> list[str]:
    where, params = compile_domain(PARTNER, domain)
    return sorted(r[0] for r in db.execute(f"SELECT name FROM res_partner WHERE {where}", params))


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        # =like/=ilike take the pattern verbatim (anchored); like/ilike add % on both sides
        ([("phone", "=ilike", "%5%5%5%0%1%2%3")], ["P1", "P2", "P3"]),
        ([("phone", "=like", "%5%5%5%0%1%2%3%")], ["P1", "P2", "P3", "P5"]),
        ([("phone", "ilike", "5%5%5%0%1%2%3")], ["P1", "P2", "P3", "P5"]),
        ([("phone", "=ilike", "%9%4%6%0%0%1%8")], ["P4"]),
        # nothing is escaped for the caller: _ and % are wildcards, a backslash makes them literal
        ([("email", "ilike", "a_b@")], ["E1", "E2"]),
        ([("email", "ilike", "a\\_b@")], ["E1"]),
        ([("email", "=ilike", "a_b@x.org")], ["E1", "E2"]),
        ([("email", "=ilike", "A\\_B@X.ORG")], ["E1"]),
        ([("email", "ilike", "100%@")], ["E3", "E4"]),
        ([("email", "ilike", "100\\%@")], ["E3"]),
        ([("email", "ilike", "back\\\\slash")], ["E5"]),
        ([("email", "ilike", "back\\slash")], []),
        ([("email", "ilike", "slash@x.org\\")], []),
        ([("email", "ilike", "ada@x.org")], ["E8"]),
        ([("email", "=ilike", "ÉMILE@X.ORG")], ["E6"]),
        ([("email", "like", "ada@")], []),
        # empty values are never sent as patterns: ilike '' is everything, =ilike '' is "= False"
        ([("email", "=ilike", "")], ["E7", *PHONES_ONLY]),
        ([("email", "=ilike", False)], ["E7", *PHONES_ONLY]),
        ([("email", "=ilike", None)], ["E7", *PHONES_ONLY]),
        ([("email", "ilike", "")], EVERYONE),
        ([("email", "ilike", False)], EVERYONE),
        ([("email", "not ilike", "")], []),
        ([("email", "not =like", "")], ["E1", "E2", "E3", "E4", "E5", "E6", "E8"]),
        # the not forms match NULL too
        ([("email", "not =ilike", "a_b@x.org")], ["E3", "E4", "E5", "E6", "E7", "E8", *PHONES_ONLY]),
        ([("email", "not ilike", "x.org")], ["E7", *PHONES_ONLY]),
        # ilike str()s other values
        ([("email", "ilike", 100)], ["E3", "E4"]),
        ([("email", "ilike", True)], []),
    ],
)
def test_like_operators_match_odoo_19(like_db: sqlite3.Connection, domain: list[Any], expected: list[str]) -> None:
    assert names(like_db, domain) == expected


@pytest.mark.parametrize("operator", ["=ilike", "=like", "not =ilike"])
def test_exact_like_refuses_a_pattern_that_is_no_string(operator: str) -> None:
    """Odoo 19 answers HTTP 500 ``builtins.TypeError`` with this message."""
    leaf = ("email", operator, 100)
    with pytest.raises(TypeError, match=r"The pattern to match must be a string in condition \('email', '"):
        compile_domain(PARTNER, [leaf])


@pytest.mark.parametrize(
    ("leaf", "odoo18", "odoo17"),
    [
        (("probability", "<", 100), '("probability" < ? OR "probability" IS NULL)', '"probability" < ?'),
        (("probability", ">=", 0), '("probability" >= ? OR "probability" IS NULL)', '"probability" >= ?'),
        (("probability", ">", 0), '"probability" > ?', '"probability" > ?'),  # 0 is not above 0
    ],
)
def test_an_empty_number_compares_as_zero_from_odoo_18(leaf: tuple[str, str, int], odoo18: str, odoo17: str) -> None:
    lead = BUILTIN_MODELS["crm.lead"]
    assert compile_domain(lead, [leaf])[0] == odoo18
    assert compile_domain(lead, [leaf], nulls_as_zero=False)[0] == odoo17
