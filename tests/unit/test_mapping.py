"""Mappers and content hashes: values in Odoo's read form, links as references, bad data refused."""

from __future__ import annotations

import pytest

from shared.entities import ENTITIES, ref_xmlid
from shared.errors import DataError
from shared.mappers.base import MAX_CHAR, MAX_TEXT, Ref, content_hash, odoo_datetime
from shared.platforms.base import phone_contact

CONTACT = {  # canonical, as an adapter gives it
    "id": "ct_1",
    "name": " Ada Lovelace ",
    "email": "ada@example.com",
    "phone": "+14155550100",
    "updated_at": "2026-01-02T03:04:05.123Z",
}
CALL = {
    "id": "cl_9",
    "contact_id": "ct_1",
    "campaign_id": None,
    "direction": "outbound",
    "status": "completed",
    "started_at": "2026-01-02T03:04:05+02:00",
    "duration_seconds": 42,
    "recording_url": None,
    "summary": "",
    "updated_at": "2026-01-02T03:04:05Z",
}


def test_contact_maps_to_partner_values() -> None:
    values = ENTITIES["contacts"].mapper.map(CONTACT)
    assert values == {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+14155550100",
        "active": True,
    }


def test_contact_without_names_is_named_by_phone() -> None:
    values = ENTITIES["contacts"].mapper.map({**CONTACT, "name": None})
    assert values["name"] == "+14155550100"


def test_what_a_vendor_does_not_know_is_left_as_odoo_holds_it() -> None:
    """A Vapi customer with a number only: the matched partner keeps its name and email; a
    partner voicesync creates is named by the number."""
    mapper = ENTITIES["contacts"].mapper
    values = mapper.map({"id": "tel-14155550100", "phone": "+14155550100", "updated_at": CONTACT["updated_at"]})
    assert values == {"phone": "+14155550100", "active": True}
    assert mapper.defaults_for_create(values, "tel-14155550100") == {"name": "+14155550100"}
    assert mapper.defaults_for_create(mapper.map(CONTACT), "ct_1") == {}


def test_call_links_and_normalises() -> None:
    values = ENTITIES["calls"].mapper.map(CALL)
    assert values["x_partner_id"] == Ref("contacts", "ct_1")
    assert values["x_campaign_id"] is False
    assert values["x_started_at"] == "2026-01-02 01:04:05"
    assert values["x_duration_seconds"] == 42
    assert values["x_summary"] is False
    assert values["x_active"] is True
    assert ENTITIES["calls"].mapper.dependencies(values) == [Ref("contacts", "ct_1")]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({**CONTACT, "id": ""}, "lacks id"),
        ({k: v for k, v in CONTACT.items() if k != "updated_at"}, "lacks updated_at"),
        ("not a record", "not an object"),
    ],
)
def test_unmappable_records_raise_data_error(record: object, message: str) -> None:
    with pytest.raises(DataError, match=message):
        ENTITIES["contacts"].mapper.map(record)  # type: ignore[arg-type]


def test_bad_values_raise_data_error() -> None:
    with pytest.raises(DataError, match="ISO 8601"):
        ENTITIES["calls"].mapper.map({**CALL, "started_at": "yesterday"})
    with pytest.raises(DataError, match="integer"):
        ENTITIES["calls"].mapper.map({**CALL, "duration_seconds": "long"})
    with pytest.raises(DataError, match="lacks updated_at"):
        ENTITIES["calls"].mapper.map({**CALL, "updated_at": None})


def test_a_call_that_names_nobody_is_written_without_a_partner() -> None:
    values = ENTITIES["calls"].mapper.map({**CALL, "contact_id": None})
    assert values["x_partner_id"] is False and ENTITIES["calls"].mapper.dependencies(values) == []


def test_odoo_datetime_forms() -> None:
    assert odoo_datetime("2026-05-06T07:08:09Z") == "2026-05-06 07:08:09"
    assert odoo_datetime("2026-05-06T07:08:09.999-01:00") == "2026-05-06 08:08:09"
    assert odoo_datetime(None) is False


def test_hash_is_stable_and_sensitive() -> None:
    mapper = ENTITIES["calls"].mapper
    one = content_hash(mapper.map(CALL), ref_xmlid)
    assert one == content_hash(mapper.map(dict(reversed(list(CALL.items())))), ref_xmlid)
    assert one != content_hash(mapper.map({**CALL, "status": "failed"}), ref_xmlid)
    assert one != content_hash(mapper.map({**CALL, "contact_id": "ct_2"}), ref_xmlid)
    # updated_at alone is not content: a touch without a change writes nothing.
    assert one == content_hash(mapper.map({**CALL, "updated_at": "2027-01-01T00:00:00Z"}), ref_xmlid)


