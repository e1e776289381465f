"""A call as Odoo's users read it: its name, labelled choices (unknown vendor values kept), duration
in minutes, a cost known or not, success, sentiment and voicemail."""

from __future__ import annotations

from typing import Any

import pytest

from shared.mappers import call_labels
from shared.mappers.calls import CallMapper

CALL = {"id": "cl_1", "updated_at": "2026-12-25T15:00:00Z"}


def _map(**record: Any) -> dict[str, Any]:
    return CallMapper().map({**CALL, **record})


@pytest.mark.parametrize(
    ("record", "name"),
    [
        (
            {"direction": "outbound", "contact_name": "Jonas Dubois", "started_at": "2026-12-25T15:21:09+01:00"},
            "Outbound call with Jonas Dubois · 25 Dec 14:21 UTC",
        ),
        (
            {"direction": "inbound", "contact_id": "tel-33612345678", "started_at": "2026-12-25T14:21:00Z"},
            "Inbound call with +33612345678 · 25 Dec 14:21 UTC",
        ),
        ({"direction": "OUTBOUND", "contact_id": "ct_7"}, "Outbound call"),
        ({"direction": "web", "contact_name": "  "}, "Web call"),
        ({"direction": "carrier-pigeon"}, "Call"),
        ({}, "Call"),
    ],
)
def test_a_call_is_named_by_direction_person_and_start_in_utc(record: dict[str, Any], name: str) -> None:
    values = _map(**record)
    assert values["x_name"] == name
    assert values["x_platform_id"] == "cl_1"


@pytest.mark.parametrize(
    ("status", "ended_reason", "expected"),
    [
        ("ended", "customer-ended-call", ("ended", "answered")),
        ("ended", "assistant-ended-call", ("ended", "answered")),
        ("ended", "customer-did-not-answer", ("ended", "no_answer")),
        ("ended", "twilio-failed-to-connect-call", ("ended", "failed")),
        ("ended", "pipeline-error-openai-llm-failed", ("ended", "failed")),
        ("ended", "voicemail", ("ended", "voicemail")),
        ("ended", "Customer-Busy", ("ended", "busy")),
        ("not_connected", "dial_no_answer", ("ended", "no_answer")),
        ("ended", "agent_hangup", ("ended", "answered")),
        ("completed", "USER", ("ended", "answered")),
        ("in-progress", None, ("in_progress", False)),
        ("ongoing", None, ("in_progress", False)),
        ("queued", None, ("queued", False)),
        ("completed", None, ("ended", "answered")),  # the generic API says no more than its status
        ("no_answer", None, ("ended", "no_answer")),
        ("failed", None, ("failed", "failed")),
        ("teleported", "a-brand-new-reason", (call_labels.OTHER, call_labels.OTHER)),
        (None, None, (False, False)),
    ],
)
def test_status_and_outcome_mean_the_vendors_words_and_keep_them(
    status: str | None, ended_reason: str | None, expected: tuple[Any, Any]
) -> None:
    values = _map(status=status, ended_reason=ended_reason)
    assert (values["x_call_status"], values["x_outcome"]) == expected
    assert (values["x_status"], values["x_ended_reason"]) == (status or False, ended_reason or False)


def test_every_choice_is_one_its_selection_offers() -> None:
    for name, choices in CallMapper.selections.items():
        keys = [key for key, _label in choices]
        assert len(keys) == len(set(keys)) and all(label for _key, label in choices), name
    tables = {
        "x_call_direction": call_labels._DIRECTION,
        "x_call_status": call_labels._STATUS,
        "x_outcome": call_labels._OUTCOME,
        "x_success": call_labels._SUCCESS,
        "x_sentiment": call_labels._SENTIMENT,
    }
    for name, table in tables.items():
        offered = {key for key, _label in CallMapper.selections[name]}
        assert set(table.values()) <= offered, name


def test_duration_is_minutes_for_float_time() -> None:
    assert _map(duration_seconds=812)["x_duration_minutes"] == pytest.approx(13 + 32 / 60)
    assert _map(duration_seconds=None)["x_duration_minutes"] == 0.0


@pytest.mark.parametrize(("cost", "known"), [(0.0, True), (0.12, True), ("0", True), (None, False), ("", False)])
def test_a_cost_is_known_only_when_the_vendor_gives_one(cost: object, known: bool) -> None:
    values = _map(cost=cost)
    assert values["x_cost_known"] is known and isinstance(values["x_cost"], float)


@pytest.mark.parametrize(
    ("evaluation", "success"),
    [("true", "yes"), (True, "yes"), ("Pass", "yes"), ("false", "no"), (False, "no"), ("8/10", False), (None, False)],
)
def test_success_is_yes_or_no_where_the_evaluation_says_so(evaluation: object, success: object) -> None:
    values = _map(success_evaluation=evaluation)
    assert values["x_success"] == success


@pytest.mark.parametrize(
    ("sentiment", "expected"),
    [("Positive", "positive"), ("Negative", "negative"), ("Unknown", False), ("Mixed", "other")],
)
def test_sentiment_as_a_choice(sentiment: str, expected: object) -> None:
    assert _map(sentiment=sentiment)["x_sentiment"] == expected


def test_voicemail_from_the_vendors_flag_or_its_ended_reason() -> None:
    assert _map(voicemail=True)["x_voicemail"] is True
    assert _map(ended_reason="voicemail_reached")["x_voicemail"] is True
    assert _map(voicemail=False, ended_reason="user_hangup")["x_voicemail"] is False


def test_a_call_not_started_sorts_last() -> None:
    assert _map(started_at="2026-12-25T14:21:00Z")["x_has_start"] is True
    assert _map(started_at=None)["x_has_start"] is False


@pytest.mark.parametrize(
    ("structured", "asked"),
    [
        ({"callbackRequested": True, "interested": False}, True),  # Vapi's structured data
        ({"custom_analysis_data": {"callback_requested": "Yes"}}, True),  # Retell's, one level down
        ({"analysis": [{"Call-Back": "true"}]}, True),
        ({"callback_requested": False, "interested": True}, False),
        ({"callback_requested": "no"}, False),
        ({"callback_time": "Friday"}, False),  # a key that only sounds like it
        ("please call back", False),  # free text is not read
        (None, False),
    ],
)
def test_a_callback_is_asked_only_where_the_analysis_says_so(structured: object, asked: bool) -> None:
    assert _map(structured_data=structured)["x_callback"] is asked
