"""Standard Webhooks signatures: raw bytes, several secrets, tolerance, constant-time checks."""

from __future__ import annotations

import time

import pytest

from shared.signing import SignatureError, check_secret, new_secret, sign_headers, signature, verify

BODY = b'{"type":"contact.updated","data":{"id":"ct_1"}}'


def test_known_vector_from_the_standard() -> None:
    # The example from the Standard Webhooks specification.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_accepts_any_current_secret() -> None:
    old, new = new_secret(), new_secret()
    headers = sign_headers(old, "msg_1", BODY)
    assert verify([new, old], headers, BODY) == "msg_1"


def test_rejects_removed_secret_and_changed_body() -> None:
    old, new = new_secret(), new_secret()
    headers = sign_headers(old, "msg_1", BODY)
    with pytest.raises(SignatureError) as info:
        verify([new], headers, BODY)
    assert info.value.reason == "bad_signature"
    with pytest.raises(SignatureError):
        verify([old], headers, BODY + b" ")


@pytest.mark.parametrize("skew", [-301, 301])
def test_rejects_stale_or_future_timestamps(skew: int) -> None:
    secret = new_secret()
    headers = sign_headers(secret, "msg_1", BODY, timestamp=int(time.time()) + skew)
    with pytest.raises(SignatureError) as info:
        verify([secret], headers, BODY)
    assert info.value.reason == "stale_timestamp"


def test_accepts_one_of_several_signatures() -> None:
    secret = new_secret()
    headers = sign_headers(secret, "msg_1", BODY)
    headers["webhook-signature"] = "v1,bm90IGl0 " + headers["webhook-signature"]
    assert verify([secret], headers, BODY) == "msg_1"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"webhook-id": ""}, "missing_headers"),
        ({"webhook-timestamp": "soon"}, "bad_timestamp"),
        ({"webhook-signature": "v2,abc"}, "bad_signature"),
    ],
)
def test_malformed_headers(change: dict[str, str], reason: str) -> None:
    secret = new_secret()
    headers = {**sign_headers(secret, "msg_1", BODY), **change}
    with pytest.raises(SignatureError) as info:
        verify([secret], headers, BODY)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("secret", "why"),
    [("whsec_", "fewer than 16 bytes"), ("whsec_c2hvcnQ=", "fewer than 16 bytes"), ("whsec_typo!", "whsec_<base64>")],
)
def test_an_empty_short_or_malformed_secret_is_refused(secret: str, why: str) -> None:
    """An empty key would accept an HMAC anybody can make; settings refuse these at start-up."""
    with pytest.raises(ValueError, match=why):
        check_secret(secret)
    check_secret(new_secret())


@pytest.mark.parametrize("msg_id", ["msg 1", "msg\x001", "é", "x" * 256])
def test_a_webhook_id_outside_printable_ascii_is_refused(msg_id: str) -> None:
    secret = new_secret()
    headers = sign_headers(secret, "msg_1", BODY) | {"webhook-id": msg_id}
    with pytest.raises(SignatureError) as refused:
        verify([secret], headers, BODY)
    assert refused.value.reason == "bad_id"
