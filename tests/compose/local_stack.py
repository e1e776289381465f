"""Run the compose stack's own commands as local processes, with the environments compose builds.

There is no Docker engine here, so each voicesync service of ``docker-compose.yml`` runs as a
process on this machine, started from that service's ``command`` and environment. What a
container would have differently is mapped, always the same way:

- **Images and paths.** ``celery``, ``gunicorn``, ``voicesync`` and ``python`` resolve to this
  virtualenv (``PATH`` puts its ``bin`` first, as the image puts ``/opt/venv/bin`` first); the
  working directory is an empty folder, as the image's ``WORKDIR /app`` is.
  The image's ``ENV`` comes from the Dockerfile's final stage; container paths under ``/var/lib``,
  ``/run`` and ``/home`` (volumes, the tmpfs, the image's var folder, the image user's ``HOME``)
  become folders under the test's ``tmp_path``. Nothing else of this process's environment is
  passed on: a container does not inherit the host's.
- **Host names.** ``redis://redis:6379/<n>`` becomes the system Redis at the test run's database; a
  ``postgresql+psycopg://...@postgres:5432/...`` URL becomes the test's fresh PostgreSQL database.
  Each port a voicesync service publishes (web 8000, flower 5555, sandbox 8700 and 8069) gets a
  free local port: ``<service>:<port>``, ``127.0.0.1:<port>``, ``localhost:<port>`` and
  ``0.0.0.0:<port>`` in URLs and bind settings become ``127.0.0.1:<free port>``, a bare port after
  a port flag (``--api-port 8700``, ``--port=5555``) becomes the free port, and a bind address
  ``0.0.0.0`` becomes ``127.0.0.1``.
- **Docker's own variables.** ``HOSTNAME`` is set to this machine's host name, as Docker sets it to
  the container's (the workers' ``%h`` and their health checks' ``$HOSTNAME`` agree on it).

Services start in ``depends_on`` order: ``service_healthy`` waits for the dependency's health
check to pass (run locally, mapped the same way), ``service_completed_successfully`` runs the
one-shot to completion first. Redis and PostgreSQL are the system's, so dependencies on them are
met from the start.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cli.processes import ManagedProcess, wait_for
from shared.ports import free_port
from tests.compose.compose_file import (
    BACKING_SERVICES,
    EDGE_SERVICES,
    command_argv,
    container_ports,
    depends_on,
    healthcheck_argv,
    is_one_shot,
    mount_targets,
    service_environment,
)

VENV_BIN = Path(sys.executable).parent
CONTAINER_ROOTS = ("/var/lib/", "/run/", "/home/")
PORT_FLAGS = ("--port", "--api-port", "--odoo-port")
MARKER = "VOICESYNC_COMPOSE_TEST_RUN"
"""Set in every process the stack starts, so that a left-behind one can be found by it."""


@dataclass(frozen=True)
class LocalNetwork:
    """Where the compose network's names and ports are on this machine (see the module doc)."""

    redis_url: str
    database_url: str
    hosts: frozenset[str]
    ports: Mapping[int, int]
    root: Path

    def rewrite(self, text: str) -> str:
        """One URL, address or path as seen from this machine."""
        text = re.sub(r"redis://redis:6379/\d+", self.redis_url, text)
        text = re.sub(r"postgresql\+psycopg://[^@/]*@postgres:5432/\w+", self.database_url, text)
        hosts = "|".join(re.escape(host) for host in sorted(self.hosts))
        text = re.sub(rf"\b({hosts}):(\d+)\b", self._address, text)
        if text.startswith(CONTAINER_ROOTS):
            return str(self.root / text.lstrip("/"))
        return "127.0.0.1" if text == "0.0.0.0" else text

    def _address(self, match: re.Match[str]) -> str:
        port = int(match.group(2))
        return f"127.0.0.1:{self.ports[port]}" if port in self.ports else match.group(0)

    def rewrite_argv(self, argv: list[str]) -> list[str]:
        """A command line: every argument rewritten, and the port after each port flag mapped."""
        local = []
        for previous, argument in zip(["", *argv], argv, strict=False):
            flag, equals, value = argument.partition("=")
            if previous in PORT_FLAGS and argument.isdigit():
                argument = str(self.ports.get(int(argument), argument))
            elif equals and flag in PORT_FLAGS and value.isdigit():
                argument = f"{flag}={self.ports.get(int(value), value)}"
            local.append(self.rewrite(argument))
        return local


