"""What the platform emulators' tests share: an HTTP session holding the sandbox's API key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandbox.platform import PlatformSandbox


@pytest.fixture
def http(platform: PlatformSandbox) -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {platform.api_key}"
    yield session
    session.close()
