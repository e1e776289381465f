"""Finding the partner Odoo already has, against the sandbox Odoo over real HTTP (JSON-2 and JSON-RPC)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.odoo import OdooSandbox
from shared.matching import Candidate, Match, PartnerMatcher, normalize_email, normalize_phone
from shared.odoo import OdooClient

# --- normalize_phone, no Odoo --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["+1 415-555-0123", "(415) 555 0123", "415.555.0123", "415 555 0123", "1-415-555-0123", "+14155550123"],
)
def test_free_form_us_numbers_normalise_to_one_e164(text: str) -> None:
    assert normalize_phone(text, "US") == "+14155550123"


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("020 7946 0018", "GB", "+442079460018"),
        ("020 7946 0018", "US", None),  # too long for the US, and no country code 0
        ("0044 20 7946 0018", "GB", "+442079460018"),
        ("0044 20 7946 0018", "US", "+442079460018"),  # Odoo's "00 means +" retry
        ("14155550123", "GB", "+14155550123"),  # Odoo's "too long: try with +" retry
        ("+44 20 7946 0018", "US", "+442079460018"),
        ("415 555 0123", "gb", "+444155550123"),  # the region decides what a national form means
        ("+1 (415) 555-0123 ext. 12", "US", "+14155550123"),
    ],
)
def test_the_region_reads_national_forms(text: str, region: str, expected: str | None) -> None:
    assert normalize_phone(text, region) == expected


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "n/a", "call me", "12345", "555-0123", "+999 123 456", "+1 415 555 0123 4567 89", "4155550123"],
)
def test_what_is_no_whole_number_is_none(text: str | None) -> None:
    """Unparsable, too short, local-only (no area code), unknown country code, too long; and a
    national form with no region to read it in."""
    assert normalize_phone(text, "US" if text != "4155550123" else "") is None


def test_lenient_like_odoo_a_possible_number_counts() -> None:
    """``+1 555 555 0123`` has no valid US area code, but it is a possible number: kept."""
    assert normalize_phone("+1 555 555 0123", "US") == "+15555550123"


def test_emails_are_read_as_addresses() -> None:
    assert normalize_email("  Ada Lovelace <ADA@X.org> ") == "ada@x.org"
    assert normalize_email("not an address") is None


# --- PartnerMatcher against the sandbox Odoo ------------------------------------------------------


@pytest.fixture
def client(odoo: OdooSandbox) -> Iterator[OdooClient]:
    client = OdooClient(odoo.url, odoo.db, odoo.login, odoo.api_key, protocol="json2", timeout=10)
    yield client
    client.close()


def create(client: OdooClient, *partners: dict[str, Any]) -> list[int]:
    return client.call("res.partner", "create", vals_list=list(partners))


def match_one(client: OdooClient, candidate: Candidate, region: str = "US", exclude: set[int] | None = None) -> Match:
    return PartnerMatcher(client, region).match([candidate], exclude or set())[candidate.key]


def test_stored_free_form_phones_match_their_e164_and_only_it(client: OdooClient) -> None:
    ids = create(
        client,
        {"name": "Dashes", "phone": "+1 415-555-0101"},
        {"name": "Brackets", "phone": "(415) 555 0102"},
        {"name": "Dots", "phone": "415.555.0103"},
        {"name": "Double zero", "phone": "0044 20 7946 0018"},
        {"name": "Extension", "phone": "+1 (415) 555-0105 ext. 12"},
        {"name": "Trunk one", "phone": "1-415-555-0106"},
        {"name": "Same last seven, other area", "phone": "(212) 555-0101"},
    )
    candidates = [
        Candidate("c1", phone="(415) 555-0101"),
        Candidate("c2", phone="+14155550102"),
        Candidate("c3", phone="415 555 0103"),
        Candidate("c4", phone="+44 20 7946 0018"),
        Candidate("c5", phone="4155550105"),
        Candidate("c6", phone="+1 415 555 0106"),
    ]
    found = PartnerMatcher(client, "US").match(candidates)
    assert {key: m.partner_id for key, m in found.items()} == dict(
        zip(["c1", "c2", "c3", "c4", "c5", "c6"], ids[:6], strict=True)
    )
    assert all(m.by == "phone" and not m.is_ambiguous for m in found.values())


def test_the_default_region_decides_national_forms(client: OdooClient) -> None:
    (london,) = create(client, {"name": "London", "phone": "020 7946 0018", "email": "ldn@x.test"})
    national = Candidate("c", phone="020 7946 0018")
    assert match_one(client, national, "GB") == Match("c", london, by="phone")
    assert match_one(client, national, "US") == Match("c")  # unreadable in the US: no phone, no email
    # an international number finds the partner stored in its country's national form even when
    # the default region cannot read that form
    assert match_one(client, Candidate("c", phone="+44 20 7946 0018"), "US").partner_id == london


def test_two_partners_with_the_phone_are_ambiguous_and_email_is_not_tried(client: OdooClient) -> None:
    first, second, by_mail = create(
        client,
        {"name": "Ada", "phone": "+1 415 555 0123"},
        {"name": "Ada's office", "phone": "(415) 555-0123"},
        {"name": "Ada by mail", "email": "ada@x.test"},
    )
    found = match_one(client, Candidate("c", phone="415.555.0123", email="ada@x.test"))
    assert found == Match("c", None, ambiguous=(first, second), by="phone")
    assert found.is_ambiguous and not found.found
    assert by_mail not in found.ambiguous


def test_email_only_match_is_case_insensitive_and_exact(client: OdooClient) -> None:
    ada, _underscore_twin, _longer, named = create(
        client,
        {"name": "Ada", "email": "Ada_L@Example.TEST", "phone": "+1 212 555 0199"},
        {"name": "Wildcard twin", "email": "adaxl@example.test"},  # what an unescaped _ would match
        {"name": "Longer", "email": "bada_l@example.test"},
        {"name": "Named", "email": "Grace Hopper <GRACE@navy.test>"},
    )
    found = PartnerMatcher(client, "US").match(
        [
            Candidate("ada", phone="+1 415 555 0100", email="ada_l@example.test"),
            Candidate("grace", email="grace@NAVY.test"),
            Candidate("nobody", email="nobody@example.test"),
        ]
    )
    assert found["ada"] == Match("ada", ada, by="email")
    assert found["grace"] == Match("grace", named, by="email")
    assert found["nobody"] == Match("nobody")


def test_two_partners_with_the_email_are_ambiguous(client: OdooClient) -> None:
    ids = create(client, {"name": "A", "email": "shared@x.test"}, {"name": "B", "email": "SHARED@x.test"})
    assert match_one(client, Candidate("c", email="shared@x.test")) == Match("c", ambiguous=tuple(ids), by="email")


def test_a_phone_match_beats_a_different_email_match(client: OdooClient) -> None:
    by_phone, by_mail = create(
        client, {"name": "Phone", "phone": "+1 415 555 0123"}, {"name": "Mail", "email": "ada@x.test"}
    )
    found = PartnerMatcher(client, "US").match(
        [Candidate("mail-first", email="ada@x.test"), Candidate("c", phone="415-555-0123", email="ada@x.test")]
    )
    assert found["c"] == Match("c", by_phone, by="phone")
    assert found["mail-first"] == Match("mail-first", by_mail, by="email")


def test_excluded_partners_are_no_candidates(client: OdooClient) -> None:
    bound, free, mailed = create(
        client,
        {"name": "Bound", "phone": "+1 415 555 0123"},
        {"name": "Free", "phone": "415 555 0123"},
        {"name": "Mailed", "email": "ada@x.test", "phone": "+1 415 555 0199"},
    )
    candidate = Candidate("c", phone="+14155550123", email="ada@x.test")
    assert match_one(client, candidate).is_ambiguous
    assert match_one(client, candidate, exclude={bound}) == Match("c", free, by="phone")
    assert match_one(client, candidate, exclude={bound, free}) == Match("c", mailed, by="email")
    assert match_one(client, candidate, exclude={bound, free, mailed}) == Match("c")


def test_within_a_page_a_partner_goes_to_one_contact(client: OdooClient) -> None:
    (partner,) = create(client, {"name": "Ada", "phone": "+1 415 555 0123"})
    found = PartnerMatcher(client, "US").match([Candidate("a", phone="4155550123"), Candidate("b", phone="4155550123")])
    assert found == {"a": Match("a", partner, by="phone"), "b": Match("b")}


def test_archived_partners_are_not_matched(client: OdooClient) -> None:
    archived, _ = create(
        client,
        {"name": "Gone", "phone": "+1 415 555 0123", "email": "gone@x.test", "active": False},
        {"name": "Other", "phone": "+1 415 555 0199"},
    )
    assert client.call("res.partner", "search_count", domain=[("id", "=", archived), ("active", "=", False)]) == 1
    assert match_one(client, Candidate("c", phone="415-555-0123", email="gone@x.test")) == Match("c")


def test_unparsable_phones_fall_through_to_email(client: OdooClient, odoo: OdooSandbox) -> None:
    (partner,) = create(client, {"name": "Ada", "email": "ada@x.test", "phone": "ask reception"})
    odoo.reset_call_counts()
    found = PartnerMatcher(client, "US").match(
        [Candidate("a", phone="n/a", email="ADA@x.test"), Candidate("b", phone="12", email=None)]
    )
    assert found == {"a": Match("a", partner, by="email"), "b": Match("b")}
    assert odoo.call_counts() == {"res.partner.search_read": 2}  # a new process reads the partners once


def test_a_page_of_200_costs_two_search_reads_then_one(client: OdooClient, odoo: OdooSandbox) -> None:
    """The first page of a process reads the partners (the newest write, then all of them); each
    later page reads the ones written since."""
    phones = create(client, *({"name": f"P{i}", "phone": f"+1 (415) 555-{i:04d}"} for i in range(100)))
    mails = create(client, *({"name": f"M{i}", "email": f"m{i}@x.test"} for i in range(50)))
    create(client, *({"name": f"D{i}", "phone": f"(212) 555-{i:04d}"} for i in range(20)))  # pattern decoys
    candidates = [Candidate(f"p{i}", phone=f"415.555.{i:04d}", email=f"other{i}@x.test") for i in range(100)]
    candidates += [Candidate(f"m{i}", phone=f"+1 646 555 {i:04d}", email=f"M{i}@X.test") for i in range(50)]
    candidates += [Candidate(f"n{i}", phone="unknown" if i % 2 else None, email=f"n{i}@x.test") for i in range(50)]
    odoo.reset_call_counts()
    matcher = PartnerMatcher(client, "US")
    found = matcher.match(candidates)
    assert odoo.call_counts() == {"res.partner.search_read": 2}
    late = mails[0]
    odoo.write("res.partner", [late], {"phone": "+1 415 555 7777"})  # a person's edit, in Odoo
    odoo.reset_call_counts()
    assert matcher.match([Candidate("late", phone="4155557777")])["late"].partner_id == late
    assert odoo.call_counts().get("res.partner.search_read") == 1  # (and, once, who the API user is)
    assert [found[f"p{i}"].partner_id for i in range(100)] == phones
    assert [found[f"m{i}"].partner_id for i in range(50)] == mails
    assert not any(found[f"n{i}"].found or found[f"n{i}"].is_ambiguous for i in range(50))
    assert len(found) == 200


def test_a_page_with_nothing_to_look_for_costs_no_call(client: OdooClient, odoo: OdooSandbox) -> None:
    (partner,) = create(client, {"name": "Ada", "phone": "+1 415 555 0123"})
    odoo.reset_call_counts()
    found = PartnerMatcher(client, "US").match([Candidate("c", phone="4155550123", email="a@x.test")])
    assert found == {"c": Match("c", partner, by="phone")}
    assert PartnerMatcher(client, "US").match([Candidate("x"), Candidate("y", phone="?", email="no address")]) == {
        "x": Match("x"),
        "y": Match("y"),
    }
    assert odoo.call_counts() == {"res.partner.search_read": 2}  # the first matcher's first look only


def test_a_number_spelled_in_letters_is_still_read(client: OdooClient) -> None:
    """Phones are parsed only when some partner's stored phone could be them; a number in letters
    has no digits to compare, so it is always parsed (``phonenumbers`` reads letters as digits)."""
    (partner,) = create(client, {"name": "Flowers", "phone": "+1 800 356 9377"})
    found = PartnerMatcher(client, "US").match(
        [Candidate("f", phone="1-800-FLOWERS"), Candidate("n", phone="+1 212 555 0100")]
    )
    assert found == {"f": Match("f", partner, by="phone"), "n": Match("n")}


def test_same_answers_over_json_rpc(odoo: OdooSandbox) -> None:
    client = OdooClient(odoo.url, odoo.db, odoo.login, odoo.api_key, protocol="jsonrpc", timeout=10)
    phone, mail = create(client, {"name": "P", "phone": "415 555 0123"}, {"name": "M", "email": "m_1@x.test"})
    found = PartnerMatcher(client, "US").match(
        [Candidate("p", phone="+14155550123"), Candidate("m", email="M_1@x.test")]
    )
    assert found == {"p": Match("p", phone, by="phone"), "m": Match("m", mail, by="email")}
    client.close()
