"""Ended calls on their contacts' chatter, through real workers on the stand-ins: one note per
ended call with a contact, whatever runs again (full syncs, two workers, a replayed sync, a hand
edit repaired), none for a call still going, an update edits its note, and the setting off
posts nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared.call_notes import NOTE_PREFIX, has_ended
from shared.entities import ENTITIES
from shared.odoo_setup import bootstrap
from shared.producer.operations import start_resync
from shared.services import Services
from shared.settings import Settings

StartWorker = Callable[..., ManagedProcess]
CALL_FIELDS = ["x_platform_id", "x_partner_id", "x_status", "x_ended_at"]


def _full_sync(services: Services) -> None:
    for entity in ENTITIES:
        run_id = start_resync(services, entity, full=True)
        wait_for(lambda r=run_id: services.runs.get(r).status in {"succeeded", "failed"}, 120, what=f"run {run_id}")
        assert services.runs.get(run_id).status == "succeeded", services.runs.get(run_id).error


def _notes(odoo: OdooSandbox) -> dict[str, dict[str, Any]]:
    """The call notes in Odoo, by the platform id of their call (each external id once)."""
    names = odoo.records(
        "ir.model.data", [("module", "=", "voicesync"), ("model", "=", "mail.message")], ["name", "res_id"]
    )
    messages = {
        m["id"]: m
        for m in odoo.records("mail.message", [("message_type", "=", "comment")], ["model", "res_id", "body"])
    }
    assert len(messages) == len(names), "every comment on a contact is a call's note, and each has its external id"
    return {row["name"].removeprefix(f"{NOTE_PREFIX}_"): messages[row["res_id"]] for row in names}


def _ended_with_a_contact(odoo: OdooSandbox) -> dict[str, int]:
    """The calls that should have a note: platform id -> partner id."""
    calls = odoo.records("x_voicesync_call", [], CALL_FIELDS)
    return {c["x_platform_id"]: c["x_partner_id"][0] for c in calls if has_ended(c) and c["x_partner_id"]}


def _assert_one_note_per_ended_call(odoo: OdooSandbox) -> dict[str, dict[str, Any]]:
    notes, expected = _notes(odoo), _ended_with_a_contact(odoo)
    assert expected and {pid: (n["model"], n["res_id"]) for pid, n in notes.items()} == {
        pid: ("res.partner", partner) for pid, partner in expected.items()
    }
    return notes


def test_each_ended_call_is_noted_once_through_syncs_two_workers_replays_and_updates(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    bootstrap(services.odoo)
    start_worker("contacts,campaigns", name="people")
    start_worker("calls", name="calls-a")
    start_worker("calls", name="calls-b")
    _full_sync(services)
    first = _assert_one_note_per_ended_call(odoo)
    going = [c for c in platform.records("calls") if c["status"] in ("queued", "in_progress") and c["contact_id"]]
    assert going and not set(first) & {c["id"] for c in going}

    _full_sync(services)  # nothing changed: nothing written
    assert _assert_one_note_per_ended_call(odoo) == first

    some = next(iter(first))
    call_id = services.binder.get_many("calls", [some])[some].odoo_id
    odoo.write("x_voicesync_call", [call_id], {"x_summary": "edited by hand"})
    _full_sync(services)  # the hand edit is repaired: the call is written again, its note too
    services.importer.sync_many(ENTITIES["calls"], list(first))  # a replay of every ended call
    assert _assert_one_note_per_ended_call(odoo).keys() == first.keys()

    ended = platform.complete_call(going[0]["id"], {"summary": "Wants a demo next week"}, emit=False)
    updated = platform.update("calls", some, {"summary": "Callback booked"}, emit=False)
    _full_sync(services)
    notes = _assert_one_note_per_ended_call(odoo)
    assert "Wants a demo next week" in notes[ended["id"]]["body"]
    assert "Callback booked" in notes[updated["id"]]["body"] and notes[some]["id"] == first[some]["id"]


class TestTheSettingOff:
    @pytest.fixture
    def env(self, env: dict[str, str]) -> dict[str, str]:
        return {**env, "VOICESYNC_CALL_NOTES": "0"}

    def test_no_note_is_posted(
        self, services: Services, settings: Settings, start_worker: StartWorker, odoo: OdooSandbox
    ) -> None:
        assert settings.call_notes is False
        bootstrap(services.odoo)
        start_worker("contacts,campaigns,calls")
        _full_sync(services)
        assert _ended_with_a_contact(odoo)
        assert odoo.records("mail.message", [("message_type", "=", "comment")], ["id"]) == []