def test_external_ids() -> None:
    assert ENTITIES["contacts"].xmlid("ct_1") == "voicesync.contact_ct_1"
    assert ref_xmlid(Ref("campaigns", "cp_2")) == "voicesync.campaign_cp_2"
    assert ENTITIES["calls"].dependencies == ("contacts", "campaigns")


def test_campaign_has_a_unique_identifier_and_is_live() -> None:
    values = ENTITIES["campaigns"].mapper.map({"id": "cp_3", "name": "Spring", "updated_at": "2026-01-01T00:00:00Z"})
    assert values == {"name": "voicesync-cp_3", "title": "Spring", "active": True}


FULL_CALL = {
    **CALL,
    "ended_at": "2026-01-02T03:04:47+02:00",
    "ended_reason": "customer-ended-call",
    "cost": 0.1234,
    "summary": "Booked a demo.",
    "transcript": "AI: Hello, Ada.\nUser: Hi!\n\nAI: Bye.\n",
    "recording_url": "https://example.com/r/cl_9.wav",
    "success_evaluation": "true",
    "structured_data": {"slot": {"time": "10:00", "day": "Mon"}, "booked": True, "score": 0.5},
    "assistant_id": "asst_7",
}


def test_call_maps_every_canonical_key() -> None:
    values = ENTITIES["calls"].mapper.map(FULL_CALL)
    assert values["x_ended_at"] == "2026-01-02 01:04:47"
    assert values["x_ended_reason"] == "customer-ended-call"
    assert values["x_cost"] == 0.1234 and isinstance(values["x_cost"], float)
    assert values["x_transcript"] == "AI: Hello, Ada.\nUser: Hi!\n\nAI: Bye."  # inner lines kept
    assert values["x_success_evaluation"] == "true"
    assert (values["x_assistant"], values["x_assistant_id"]) == ("asst_7", "asst_7")  # no name known: the id
    assert values["x_recording_url"] == "https://example.com/r/cl_9.wav"
    assert values["x_structured_data"] == "booked: true\nscore: 0.5\nslot.day: Mon\nslot.time: 10:00"
    assert set(values) == set(ENTITIES["calls"].mapper.fields)


def test_a_call_shows_its_assistant_by_name_and_keeps_the_id() -> None:
    values = ENTITIES["calls"].mapper.map({**FULL_CALL, "assistant_name": "  Riley "})
    assert (values["x_assistant"], values["x_assistant_id"]) == ("Riley", "asst_7")
    assert ENTITIES["calls"].mapper.map({**FULL_CALL, "assistant_name": None})["x_assistant"] == "asst_7"


def test_absent_call_keys_are_empty_as_odoo_reads_them() -> None:
    """The generic platform's subset: every key it lacks maps to what Odoo reads for empty."""
    values = ENTITIES["calls"].mapper.map(CALL)
    for name in ("x_ended_at", "x_ended_reason", "x_transcript", "x_success_evaluation", "x_structured_data"):
        assert values[name] is False, name
    assert values["x_assistant"] is False and values["x_assistant_id"] is False
    assert values["x_cost"] == 0.0 and isinstance(values["x_cost"], float)
    nones = ENTITIES["calls"].mapper.map(
        {**FULL_CALL, **dict.fromkeys(set(FULL_CALL) - {"id", "updated_at", "contact_id"})}
    )
    unknown = dict.fromkeys(("x_started_at", "x_direction", "x_status", "x_call_direction", "x_call_status"), False)
    unknown |= {"x_outcome": False, "x_has_start": False, "x_duration_seconds": 0, "x_duration_minutes": 0.0}
    assert nones == {**values, **unknown, "x_name": "Call"}
    assert values["x_name"] == "Outbound call · 02 Jan 01:04 UTC" and values["x_cost_known"] is False


@pytest.mark.parametrize(
    ("cost", "expected"),
    [(0.1234, 0.1234), (3, 3.0), ("0.07", 0.07), (None, 0.0), ("", 0.0), (-0.0, 0.0), (1e-05, 1e-05)],
)
def test_cost_is_a_float_as_odoo_reads_it(cost: object, expected: float) -> None:
    value = ENTITIES["calls"].mapper.map({**CALL, "cost": cost})["x_cost"]
    assert isinstance(value, float) and value == expected
    assert float(repr(value)) == value  # the load cell (str of a float) round-trips exactly


