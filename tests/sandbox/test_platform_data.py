"""The platform sandbox's data: repeatable from a seed, internally consistent, changed safely."""

from __future__ import annotations

import re

import pytest

from sandbox.platform import PlatformSandbox
from sandbox.platform.clock import Clock
from sandbox.platform.schema import E164, ENTITIES, NotFoundError, ValidationError

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture(scope="module")
def platform() -> PlatformSandbox:
    """Not started: the data and change operations need no server."""
    return PlatformSandbox(contacts=3000, campaigns=20, calls=6000, seed=7)


def snapshot(platform: PlatformSandbox) -> dict[str, list[dict]]:
    return {entity: platform.records(entity) for entity in ENTITIES}


def test_same_seed_gives_identical_data() -> None:
    first = snapshot(PlatformSandbox(contacts=300, campaigns=5, calls=600, seed=11))
    second = snapshot(PlatformSandbox(contacts=300, campaigns=5, calls=600, seed=11))
    assert first == second
    assert [len(first[entity]) for entity in ENTITIES] == [300, 5, 600]


def test_different_seed_gives_different_data() -> None:
    first = snapshot(PlatformSandbox(contacts=300, campaigns=5, calls=600, seed=1))
    second = snapshot(PlatformSandbox(contacts=300, campaigns=5, calls=600, seed=2))
    for entity in ENTITIES:
        assert first[entity] != second[entity]


def test_ids_are_formatted_unique_and_sorted(platform: PlatformSandbox) -> None:
    for entity, prefix in (("contacts", "ct_"), ("campaigns", "cp_"), ("calls", "cl_")):
        ids = [record["id"] for record in platform.records(entity)]
        assert ids == sorted(set(ids))
        assert all(re.fullmatch(prefix + r"\d{8}", id_) for id_ in ids)


def test_contact_phones_and_emails_are_unique_and_well_formed(platform: PlatformSandbox) -> None:
    contacts = platform.records("contacts")
    phones = [contact["phone"] for contact in contacts]
    emails = [contact["email"] for contact in contacts]
    assert len(set(phones)) == len(phones)
    assert len(set(emails)) == len(emails)
    assert all(E164.match(phone) for phone in phones)
    assert all(email == email.lower() and "@" in email for email in emails)
    assert all(contact["first_name"] and contact["last_name"] for contact in contacts)


def test_calls_reference_existing_contacts_and_campaigns(platform: PlatformSandbox) -> None:
    contact_ids = {contact["id"] for contact in platform.records("contacts")}
    campaign_ids = {campaign["id"] for campaign in platform.records("campaigns")}
    calls = platform.records("calls")
    assert {call["contact_id"] for call in calls} <= contact_ids
    for call in calls:
        if call["direction"] == "inbound":
            assert call["campaign_id"] is None
        else:
            assert call["campaign_id"] in campaign_ids
        assert (call["started_at"] is None) == (call["status"] == "queued")
    assert {call["direction"] for call in calls} == {"inbound", "outbound"}


def test_timestamps_are_canonical_and_updates_follow_creation(platform: PlatformSandbox) -> None:
    for entity in ENTITIES:
        for record in platform.records(entity):
            assert TIMESTAMP.match(record["created_at"])
            assert TIMESTAMP.match(record["updated_at"])
            assert record["updated_at"] >= record["created_at"]


def test_update_moves_updated_at_strictly_forward(platform: PlatformSandbox) -> None:
    stamps = [platform.get("campaigns", "cp_00000001")["updated_at"]]
    for status in ("active", "paused", "active", "completed"):
        stamps.append(platform.update("campaigns", "cp_00000001", {"status": status})["updated_at"])
    assert stamps == sorted(set(stamps))
    assert platform.get("campaigns", "cp_00000001")["status"] == "completed"


def test_clock_never_goes_back_even_behind_a_future_timestamp() -> None:
    clock = Clock()
    assert clock.stamp(after="2999-01-01T00:00:00.000000Z") == "2999-01-01T00:00:00.000001Z"
    assert clock.stamp() > "2999-01-01T00:00:00.000001Z"


def test_create_gives_next_id_and_fills_generated_values(platform: PlatformSandbox) -> None:
    last_id = platform.records("contacts")[-1]["id"]
    contact = platform.create("contacts", {"company": "Voicesync Test"}, emit=False)
    assert contact["id"] > last_id
    assert contact["company"] == "Voicesync Test"
    assert E164.match(contact["phone"])
    call = platform.create("calls", {"contact_id": contact["id"]}, emit=False)
    assert (call["contact_id"], call["status"], call["started_at"]) == (contact["id"], "queued", None)


def test_complete_call_sets_status_and_start(platform: PlatformSandbox) -> None:
    queued = platform.create("calls", {}, emit=False)
    done = platform.complete_call(queued["id"], {"duration_seconds": 42}, emit=False)
    assert (done["status"], done["duration_seconds"]) == ("completed", 42)
    assert done["started_at"] is not None
    assert done["updated_at"] > queued["updated_at"]


def test_delete_removes_the_record_but_not_calls(platform: PlatformSandbox) -> None:
    campaign = platform.create("campaigns", {}, emit=False)
    platform.delete("campaigns", campaign["id"], emit=False)
    assert platform.get("campaigns", campaign["id"]) is None
    assert campaign["id"] not in {c["id"] for c in platform.records("campaigns")}
    with pytest.raises(NotFoundError):
        platform.delete("campaigns", campaign["id"])
    with pytest.raises(ValueError, match="cannot be deleted"):
        platform.delete("calls", "cl_00000001")


def test_changes_are_validated(platform: PlatformSandbox) -> None:
    taken = platform.get("contacts", "ct_00000001")["phone"]
    with pytest.raises(ValidationError) as duplicate:
        platform.update("contacts", "ct_00000002", {"phone": taken})
    assert set(duplicate.value.fields) == {"phone"}
    with pytest.raises(ValidationError) as bad:
        platform.update("calls", "cl_00000001", {"status": "lost", "colour": "red", "id": "x"})
    assert set(bad.value.fields) == {"status", "colour", "id"}
    with pytest.raises(ValidationError):
        platform.create("calls", {"contact_id": "ct_99999999"})
    with pytest.raises(NotFoundError):
        platform.update("contacts", "ct_99999999", {"company": None})
    assert platform.get("contacts", "ct_00000002")["phone"] != taken
