"""What the platform emulators' tests share: a webhook receiver per module, the sandbox put back
as it was after each test, an HTTP session holding its API key, and ``voicesync sandbox`` run as
a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from cli.processes import die_with_parent
from sandbox.faults import FaultSettings
from sandbox.platform import PlatformSandbox
from tests.sandbox.receiver import Receiver


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.server.stop()


@pytest.fixture
def restored(platform: PlatformSandbox, receiver: Receiver) -> Iterator[None]:
    """The test's deliveries go to ``receiver``; afterwards the sandbox has no faults, its key,
    credential and retry schedule as before, no statistics, and the receiver nothing."""
    key, credential, schedule = platform.api_key, platform.webhook_credential, platform.retry_schedule
    platform.webhook_url = receiver.url
    yield
    platform.faults = FaultSettings()
    platform.set_api_key(key)
    platform.webhook_credential = credential
    platform.retry_schedule = schedule
    platform.reset_stats()
    receiver.reset()


@pytest.fixture
def http(platform: PlatformSandbox) -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {platform.api_key}"
    yield session
    session.close()


@contextmanager
def sandbox_command(tmp_path: Path, *options: str) -> Iterator[dict[str, str]]:
    """``voicesync sandbox OPTIONS`` as a process: the settings it prints, while it runs."""
    command = [sys.executable, "-c", "from cli import main; main()", "sandbox", *options]
    env = {**os.environ, "VOICESYNC_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env=env, cwd=Path(__file__).parents[2], preexec_fn=die_with_parent
    )
    try:
        assert process.stdout is not None
        printed: dict[str, str] = {}
        while "ODOO_API_KEY" not in printed:
            line = process.stdout.readline()
            assert line, "voicesync sandbox ended before printing its settings"
            key, _, value = line.strip().partition("=")
            printed[key] = value
        yield printed
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
