"""What a call's vendor words mean to an Odoo user: selections with labels, and the vendors' values
that map onto them.

Odoo's selection fields refuse a value outside their list, and vendors add values without notice
(Vapi has dozens of ``endedReason`` values and adds more). So the vendor's value stays, verbatim,
in its own char field (``x_status``, ``x_direction``, ``x_ended_reason``) and a selection beside it
holds the known meaning, or ``other`` for a value voicesync does not know yet; the views show the
raw value next to ``Other``. A value is looked up case-insensitively with ``-``, ``_`` and spaces
alike, so Vapi's ``customer-busy`` and Retell's ``dial_busy`` read the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any

Choices = tuple[tuple[str, str], ...]
OTHER = "other"

DIRECTIONS: Choices = (("inbound", "Inbound"), ("outbound", "Outbound"), ("web", "Web call"), (OTHER, "Other"))
STATUSES: Choices = (
    ("scheduled", "Scheduled"),
    ("queued", "Queued"),
    ("ringing", "Ringing"),
    ("in_progress", "In progress"),
    ("ended", "Ended"),
    ("failed", "Failed"),
    (OTHER, "Other"),
)
OUTCOMES: Choices = (
    ("answered", "Answered"),
    ("no_answer", "No answer"),
    ("busy", "Busy"),
    ("voicemail", "Voicemail"),
    ("failed", "Failed"),
    (OTHER, "Other"),
)
SUCCESS: Choices = (("yes", "Successful"), ("no", "Not successful"))
SENTIMENTS: Choices = (("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative"), (OTHER, "Other"))

# Vendor value (normalised by key()) -> choice. Vapi, Retell, Bland and the generic API.
_DIRECTION = {"inbound": "inbound", "outbound": "outbound", "web": "web"}
_STATUS = {
    "scheduled": "scheduled",
    "queued": "queued",
    "registered": "queued",
    "ringing": "ringing",
    "in_progress": "in_progress",
    "ongoing": "in_progress",
    "started": "in_progress",
    "forwarding": "in_progress",
    "ended": "ended",
    "completed": "ended",
    "complete": "ended",
    "no_answer": "ended",
    "not_connected": "ended",
    "failed": "failed",
    "error": "failed",
    "call_error": "failed",
}
_OUTCOME = {
    # someone talked: whoever hung up, or the call was handed on or timed out
    **dict.fromkeys(
        (
            "customer_ended_call",
            "assistant_ended_call",
            "assistant_said_end_call_phrase",
            "assistant_forwarded_call",
            "silence_timed_out",
            "exceeded_max_duration",
            "user_hangup",
            "agent_hangup",
            "call_transfer",
            "inactivity",
            "max_duration_reached",
            "user",
            "assistant",
            "completed",
        ),
        "answered",
    ),
    **dict.fromkeys(("customer_did_not_answer", "dial_no_answer", "no_answer", "not_connected"), "no_answer"),
    **dict.fromkeys(("customer_busy", "dial_busy", "busy"), "busy"),
    **dict.fromkeys(("voicemail", "voicemail_reached", "machine_detected"), "voicemail"),
    **dict.fromkeys(("failed", "error", "call_error", "dial_failed"), "failed"),
}
_FAILED_SIGNS = ("error", "failed", "fault")  # pipeline-error-*, twilio-failed-to-connect-call, ...
_SUCCESS = {"true": "yes", "yes": "yes", "pass": "yes", "passed": "yes", "success": "yes", "successful": "yes"}
_SUCCESS |= {"false": "no", "no": "no", "fail": "no", "unsuccessful": "no"}
_SENTIMENT = {"positive": "positive", "neutral": "neutral", "negative": "negative"}
_UNKNOWN = {"", "unknown", "none", "null", "n_a"}  # said by a vendor, these mean "no value"
# Analysis keys that mean "call me back", however a vendor's schema spells them (Vapi's
# ``structuredData.callbackRequested``, Retell's ``custom_analysis_data.callback_requested``).
CALLBACK_KEYS = frozenset(
    {"callback", "call_back", "callback_requested", "call_back_requested", "callback_request", "wants_callback"}
)
_TRUE = {"true", "yes", "y", "1"}


def key(value: Any) -> str:
    """A vendor value as looked up: lower case, ``-`` and spaces as ``_``."""
    return re.sub(r"[\s-]+", "_", str(value).strip().lower()) if value is not None else ""


def _choice(table: dict[str, str], value: Any) -> str | bool:
    """The choice a vendor value means; ``other`` for one not known; False for none."""
    found = key(value)
    if found in _UNKNOWN:
        return False
    return table.get(found, OTHER)


def direction(value: Any) -> str | bool:
    return _choice(_DIRECTION, value)


def status(value: Any) -> str | bool:
    return _choice(_STATUS, value)


def sentiment(value: Any) -> str | bool:
    return _choice(_SENTIMENT, value)


def success(value: Any) -> str | bool:
    """``yes``/``no`` where the vendor's evaluation says so; False for a score or a rubric voicesync
    cannot read as either (the raw evaluation stays in ``x_success_evaluation``)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _SUCCESS.get(key(value), False)


def callback(structured: Any) -> bool:
    """Whether the call's analysis asks for a callback: a key of :data:`CALLBACK_KEYS`, at any depth
    of the structured data, whose value is true or "yes"."""
    if isinstance(structured, list):
        return any(callback(item) for item in structured)
    if not isinstance(structured, dict):
        return False
    for name, value in structured.items():
        if snake(name) in CALLBACK_KEYS and (value is True or key(value) in _TRUE):
            return True
        if isinstance(value, (dict, list)) and callback(value):
            return True
    return False


def snake(name: Any) -> str:
    """A key as snake case: ``callbackRequested`` and ``Callback-Requested`` -> ``callback_requested``."""
    return key(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name)))


def outcome(ended_reason: Any, raw_status: Any) -> str | bool:
    """How the call went: from the vendor's ended reason, else (the generic API has none) from its
    status; False while the call has not ended."""
    reason = key(ended_reason)
    if reason not in _UNKNOWN:
        if reason in _OUTCOME:
            return _OUTCOME[reason]
        return "failed" if any(sign in reason for sign in _FAILED_SIGNS) else OTHER
    found = _OUTCOME.get(key(raw_status))
    return found or False


def key_value_lines(value: Any, prefix: str = "") -> list[str]:
    """Structured data as ``key: value`` lines a person reads: nested objects as dotted keys, lists
    and other values as compact JSON, strings as they are; keys sorted, so the text is stable."""
    if isinstance(value, dict) and value:
        lines = []
        for name in sorted(value, key=str):
            lines += key_value_lines(value[name], f"{prefix}{name}.")
        return lines
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return [f"{prefix[:-1]}: {text}" if prefix else text]
