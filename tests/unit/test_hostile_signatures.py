"""What an outsider can send a webhook endpoint without knowing a secret: each refused as a
``SignatureError`` (a 401 with one line, never a 500), and no JSON parsed on the way.

Timestamps are 1 to 13 ASCII digits; a large unsigned body is checked by HMAC over its raw bytes
only (the re-serialised fallback form is built once, and only for bodies small enough to be real
webhooks)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest

from shared import signing
from shared.platforms.bland import BlandWebhooks
from shared.platforms.retell import RetellWebhooks
from shared.platforms.vapi import VapiWebhooks
from shared.settings import Settings
from shared.signing import FALLBACK_MAX_BYTES, SignatureError, new_secret, sign_headers, verify

KEY = "key_0123456789abcdef0123"
DEEP = b"[" * 5000 + b"]" * 5000
MEGABYTE = b"[" + b"[1,[2,[3]]]," * (1024 * 1024 // 12) + b"0]"
NOT_TIMESTAMPS = ["9" * 14, "9" * 400, "9" * 5000, "\u0661" * 13, "\u00b9" * 10, "NaN", "1e12", "-1", " 1"]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many bodies the signature checks parsed (json.loads wrapped, still real)."""
    sizes: list[int] = []
    real = json.loads

    def counted(body: bytes | str, **kwargs: object) -> object:
        sizes.append(len(body))
        return real(body, **kwargs)

    monkeypatch.setattr(signing.json, "loads", counted)
    yield sizes


def retell() -> RetellWebhooks:
    return RetellWebhooks(
        Settings.from_env(
            {"VOICE_PLATFORM": "retell", "VOICE_API_KEY": KEY, "RETELL_WEBHOOK_API_KEY": f"{KEY} {KEY}x {KEY}y"}
        )
    )


def bland() -> BlandWebhooks:
    return BlandWebhooks(Settings.from_env({"VOICE_PLATFORM": "bland", "BLAND_WEBHOOK_SECRET": f"{KEY} {KEY}x"}))


def vapi_hmac() -> VapiWebhooks:
    env = {"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": f"{KEY} {KEY}x", "VAPI_WEBHOOK_AUTH": "hmac"}
    return VapiWebhooks(Settings.from_env(env))


def now_ms() -> str:
    return str(int(time.time() * 1000))


JUNK = "0" * 64
UNSIGNED: dict[str, Callable[[bytes], str]] = {
    "generic": lambda body: verify(
        [new_secret()], {**sign_headers(new_secret(), "msg_1", b"other"), "webhook-id": "msg_1"}, body
    ),
    "retell": lambda body: retell().verify({"x-retell-signature": f"v={now_ms()},d={JUNK}"}, body),
    "bland": lambda body: bland().verify({"X-Webhook-Signature": JUNK}, body),
    "vapi": lambda body: vapi_hmac().verify({"x-signature": JUNK, "x-timestamp": now_ms()}, body),
}


@pytest.mark.parametrize("vendor", sorted(UNSIGNED))
@pytest.mark.parametrize("body", [MEGABYTE, DEEP], ids=["megabyte", "deep"])
def test_an_unsigned_body_is_refused_without_being_parsed(vendor: str, body: bytes, parses: list[int]) -> None:
    with pytest.raises(SignatureError) as refused:
        UNSIGNED[vendor](body)
    assert refused.value.reason == "bad_signature"
    assert all(size <= FALLBACK_MAX_BYTES for size in parses)  # the megabyte never; the deep body at most once
    assert len(parses) <= 1


@pytest.mark.parametrize("stamp", NOT_TIMESTAMPS)
def test_a_timestamp_that_is_not_1_to_13_ascii_digits_is_refused(stamp: str) -> None:
    secret = new_secret()
    headers = {**sign_headers(secret, "msg_1", b"{}"), "webhook-timestamp": stamp}
    refusals = [
        lambda: verify([secret], headers, b"{}"),
        lambda: retell().verify({"x-retell-signature": f"v={stamp},d={JUNK}"}, b"{}"),
        lambda: vapi_hmac().verify({"x-signature": JUNK, "x-timestamp": stamp}, b"{}"),
    ]
    for refuse in refusals:
        with pytest.raises(SignatureError) as refused:
            refuse()
        assert refused.value.reason == "bad_timestamp"


def test_a_thirteen_digit_timestamp_far_off_is_stale_not_an_error() -> None:
    with pytest.raises(SignatureError) as refused:
        retell().verify({"x-retell-signature": f"v={'9' * 13},d={JUNK}"}, b"{}")
    assert refused.value.reason == "stale_timestamp"
