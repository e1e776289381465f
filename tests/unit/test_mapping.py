"""Mappers and content hashes: values in Odoo's read form, links as references, bad data refused."""

from __future__ import annotations

import pytest

from shared.entities import ENTITIES, ref_xmlid
from shared.errors import DataError
from shared.mappers.base import Ref, content_hash, odoo_datetime

CONTACT = {
    "id": "ct_1",
    "first_name": " Ada ",
    "last_name": "Lovelace",
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
    values = ENTITIES["contacts"].mapper.map({**CONTACT, "first_name": "", "last_name": None})
    assert values["name"] == "+14155550100"


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
    with pytest.raises(DataError, match="lacks contact_id"):
        ENTITIES["calls"].mapper.map({**CALL, "contact_id": None})


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