@pytest.mark.parametrize("cost", ["cheap", True, [1], {"usd": 1}, float("nan"), float("inf"), 10**400])
def test_bad_cost_raises_data_error(cost: object) -> None:
    with pytest.raises(DataError, match="number"):
        ENTITIES["calls"].mapper.map({**CALL, "cost": cost})


def test_structured_data_is_stable_key_value_text() -> None:
    mapper = ENTITIES["calls"].mapper
    one = mapper.map({**CALL, "structured_data": {"b": 1, "a": {"y": [2, 1], "x": None}}})
    two = mapper.map({**CALL, "structured_data": {"a": {"x": None, "y": [2, 1]}, "b": 1}})
    assert one["x_structured_data"] == two["x_structured_data"]
    assert content_hash(one, ref_xmlid) == content_hash(two, ref_xmlid)
    assert one["x_structured_data"] == "a.x: null\na.y: [2, 1]\nb: 1"
    assert mapper.map({**CALL, "structured_data": ["é", 1]})["x_structured_data"] == '["é", 1]'
    assert mapper.map({**CALL, "structured_data": False})["x_structured_data"] == "false"
    for empty in (None, {}, [], ""):
        assert mapper.map({**CALL, "structured_data": empty})["x_structured_data"] is False
    with pytest.raises(DataError, match="JSON"):
        mapper.map({**CALL, "structured_data": {"t": object()}})
    with pytest.raises(DataError, match="JSON"):
        mapper.map({**CALL, "structured_data": {"n": float("nan")}})


def test_text_keeps_inner_lines_and_drops_nul() -> None:
    values = ENTITIES["calls"].mapper.map({**CALL, "transcript": "  a\r\nb\x00c \n"})
    assert values["x_transcript"] == "a\r\nbc"


@pytest.mark.parametrize(
    "number",
    [
        "+\u0661\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0662\u0663",
        "+\u00b9\u00b2\u00b3\u00b9\u00b2\u00b3\u00b9\u00b2",
        "+1 41",
        "14155550123",
        "",
    ],
)
def test_a_number_that_is_not_ascii_e164_names_nobody(number: str) -> None:
    """``str.isdigit`` takes Arabic-Indic and superscript digits: they made non-ASCII external ids
    and a second partner of a person Odoo already had."""
    assert phone_contact(number, "2026-01-01T00:00:00Z") is None
    assert phone_contact("+1 (415) 555-0123", "2026-01-01T00:00:00Z")["id"] == "tel-14155550123"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "JAVASCRIPT:x", "//evil.example/x", "ftp://x/y"]
)
def test_a_recording_link_is_http_or_nothing(url: str) -> None:
    call = {"id": "c1", "updated_at": "2026-01-01T00:00:00Z"}
    assert ENTITIES["calls"].mapper.map({**call, "recording_url": url})["x_recording_url"] is False
    https = ENTITIES["calls"].mapper.map({**call, "recording_url": "https://r.example/1.mp3"})
    assert https["x_recording_url"] == "https://r.example/1.mp3"


def test_a_vendors_text_is_capped_with_a_note() -> None:
    call = {"id": "c1", "updated_at": "2026-01-01T00:00:00Z", "transcript": "x" * (MAX_TEXT * 4), "status": "y" * 5000}
    values = ENTITIES["calls"].mapper.map(call)
    assert len(values["x_transcript"]) == MAX_TEXT and values["x_transcript"].endswith("characters]")
    assert len(values["x_status"]) == MAX_CHAR
    deep = ENTITIES["calls"].mapper.map({**call, "structured_data": {"k": "v" * (MAX_TEXT * 2)}})
    assert len(deep["x_structured_data"]) == MAX_TEXT


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("+1 (415) 555-0123", "+14155550123"),
        ("+\u0661\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0662\u0663", False),
        ("call me", False),
    ],
)
def test_a_contacts_phone_is_stored_as_ascii_e164_or_not_at_all(phone: str, stored: str | bool) -> None:
    values = ENTITIES["contacts"].mapper.map({"id": "ct_1", "updated_at": "2026-01-01T00:00:00Z", "phone": phone})
    assert values["phone"] == stored