def local_network(
    services: Mapping[str, Mapping[str, Any]], redis_url: str, database_url: str, root: Path
) -> LocalNetwork:
    """A free local port for every port the given services publish, and the host names to map."""
    ports = {port: free_port() for service in services.values() for port in container_ports(service)}
    hosts = frozenset({*services, "127.0.0.1", "localhost", "0.0.0.0"})
    return LocalNetwork(redis_url, database_url, hosts, ports, root)


@dataclass
class LocalStack:
    """The voicesync services of an interpolated compose file, run as local processes."""

    services: Mapping[str, Mapping[str, Any]]
    dotenv: Mapping[str, str]
    image_env: Mapping[str, str]
    network: LocalNetwork
    marker: str
    log_dir: Path
    running: dict[str, ManagedProcess] = field(default_factory=dict)
    completed: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def environment(self, name: str) -> dict[str, str]:
        """Service ``name``'s container environment, mapped to this machine; nothing inherited
        from this process but ``PATH`` (with the virtualenv first)."""
        base = {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LANG": "C.UTF-8",
            "HOSTNAME": socket.gethostname(),
            MARKER: self.marker,
        }
        image = {key: value for key, value in self.image_env.items() if key not in ("PATH", "VIRTUAL_ENV")}
        container = {**image, **service_environment(self.services[name], self.dotenv)}
        return {**base, **{key: self.network.rewrite(value) for key, value in container.items()}}

    def argv(self, name: str) -> list[str]:
        return self.network.rewrite_argv(command_argv(self.services[name]))

    def prepare_folders(self, name: str) -> None:
        """Create the folders a service's container has before it starts: its mounts (Docker
        creates volumes and tmpfs) and its user's home (the image creates it)."""
        home = self.environment(name).get("HOME")
        for folder in [*map(self.network.rewrite, mount_targets(self.services[name])), *([home] if home else [])]:
            Path(folder).mkdir(parents=True, exist_ok=True)

    def up(self, names: list[str], timeout: float = 60.0) -> None:
        """Start ``names`` (and what they depend on) in dependency order."""
        for name in names:
            self.bring_up(name, timeout)

    def bring_up(self, name: str, timeout: float) -> None:
        """Meet ``name``'s dependencies, then start it (or run it to completion, for a one-shot)."""
        if name in BACKING_SERVICES or name in EDGE_SERVICES or name in self.running or name in self.completed:
            return
        for dependency, spec in depends_on(self.services[name]).items():
            self.bring_up(dependency, timeout)
            if spec.get("condition") == "service_healthy" and dependency not in BACKING_SERVICES:
                self.wait_healthy(dependency, timeout)
        self.prepare_folders(name)
        if is_one_shot(self.services[name]):
            self.run_to_completion(name, timeout)
        else:
            self.start(name)

    def start(self, name: str) -> ManagedProcess:
        process = ManagedProcess(name, self.argv(name), {}, self.log_dir)
        process.env = self.environment(name)  # a container's environment only: nothing inherited
        self.running[name] = process.start()
        return process

    def run_to_completion(self, name: str, timeout: float) -> subprocess.CompletedProcess[str]:
        """Run a one-shot; ``service_completed_successfully`` means exit status 0."""
        done = subprocess.run(
            self.argv(name), env=self.environment(name), capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"{name} exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        self.completed[name] = done
        return done

    def healthy(self, name: str) -> bool:
        """Run ``name``'s health check once, as Docker would inside its container."""
        process = self.running[name]
        if not process.alive():
            raise RuntimeError(f"{name} exited: {process.log_path.read_text()[-3000:]}")
        argv = self.network.rewrite_argv(healthcheck_argv(self.services[name]))
        try:
            check = subprocess.run(argv, env=self.environment(name), capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            return False
        return check.returncode == 0

    def wait_healthy(self, name: str, timeout: float = 60.0) -> None:
        wait_for(lambda: self.healthy(name), timeout, interval=0.5, what=f"{name}'s health check")

    def down(self) -> None:
        """Stop every process, in reverse start order (as ``docker compose down`` does)."""
        for process in reversed(list(self.running.values())):
            process.stop()


def processes_with_marker(marker: str) -> list[int]:
    """Pids of live processes whose environment carries ``MARKER=marker`` (children included,
    whatever process group they moved to)."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def wait_gone(marker: str, timeout: float = 10.0) -> list[int]:
    """The marked processes still alive after ``timeout`` (an exiting child may need a moment)."""
    deadline = time.monotonic() + timeout
    while (left := processes_with_marker(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left
