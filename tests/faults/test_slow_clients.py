"""Slow clients cannot shut out real webhooks.

200 connections send their request a byte every two seconds, as a slow-loris attack does. Against
gunicorn alone (its threads read requests as they come) real webhooks are not answered; through
the compose stack's proxy (nginx with ``deploy/nginx.conf``, which reads each request whole
before the receiver sees it) every real webhook is answered within a second. Both run here as
the compose stack's processes would: gunicorn with the stack's config, nginx with the stack's
file (:mod:`tests.nginx_proxy`), the attackers and the webhooks over its HTTPS.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests

from sandbox.platform import PlatformSandbox
from shared.services import Services
from shared.signing import sign_headers
from tests.nginx_proxy import Proxy, start_proxy

__all__ = ["start_proxy"]  # a fixture

SLOW_CLIENTS = 200
REAL_WEBHOOKS = 8


class SlowLoris:
    """Connections that each send a request one byte every two seconds, for as long as they last."""

    def __init__(self, url: str, count: int) -> None:
        scheme, _, address = url.partition("://")
        host, port = address.split(":")
        request = (b"POST /webhooks/voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 10000\r\n\r\n" + b"{" * 10000)  # fmt: skip
        self.payload = request
        tls = ssl.create_default_context()
        tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE  # an attacker checks nothing
        self.sockets = [socket.create_connection((host, int(port)), timeout=5) for _ in range(count)]
        if scheme == "https":
            self.sockets = [tls.wrap_socket(sock) for sock in self.sockets]
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


def real_webhooks(url: str, platform: PlatformSandbox, verify: Path | bool = True) -> list[float | None]:
    """Seconds each signed webhook took to be answered 202; None when not answered within 1 s."""
    took: list[float | None] = []
    for n in range(REAL_WEBHOOKS):
        body = f'{{"type": "contact.updated", "data": {{"id": "ct_{n:08d}"}}}}'.encode()
        headers = {"Content-Type": "application/json", **sign_headers(platform.webhook_secret, uuid.uuid4().hex, body)}
        start = time.monotonic()
        try:
            answer = requests.post(f"{url}/webhooks/voice", data=body, headers=headers, timeout=1, verify=verify)
        except requests.RequestException:
            took.append(None)
            continue
        took.append(time.monotonic() - start if answer.status_code == 202 else None)
    return took


def test_slow_clients_shut_out_gunicorn_alone_but_not_the_stack_behind_its_proxy(
    services: Services,
    env: dict[str, str],
    start_receiver: Callable[[dict[str, str]], str],
    start_proxy: Callable[[str], Proxy],
    platform: PlatformSandbox,
) -> None:
    web = start_receiver({**env, "DATABASE_URL": services.settings.ledger_url})
    with SlowLoris(web, SLOW_CLIENTS):
        direct = real_webhooks(web, platform)
    assert None in direct, direct  # without the proxy, slow clients hold every thread
    proxy = start_proxy(web)
    with SlowLoris(proxy.https, SLOW_CLIENTS):
        proxied = real_webhooks(proxy.https, platform, verify=proxy.certificate)
    assert None not in proxied and max(proxied) < 1.0, proxied  # type: ignore[type-var]


def test_the_proxy_publishes_the_webhooks_and_nothing_else(
    services: Services,
    env: dict[str, str],
    start_receiver: Callable[[dict[str, str]], str],
    start_proxy: Callable[[str], Proxy],
) -> None:
    """Health, readiness, metrics and the admin API answer on the internal network only."""
    web = start_receiver({**env, "DATABASE_URL": services.settings.ledger_url, "ADMIN_TOKEN": "a" * 32})
    proxy = start_proxy(web)
    internal = ("/healthz", "/readyz", "/metrics", "/admin/status")
    for path in (*internal, "/admin/", "/", "/webhooks", "/proxy-healthz"):
        assert requests.get(f"{proxy.https}{path}", timeout=5, verify=proxy.certificate).status_code == 404, path
        assert path not in internal or requests.get(f"{web}{path}", timeout=5).status_code != 404, path
    unsigned = requests.post(f"{proxy.https}/webhooks/voice", data=b"{}", timeout=5, verify=proxy.certificate)
    assert unsigned.status_code == 401  # the receiver itself answered, through the proxy
