"""What every request body must be before its event joins a batch, checked on its own.

A body over its endpoint's limit is a 413 whether it came with a ``Content-Length`` or chunked
(never cut short); JSON nested too deep is a 400, as is a type outside its strict pattern (a
record id is checked by the vendor's adapter, :func:`shared.platforms.base.check_id`, the same
way). The patterns admit only ASCII letters, digits and a few separators, so nothing that reaches the
inbox can fail a batch (a lone surrogate, a NUL) or change the path it is later put into
(``../``, ``?``, ``#``). Each check raises :class:`ValueError` with the message the sender gets.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

EVENT_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
ODOO_MODEL = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
ODOO_MODEL_MAX = 64


def read_body(limit: int) -> bytes:
    """The whole body, or :class:`RequestEntityTooLarge` past ``limit`` bytes."""
    too_large = RequestEntityTooLarge(f"body larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise ValueError("body is not JSON") from None


def matching(value: object, pattern: re.Pattern[str], what: str) -> str:
    """``value`` when it is a string that ``pattern`` matches whole."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{what} is missing or not of the form {pattern.pattern}")
    return value
