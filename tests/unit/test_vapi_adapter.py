"""The Vapi adapter alone: canonical records from Vapi's shapes, and its credential schemes."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from shared.errors import ConfigError
from shared.platforms.base import Event, contact_id
from shared.platforms.vapi import VapiPlatform, VapiWebhooks
from shared.settings import Settings
from shared.signing import SignatureError

SECRET = "a-vapi-credential-secret"
OLD = "the-previous-vapi-secret"
CALL = {
    "id": "3f0c9a52-8d7e-4e0e-9a57-1c2b3d4e5f60",
    "orgId": "org",
    "createdAt": "2026-01-02T03:00:00.000Z",
    "updatedAt": "2026-01-02T03:05:00.000Z",
    "type": "outboundPhoneCall",
    "status": "ended",
    "startedAt": "2026-01-02T03:00:10.000Z",
    "endedAt": "2026-01-02T03:01:45.400Z",
    "endedReason": "customer-ended-call",
    "cost": 0.1234,
    "campaignId": "c1",
    "assistantId": "a1",
    "customer": {"number": "+14155550123", "email": "ada@example.org"},
    "artifact": {"transcript": "AI: Hello\nUser: Hi", "recordingUrl": "https://r.example/1.mp3"},
    "analysis": {"summary": "Booked.", "successEvaluation": "true", "structuredData": {"b": 1, "a": 2}},
}


def webhooks(**values: str) -> VapiWebhooks:
    env = {"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": f"{SECRET} {OLD}", **values}
    return VapiWebhooks(Settings.from_env(env))


def test_a_call_becomes_canonical_with_its_person() -> None:
    normalized = VapiPlatform("http://vapi.test", "key").normalize("calls", CALL)
    call = normalized.record
    assert call["contact_id"] == contact_id("+14155550123") == "tel-14155550123"
    assert (call["direction"], call["duration_seconds"], call["cost"]) == ("outbound", 95, 0.1234)
    assert (call["summary"], call["transcript"], call["ended_reason"]) == (
        "Booked.",
        "AI: Hello\nUser: Hi",
        "customer-ended-call",
    )
    assert call["structured_data"] == {"b": 1, "a": 2} and call["recording_url"] == "https://r.example/1.mp3"
    assert call["contact_name"] is None  # Vapi gave no name: the call is named by the number
    # a person Vapi knows no name of: the key is left out, so a matched partner keeps its own
    assert normalized.related == {
        "contacts": [
            {
                "id": "tel-14155550123",
                "updated_at": CALL["updatedAt"],
                "phone": "+14155550123",
                "email": "ada@example.org",
            }
        ]
    }


def test_a_call_that_names_no_number_carries_nobody() -> None:
    web = {**CALL, "type": "webCall", "customer": {"name": "Anonymous"}, "startedAt": None}
    normalized = VapiPlatform("http://vapi.test", "key").normalize("calls", web)
    assert normalized.record["contact_id"] is None and normalized.related == {}
    assert (normalized.record["direction"], normalized.record["duration_seconds"]) == ("web", 0)


def test_a_campaign_carries_its_customers() -> None:
    campaign = {"id": "c1", "name": "Spring", "status": "ended", "updatedAt": "2026-01-01T00:00:00Z",
                "customers": [{"number": "+14155550123", "name": "Ada"}, {"name": "no number"}]}  # fmt: skip
    normalized = VapiPlatform("http://vapi.test", "key").normalize("campaigns", campaign)
    assert normalized.record == {"id": "c1", "updated_at": "2026-01-01T00:00:00Z", "name": "Spring", "status": "ended"}
    assert [p["id"] for p in normalized.related["contacts"]] == ["tel-14155550123"]


@pytest.mark.parametrize(
    ("header", "value"),
    [("Authorization", f"Bearer {SECRET}"), ("Authorization", f"Bearer {OLD}"), ("X-Vapi-Secret", SECRET)],
)
def test_a_bearer_credential_is_accepted_in_its_header(header: str, value: str) -> None:
    scheme = webhooks(VAPI_WEBHOOK_HEADER=header) if header != "Authorization" else webhooks()
    key = scheme.verify({header: value}, b'{"message": {}}')
    assert key.startswith("vapi-") and key == scheme.verify({header: value}, b'{"message": {}}')
    assert key != scheme.verify({header: value}, b'{"message": {"type": "x"}}')  # the bytes are the id
    with pytest.raises(SignatureError):
        scheme.verify({header: "Bearer wrong-secret-of-enough-length"}, b"{}")


@pytest.mark.parametrize(
    ("settings", "headers", "message"),
    [
        ({}, {"X-Vapi-Secret": SECRET}, "Authorization is required; the request carries X-Vapi-Secret (Vapi's older "
         "header) instead: set VAPI_WEBHOOK_HEADER=X-Vapi-Secret to accept it"),
        ({"VAPI_WEBHOOK_HEADER": "X-Vapi-Secret"}, {"Authorization": f"Bearer {SECRET}"}, "X-Vapi-Secret is required; "
         "the request carries Authorization instead: set VAPI_WEBHOOK_HEADER=Authorization to accept it"),
        ({"VAPI_WEBHOOK_AUTH": "hmac"}, {"X-Vapi-Secret": SECRET}, "x-signature is required; the request carries "
         "X-Vapi-Secret (Vapi's older header) instead: set VAPI_WEBHOOK_AUTH=bearer and "
         "VAPI_WEBHOOK_HEADER=X-Vapi-Secret to accept it"),
        ({}, {"X-Other": SECRET}, "Authorization is required"),
    ],
)  # fmt: skip
def test_a_credential_in_another_header_is_refused_naming_the_settings_that_accept_it(
    settings: dict[str, str], headers: dict[str, str], message: str
) -> None:
    """Vapi's older X-Vapi-Secret header once got a bare 401. Still refused (the credential is
    checked only where it was configured), with the header names only: never a secret."""
    with pytest.raises(SignatureError) as refused:
        webhooks(**settings).verify(headers, b'{"message": {}}')
    assert (refused.value.reason, str(refused.value)) == ("missing_headers", message)


def test_an_hmac_credential_checks_the_signature_and_its_age() -> None:
    scheme = webhooks(VAPI_WEBHOOK_AUTH="hmac")
    body = b'{"message": {"type": "status-update"}}'
    stamp = str(int(time.time() * 1000))
    signed = hmac.new(OLD.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert scheme.verify({"x-signature": signed, "x-timestamp": stamp}, body).startswith("vapi-")
    with pytest.raises(SignatureError, match="matches no"):
        scheme.verify({"x-signature": signed, "x-timestamp": stamp}, body + b" ")
    old = str(int(time.time()) - 3600)
    stale = hmac.new(SECRET.encode(), f"{old}.".encode() + body, hashlib.sha256).hexdigest()
    with pytest.raises(SignatureError) as refused:
        scheme.verify({"x-signature": stale, "x-timestamp": old}, body)
    assert refused.value.reason == "stale_timestamp"


def test_server_messages_route_calls_and_the_rest_is_ignored() -> None:
    scheme = webhooks()
    report = {"message": {"type": "end-of-call-report", "call": {"id": CALL["id"]}}}
    assert scheme.events(report) == ("end-of-call-report", [Event("end-of-call-report", "calls", CALL["id"])])
    assert scheme.events({"message": {"type": "speech-update", "call": {"id": CALL["id"]}}}) == ("speech-update", [])
    for bad in ({"type": "end-of-call-report"}, {"message": {"type": "status-update", "call": {"id": "../x"}}}):
        with pytest.raises(ValueError):
            scheme.events(bad)


@pytest.mark.parametrize(
    ("values", "named"),
    [({"VAPI_WEBHOOK_SECRET": "short"}, "VAPI_WEBHOOK_SECRET"), ({"VAPI_WEBHOOK_AUTH": "basic"}, "VAPI_WEBHOOK_AUTH")],
)
def test_a_bad_credential_setting_is_refused_at_start(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env({"VOICE_PLATFORM": "vapi", **values})


def test_an_unknown_platform_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="VOICE_PLATFORM must be one of bland, generic, retell, vapi"):
        Settings.from_env({"VOICE_PLATFORM": "twilio"})
