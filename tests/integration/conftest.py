"""Real Celery worker processes, and the receiver over real HTTP (in this process or under gunicorn)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from amqp.exceptions import AMQPError
from celery import Celery
from kombu.exceptions import KombuError

from cli.processes import ManagedProcess, celery_worker, wait_for
from sandbox.server import BackgroundServer
from shared.odoo_setup import bootstrap
from shared.ports import free_port
from shared.services import Services
from shared.settings import Settings
from web import create_app


@pytest.fixture
def services(settings: Settings) -> Services:
    services = Services(settings)
    services.ledger.upgrade()
    return services


@pytest.fixture
def start_worker(env: dict[str, str], settings: Settings, tmp_path: Path) -> Iterator[Callable[..., ManagedProcess]]:
    """Start ``celery -A workers worker`` subprocesses on ``env``'s broker; all stop after the test."""
    started: list[ManagedProcess] = []

    def start(queue: str = "contacts", concurrency: int = 2, name: str = "") -> ManagedProcess:
        node = name or f"{queue}{len(started)}"
        worker = celery_worker(
            queue, {**env, "DATABASE_URL": settings.ledger_url}, tmp_path / "logs", concurrency, name=node
        ).start()
        started.append(worker)

        def ready() -> bool:
            if not worker.alive():
                raise RuntimeError(f"worker exited: {worker.log_path.read_text()[-2000:]}")
            try:
                with Celery(broker=env["BROKER_URL"]) as probe:
                    replies = probe.control.ping(timeout=0.5) or []
            except (OSError, KombuError, AMQPError):  # a broker restarted by another test may reset us
                return False
            return any(node in key for reply in replies for key in reply)

        wait_for(ready, 60, what=f"worker {node}")
        return worker

    yield start
    for worker in started:
        worker.kill()  # the test is over, its broker database is flushed: no need for a shutdown


@pytest.fixture
def bootstrapped(services: Services) -> Services:
    """Services on an Odoo that holds voicesync's call model."""
    bootstrap(services.odoo)
    return services


@pytest.fixture
def receiver(settings: Settings) -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app(settings)) as server:
        yield server


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start an HTTP process listening on ``port`` (chosen by the caller, who puts it in the
    command or the settings); its URL once ``health`` answers 200. All stop after the test."""
    started: list[ManagedProcess] = []

    def start(name: str, argv: list[str], env: dict[str, str], port: int, health: str, timeout: float = 30) -> str:
        process = ManagedProcess(name, argv, env, tmp_path / "logs").start()
        started.append(process)
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            if not process.alive():
                raise RuntimeError(f"{name} exited: {process.log_path.read_text()[-2000:]}")
            try:
                return requests.get(f"{url}{health}", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, timeout, what=f"{name} answering {health}")
        return url

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def start_receiver(start_server: Callable[..., str]) -> Callable[[dict[str, str]], str]:
    """The receiver under gunicorn with the stack's config, on a free port; its URL. The first
    one logs to ``logs/web0.log``, the next to ``web1.log``, and so on."""
    numbers = itertools.count()

    def start(env: dict[str, str]) -> str:
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_config", "web:create_app()"]
        settings = {**env, "VOICESYNC_WEB_BIND": f"127.0.0.1:{port}", "VOICESYNC_WEB_WORKERS": "1"}
        return start_server(f"web{next(numbers)}", argv, settings, port, "/healthz")

    return start
