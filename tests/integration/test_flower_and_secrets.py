"""What Flower can show: no password in any worker's settings, and no Flower without a login."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from celery import Celery

from cli.processes import ManagedProcess, wait_for
from shared import embedded_redis
from shared.ports import free_port
from shared.settings import child_environment


@pytest.fixture
def redis_with_password(tmp_path: Path) -> Iterator[str]:
    """A Redis of the test's own that asks for a password (as a production one should)."""
    port, password = free_port(), "coordination-password-0123456789"
    subprocess.run(
        [str(embedded_redis.server_binary()), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
         "--daemonize", "yes", "--save", "", "--requirepass", password],
        check=True, capture_output=True,
    )  # fmt: skip
    client = redis.Redis(port=port, password=password)
    wait_for(lambda: _answers(client), 10, what="redis")
    yield f"redis://:{password}@127.0.0.1:{port}/0"
    client.shutdown(nosave=True)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_a_workers_settings_as_flower_reads_them_hold_no_password(
    env: dict[str, str], start_worker: Callable[..., ManagedProcess], redis_with_password: str
) -> None:
    """Celery masks ``broker_url`` but not RedBeat's ``redbeat_redis_url``, which Flower listed with
    its password; the password now travels in the client options, which Celery does mask."""
    env["REDIS_URL"] = redis_with_password
    start_worker()
    with Celery(broker=env["BROKER_URL"]) as probe:
        replies = probe.control.inspect(timeout=5).conf() or {}
    [conf] = replies.values()
    assert conf["redbeat_redis_url"].startswith("redis://127.0.0.1:")
    assert urlsplit(redis_with_password).password not in json.dumps(replies)


def test_flower_refuses_to_start_without_a_login(env: dict[str, str], tmp_path: Path) -> None:
    """From any working directory: its settings file comes with the package (workers/flower_config.py)."""
    bare = {k: v for k, v in env.items() if not k.startswith("FLOWER_")}
    started = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "workers", "flower", f"--port={free_port()}"],
        cwd=tmp_path, env={k: v for k, v in child_environment(bare).items() if not k.startswith("FLOWER_")},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode != 0
    assert "set FLOWER_BASIC_AUTH" in started.stderr and "Traceback" not in started.stderr
