"""Standard Webhooks signing and verification, shared by the sandbox (signs) and the receiver (verifies).

The scheme: HMAC-SHA256 over ``"{webhook-id}.{webhook-timestamp}.{raw body}"`` with the secret's
base64-decoded bytes (after the ``whsec_`` prefix); the ``webhook-signature`` header holds one or
more space-separated ``v1,<base64>`` entries. Verification works on the raw body bytes, never on
re-serialised JSON, and compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping

SECRET_PREFIX = "whsec_"
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
MIN_KEY_BYTES = 16
MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII: it becomes the inbox's dedupe key
TIMESTAMP = re.compile(r"[0-9]{1,13}")  # epoch seconds or milliseconds, ASCII digits only
# The re-serialised form of a body (signed_forms) is tried only up to this size: parsing is the
# one costly step before a signature is known good, and a vendor's re-encoded webhook is small.
FALLBACK_MAX_BYTES = 64 * 1024


class SignatureError(Exception):
    """A webhook whose signature or timestamp cannot be trusted; ``reason`` is a metric label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def new_secret() -> str:
    """A fresh random secret in the ``whsec_<base64>`` form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    """The key bytes of a ``whsec_<base64>`` secret; ValueError for an empty, short or malformed one
    (an empty key would accept an HMAC anybody can make)."""
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        raise ValueError("is not of the form whsec_<base64>") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"holds fewer than {MIN_KEY_BYTES} bytes of key")
    return key


def check_secret(secret: str) -> None:
    """Raise ValueError saying what is wrong with ``secret``; checked once, at start-up."""
    _key(secret)


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The three headers a Standard Webhooks sender puts on a delivery."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature(secret, msg_id, ts, body),
    }


def verify(
    secrets_: Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance: int = TIMESTAMP_TOLERANCE_SECONDS,
) -> str:
    """Check a delivery against every current secret and return its ``webhook-id``.

    Several secrets are accepted at once so that a secret can be rotated without dropping events.
    Raises :class:`SignatureError` with a short machine-readable reason otherwise.
    """
    msg_id = headers.get("webhook-id", "")
    ts_text = headers.get("webhook-timestamp", "")
    sig_header = headers.get("webhook-signature", "")
    if not (msg_id and ts_text and sig_header):
        raise SignatureError("missing_headers", "webhook-id, webhook-timestamp and webhook-signature are required")
    if not MESSAGE_ID.fullmatch(msg_id):
        raise SignatureError("bad_id", "webhook-id must be 1 to 255 printable ASCII characters")
    timestamp = fresh_timestamp(ts_text, "webhook-timestamp", now=now, tolerance=tolerance, unit=1)
    offered = [part.encode() for part in sig_header.split(" ") if part.startswith("v1,")]
    matched = False
    for secret in secrets_:
        expected = signature(secret, msg_id, timestamp, body).encode()
        for candidate in offered:
            # No early exit: the time taken does not tell which secret or entry matched.
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("bad_signature", "no signature matches a current secret")
    return msg_id


def fresh_timestamp(
    text: str, header: str, *, now: float | None = None, tolerance: int = TIMESTAMP_TOLERANCE_SECONDS, unit: int = 0
) -> int:
    """A timestamp header's value, refused unless it is 1 to 13 ASCII digits within the tolerance
    window. ``unit`` 1: seconds; 1000: milliseconds; 0: either (milliseconds past 10^11)."""
    if not TIMESTAMP.fullmatch(text):
        raise SignatureError("bad_timestamp", f"{header} is not 1 to 13 digits")
    value = int(text)
    seconds = value / (unit or (1000 if value > 10**11 else 1))
    current = time.time() if now is None else now
    if abs(current - seconds) > tolerance:
        raise SignatureError("stale_timestamp", f"{header} is outside the tolerance window")
    return value


def signed_forms(body: bytes) -> list[bytes]:
    """What a vendor that signs ``JSON.stringify`` of its payload may have signed: the raw bytes
    (what it sends, if nothing re-encoded them on the way), then, for a body up to
    ``FALLBACK_MAX_BYTES``, the body re-serialised compactly as JavaScript does, which is how
    Retell's and Bland's own examples verify. A larger body is verified as received only, so an
    unsigned megabyte costs an HMAC, not a parse."""
    if len(body) > FALLBACK_MAX_BYTES:
        return [body]
    try:
        compact = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return [body]
    return [body] if compact == body else [body, compact]


def hex_hmac_matches(keys: Iterable[str], body: bytes, offered: str, suffix: bytes = b"") -> bool:
    """Whether ``offered`` is the hex HMAC-SHA256, under one of ``keys``, of a form of ``body``
    (:func:`signed_forms`) followed by ``suffix`` (Retell appends its timestamp); constant time."""
    offered_bytes = offered.strip().lower().encode()
    keys = [key.encode() for key in keys]

    def matches(form: bytes) -> bool:
        return any(
            hmac.compare_digest(hmac.new(key, form + suffix, hashlib.sha256).hexdigest().encode(), offered_bytes)
            for key in keys
        )

    if matches(body):  # what every vendor sends: no parse at all
        return True
    return any(matches(form) for form in signed_forms(body)[1:])
