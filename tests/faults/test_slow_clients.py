"""Slow clients cannot shut out real webhooks.

200 connections send their request a byte every two seconds, as a slow-loris attack does. Against
gunicorn alone (its threads read requests as they come) real webhooks are not answered; through
the compose stack's proxy (nginx with ``deploy/nginx.conf``, which reads each request whole
before the receiver sees it) every real webhook is answered within a second. Both run here as
the compose stack's processes would: gunicorn with the stack's config, nginx with the stack's
file (only the upstream's address, the port and the pid file mapped to this machine).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from cli.processes import ManagedProcess, wait_for
from sandbox.platform import PlatformSandbox
from shared.ports import free_port
from shared.services import Services
from shared.settings import PROJECT_ROOT
from shared.signing import sign_headers

CONF = PROJECT_ROOT / "deploy" / "nginx.conf"
SLOW_CLIENTS = 200
REAL_WEBHOOKS = 8


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        pytest.skip("nginx is not installed (Debian package nginx-light): the proxy cannot run here")
    return found


@pytest.fixture
def start_proxy(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    started: list[ManagedProcess] = []

    def start(upstream: str) -> str:
        port = free_port()
        text = CONF.read_text()
        for container, local in (("server web:8000;", f"server {upstream.removeprefix('http://')};"),
                                 ("listen 8080;", f"listen 127.0.0.1:{port};"),
                                 ("pid /tmp/voicesync-proxy.pid;", f"pid {tmp_path / 'nginx.pid'};")):  # fmt: skip
            assert container in text, f"{container} is no longer in {CONF.name}"
            text = text.replace(container, local)
        conf = tmp_path / "nginx.conf"
        conf.write_text(text)
        argv = [nginx_binary(), "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"]
        started.append(ManagedProcess("proxy", argv, {}, tmp_path / "logs").start())
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(url), 20, what="nginx")
        return url

    yield start
    for process in started:
        process.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/proxy-healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


class SlowLoris:
    """Connections that each send a request one byte every two seconds, for as long as they last."""

    def __init__(self, url: str, count: int) -> None:
        host, port = url.removeprefix("http://").split(":")
        request = (b"POST /webhooks/voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 10000\r\n\r\n" + b"{" * 10000)  # fmt: skip
        self.payload = request
        self.sockets = [socket.create_connection((host, int(port)), timeout=5) for _ in range(count)]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._drip, daemon=True)

    def _drip(self) -> None:
        for offset in range(len(self.payload)):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(self.payload[offset : offset + 1])
            if self.stopped.wait(2):
                return

    def __enter__(self) -> SlowLoris:
        self.thread.start()
        time.sleep(3)  # every connection has started its request
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(5)
        for sock in self.sockets:
            sock.close()


def real_webhooks(url: str, platform: PlatformSandbox) -> list[float | None]:
    """Seconds each signed webhook took to be answered 202; None when not answered within 1 s."""
    took: list[float | None] = []
    for n in range(REAL_WEBHOOKS):
        body = f'{{"type": "contact.updated", "data": {{"id": "ct_{n:08d}"}}}}'.encode()
        headers = {"Content-Type": "application/json", **sign_headers(platform.webhook_secret, uuid.uuid4().hex, body)}
        start = time.monotonic()
        try:
            answer = requests.post(f"{url}/webhooks/voice", data=body, headers=headers, timeout=1)
        except requests.RequestException:
            took.append(None)
            continue
        took.append(time.monotonic() - start if answer.status_code == 202 else None)
    return took


def test_slow_clients_shut_out_gunicorn_alone_but_not_the_stack_behind_its_proxy(
    services: Services,
    env: dict[str, str],
    start_receiver: Callable[[dict[str, str]], str],
    start_proxy: Callable[[str], str],
    platform: PlatformSandbox,
) -> None:
    web = start_receiver({**env, "DATABASE_URL": services.settings.ledger_url})
    with SlowLoris(web, SLOW_CLIENTS):
        direct = real_webhooks(web, platform)
    assert None in direct, direct  # without the proxy, slow clients hold every thread
    proxy = start_proxy(web)
    with SlowLoris(proxy, SLOW_CLIENTS):
        proxied = real_webhooks(proxy, platform)
    assert None not in proxied and max(proxied) < 1.0, proxied  # type: ignore[type-var]


def test_the_proxy_publishes_the_webhooks_and_nothing_else(
    services: Services,
    env: dict[str, str],
    start_receiver: Callable[[dict[str, str]], str],
    start_proxy: Callable[[str], str],
) -> None:
    """Health, readiness, metrics and the admin API answer on the internal network only."""
    web = start_receiver({**env, "DATABASE_URL": services.settings.ledger_url, "ADMIN_TOKEN": "a" * 32})
    proxy = start_proxy(web)
    for path in ("/healthz", "/readyz", "/metrics", "/admin/status", "/", "/webhooks"):
        assert requests.get(f"{proxy}{path}", timeout=5).status_code == 404, path
        assert path in ("/", "/webhooks") or requests.get(f"{web}{path}", timeout=5).status_code != 404, path
    unsigned = requests.post(f"{proxy}/webhooks/voice", data=b"{}", timeout=5)
    assert unsigned.status_code == 401  # the receiver itself answered, through the proxy
