"""The Retell and Bland adapters alone: canonical records from their shapes, their webhook
signatures (raw bytes or the compact re-serialisation), dedupe keys and settings; and the
paginators they page with."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time

import pytest

from shared.errors import ConfigError, InvalidRequest
from shared.pagination import CursorPaginator, OffsetPaginator
from shared.platforms.bland import BlandPlatform, BlandWebhooks, bland_e164
from shared.platforms.generic import GenericPlatform
from shared.platforms.retell import RetellPlatform, RetellWebhooks, batch_calls
from shared.settings import Settings
from shared.signing import SignatureError

KEY = "key_retell_0123456789abcdef"
BLAND_SECRET = "bland-signing-secret-0123"
RETELL_CALL = {
    "call_id": "call_01",
    "agent_id": "agent_1",
    "call_type": "phone_call",
    "direction": "inbound",
    "call_status": "ended",
    "from_number": "+14155550123",
    "to_number": "+14155550100",
    "start_timestamp": 1767322800000,
    "end_timestamp": 1767322895400,
    "duration_ms": 95400,
    "disconnection_reason": "user_hangup",
    "call_cost": {"combined_cost": 12.5},
    "transcript": "Agent: Hello\nUser: Hi",
    "recording_url": "https://r.example/1.wav",
    "call_analysis": {
        "call_summary": "Booked.",
        "user_sentiment": "Positive",
        "call_successful": True,
        "in_voicemail": False,
        "custom_analysis_data": {"visit": "tuesday"},
    },
}
BLAND_CALL = {
    "call_id": "9a0c0000-0000-4000-8000-000000000001",
    "created_at": "2026-01-02T03:00:00.123456+00:00",
    "started_at": "2026-01-02T03:00:10+00:00",
    "end_at": "2026-01-02T03:01:45.000Z",
    "completed": True,
    "inbound": False,
    "to": "4155550123",
    "from": "+14155550100",
    "status": "completed",
    "queue_status": "complete",
    "call_length": 1.59,
    "corrected_duration": "95",
    "price": 0.068,
    "summary": "Booked.",
    "concatenated_transcript": "user: Hello? \n assistant: Hi there!",
    "answered_by": "voicemail",
    "batch_id": "b0",
    "pathway_id": "p1",
}


def retell() -> RetellPlatform:
    return RetellPlatform("http://retell.test", KEY)


def test_a_retell_call_becomes_canonical_with_its_person() -> None:
    normalized = retell().normalize("calls", RETELL_CALL)
    call = normalized.record
    assert call["contact_id"] == "tel-14155550123"  # the caller of an inbound call
    assert (call["direction"], call["status"], call["duration_seconds"], call["cost"]) == (
        "inbound",
        "ended",
        95,
        0.125,
    )
    assert (call["summary"], call["success_evaluation"], call["ended_reason"]) == ("Booked.", "true", "user_hangup")
    assert call["structured_data"] == {
        "user_sentiment": "Positive",
        "in_voicemail": False,
        "custom_analysis_data": {"visit": "tuesday"},
    }
    assert (call["sentiment"], call["voicemail"]) == ("Positive", False)  # as filterable fields
    assert call["started_at"] == "2026-01-02T03:00:00Z" and call["campaign_id"] is None
    assert normalized.related == {
        "contacts": [{"id": "tel-14155550123", "updated_at": "1970-01-01T00:00:00Z", "phone": "+14155550123"}]
    }


def test_a_retell_call_once_analysed_is_newer_than_the_same_call_before() -> None:
    """No updated_at: the analysis arrives later at the same end instant, and must win."""
    ended = {key: value for key, value in RETELL_CALL.items() if key != "call_analysis"}
    before = retell().normalize("calls", ended).record["updated_at"]
    after = retell().normalize("calls", RETELL_CALL).record["updated_at"]
    assert before < after and before == "2026-01-02T03:01:35.400000Z"
    web = retell().normalize("calls", {**RETELL_CALL, "call_type": "web_call"})
    assert web.record["contact_id"] is None and web.record["direction"] == "web" and web.related == {}


def test_a_retell_contact_is_known_by_its_number() -> None:
    raw = {"contact_id": "c1", "phone_number": "+14155550123", "first_name": "Ada", "created_timestamp": 1.0}
    assert retell().normalize("contacts", raw).record == {
        "id": "tel-14155550123",
        "updated_at": "1970-01-01T00:00:00.001000Z",
        "phone": "+14155550123",
        "name": "Ada",
    }


def test_retell_batch_calls_are_named_in_a_setting() -> None:
    assert batch_calls(" batch_call_a=Spring offer, batch_call_b ,") == {
        "batch_call_a": "Spring offer",
        "batch_call_b": "batch_call_b",
    }
    with pytest.raises(ConfigError, match="RETELL_BATCH_CALLS"):
        batch_calls("../x=Bad")


def retell_signature(key: str, body: bytes, at_ms: int) -> str:
    digest = hmac.new(key.encode(), body + str(at_ms).encode(), hashlib.sha256).hexdigest()
    return f"v={at_ms},d={digest}"


def retell_hooks(**env: str) -> RetellWebhooks:
    return RetellWebhooks(Settings.from_env({"VOICE_PLATFORM": "retell", "VOICE_API_KEY": KEY, **env}))


def test_retell_webhooks_verify_the_raw_body_or_its_compact_form() -> None:
    hooks = retell_hooks()
    event = {"event": "call_ended", "call": {"call_id": "call_01", "note": "café"}}
    compact = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    spaced = json.dumps(event, indent=2).encode()  # reformatted on the way: Retell signed the compact form
    now = int(time.time() * 1000)
    assert hooks.verify({"x-retell-signature": retell_signature(KEY, compact, now)}, compact) == (
        "retell-call_ended-call_01"
    )
    assert hooks.verify({"x-retell-signature": retell_signature(KEY, compact, now)}, spaced)
    assert hooks.events(event) == ("call_ended", [hooks.events(event)[1][0]])
    assert hooks.events({"event": "transcript_updated", "call": {"call_id": "call_01"}}) == ("transcript_updated", [])
    for headers, reason in (
        ({}, "missing_headers"),
        ({"x-retell-signature": "d=00"}, "bad_signature"),
        ({"x-retell-signature": retell_signature(KEY, compact, now - 6 * 60_000)}, "stale_timestamp"),
        ({"x-retell-signature": retell_signature("another-key", compact, now)}, "bad_signature"),
    ):
        with pytest.raises(SignatureError) as refused:
            hooks.verify(headers, compact)
        assert refused.value.reason == reason


def test_retell_webhooks_take_a_key_of_their_own_while_rotating() -> None:
    hooks = retell_hooks(RETELL_WEBHOOK_API_KEY="key-new-0123456789 key-old-0123456789")
    body, now = b'{"event":"call_started","call":{"call_id":"c2"}}', int(time.time() * 1000)
    assert hooks.verify({"x-retell-signature": retell_signature("key-old-0123456789", body, now)}, body)
    with pytest.raises(SignatureError):
        hooks.verify({"x-retell-signature": retell_signature(KEY, body, now)}, body)


def test_a_bland_call_becomes_canonical_with_its_person() -> None:
    normalized = BlandPlatform("http://bland.test", "key").normalize("calls", BLAND_CALL)
    call = normalized.record
    assert call["contact_id"] == "tel-14155550123"  # the callee, its number read as NANP
    assert (call["direction"], call["status"], call["duration_seconds"], call["cost"]) == (
        "outbound",
        "completed",
        95,
        0.068,
    )
    assert (call["ended_reason"], call["campaign_id"], call["assistant_id"]) == ("voicemail", "b0", "p1")
    assert call["updated_at"] == call["ended_at"] == "2026-01-02T03:01:45Z"
    assert call["transcript"] == BLAND_CALL["concatenated_transcript"]
    assert call["structured_data"] == {"answered_by": "voicemail"} and call["voicemail"] is True
    queued = BlandPlatform("http://bland.test", "key").normalize(
        "calls", {"call_id": "c", "created_at": BLAND_CALL["created_at"], "call_length": 0.5, "inbound": True}
    )
    assert queued.record["updated_at"] == "2026-01-02T03:00:00.123456Z" and queued.record["duration_seconds"] == 30
    assert queued.record["contact_id"] is None  # an inbound call with no caller number names nobody


@pytest.mark.parametrize(
    ("given", "wanted"),
    [
        ("+442071838750", "+442071838750"),
        ("4155550123", "+14155550123"),
        ("14155550123", "+14155550123"),
        ("x", None),
        ("\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0662\u0663", None),  # Arabic-Indic digits
        ("+\u00b9\u00b2\u00b3\u00b9\u00b2\u00b3\u00b9\u00b2", None),  # superscripts
        ("+1234", None),
    ],
)
def test_bland_numbers_read_as_e164(given: str, wanted: str | None) -> None:
    assert bland_e164(given) == wanted


def bland_hooks(secret: str = BLAND_SECRET) -> BlandWebhooks:
    return BlandWebhooks(Settings.from_env({"VOICE_PLATFORM": "bland", "BLAND_WEBHOOK_SECRET": secret}))


def test_bland_webhooks_verify_and_dedupe_by_call_and_status() -> None:
    hooks = bland_hooks()
    body = json.dumps(BLAND_CALL, separators=(",", ":")).encode()
    signed = {"X-Webhook-Signature": hmac.new(BLAND_SECRET.encode(), body, hashlib.sha256).hexdigest()}
    first = hooks.verify(signed, body)
    again = json.dumps({**BLAND_CALL, "summary": "resent"}, separators=(",", ":")).encode()
    resigned = {"X-Webhook-Signature": hmac.new(BLAND_SECRET.encode(), again, hashlib.sha256).hexdigest()}
    assert hooks.verify(resigned, again) == first  # the same call in the same status: a duplicate
    failed = json.dumps({**BLAND_CALL, "status": "failed"}, separators=(",", ":")).encode()
    other = {"X-Webhook-Signature": hmac.new(BLAND_SECRET.encode(), failed, hashlib.sha256).hexdigest()}
    assert hooks.verify(other, failed) != first
    assert hooks.events(BLAND_CALL)[1][0].platform_id == BLAND_CALL["call_id"]
    with pytest.raises(SignatureError):
        hooks.verify({"X-Webhook-Signature": "00" * 32}, body)
    with pytest.raises(ValueError, match="call_id"):
        hooks.events({"status": "completed"})


@pytest.mark.parametrize(("secret", "problem"), [("", "required"), ("short", "16 characters")])
def test_bland_webhooks_need_a_usable_secret(secret: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        bland_hooks(secret)


def test_a_cursor_walk_refuses_a_cursor_handed_out_before() -> None:
    paginator = CursorPaginator(2, lambda body: (body["items"], body.get("next")))
    assert paginator.params() == {"limit": 2}
    paginator.update({"items": [{"id": 1}], "next": "k1"})
    assert paginator.params() == {"limit": 2, "pagination_key": "k1"}
    paginator.update({"items": [{"id": 2}], "next": "k2"})
    restored = CursorPaginator(2, paginator.read)
    restored.restore(paginator.state())
    with pytest.raises(InvalidRequest, match="pagination loop"):
        restored.update({"items": [{"id": 3}], "next": "k1"})
    paginator.update({"items": [], "next": None})
    assert paginator.done


def test_an_offset_walk_sends_index_windows() -> None:
    paginator = OffsetPaginator(50, lambda body, number: (body, number + 1, 120))
    assert paginator.params() == {"from": 0, "to": 50, "limit": 50}
    paginator.update([{"id": 1}])
    assert paginator.params() == {"from": 50, "to": 100, "limit": 50} and paginator.remaining() == [2, 3]
    batches = OffsetPaginator(10, lambda body, number: (body, None, None), page_param="skip", size_param="take")
    batches.end_param = None
    assert batches.params() == {"skip": 0, "take": 10}


def test_a_page_s_whole_reads_run_side_by_side_and_keep_their_order() -> None:
    """Up to ``read_concurrency`` at once: two reads that each wait for the other finish only when
    they run together; the answers come back in the records' order."""
    platform = BlandPlatform("http://bland.test", "key", read_concurrency=4)
    both = threading.Barrier(2, timeout=5)

    def read(record: dict) -> dict:
        if record["id"] < 2:
            both.wait()
        return {**record, "read": True}

    try:
        assert platform.each(read, [{"id": n} for n in range(5)]) == [{"id": n, "read": True} for n in range(5)]
    finally:
        platform.close()
    one_by_one = BlandPlatform("http://bland.test", "key", read_concurrency=1)
    assert one_by_one.each(lambda record: {**record, "n": 1}, [{"id": 1}]) == [{"id": 1, "n": 1}]


def test_a_walk_resumes_from_a_checkpoint_kept_before_walks_had_sources() -> None:
    """A run left open by the previous release kept ``{"number", "paginator"}`` only."""
    walk = GenericPlatform("http://generic.test", "key").pages("contacts")
    walk.resume({"number": 1, "paginator": {"current": 2, "done": False, "seen": [1], "total": 30}})
    assert (walk.number, walk.paginator.params()["page"], walk.sources) == (1, 2, [])
    assert walk.checkpoint()["sources"] == []
