"""The proxy's TLS: webhooks over HTTPS reach the receiver, nothing else is published, and plain
HTTP answers the ACME challenge and sends everything else to HTTPS.

Real nginx with ``deploy/nginx.conf`` (:mod:`tests.nginx_proxy`) and a certificate made by the
README's trial command, in front of a stub receiver that records what reaches it.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from flask import Flask, request

from sandbox.server import BackgroundServer
from tests.nginx_proxy import Proxy, start_proxy

__all__ = ["start_proxy"]  # a fixture


@dataclass
class StubReceiver:
    """Answers 202 to anything and keeps what it was sent."""

    seen: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Flask:
        app = Flask("stub-receiver")

        @app.route("/<path:path>", methods=["GET", "POST"])
        def record(path: str) -> tuple[dict[str, str], int]:
            self.seen.append(
                {"method": request.method, "path": f"/{path}", "body": request.get_data(), "headers": request.headers}
            )
            return {"status": "accepted"}, 202

        return app


@pytest.fixture
def stub() -> Iterator[tuple[StubReceiver, str]]:
    receiver = StubReceiver()
    with BackgroundServer(receiver.app()) as server:
        yield receiver, server.url


@pytest.fixture
def proxy(stub: tuple[StubReceiver, str], start_proxy: Callable[[str], Proxy]) -> Proxy:
    return start_proxy(stub[1])


def test_a_webhook_over_https_reaches_the_receiver_as_sent(stub: tuple[StubReceiver, str], proxy: Proxy) -> None:
    receiver, _ = stub
    body = b'{"type": "contact.updated", "data": {"id": "ct_1"}}'
    answer = requests.post(
        f"{proxy.https}/webhooks/voice",
        data=body,
        headers={"webhook-id": "msg_1", "Content-Type": "application/json"},
        timeout=5,
        verify=proxy.certificate,  # the certificate checks out for 127.0.0.1 (and localhost)
    )
    assert answer.status_code == 202 and answer.json() == {"status": "accepted"}
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    [seen] = receiver.seen
    assert (seen["method"], seen["path"], seen["body"]) == ("POST", "/webhooks/voice", body)
    assert seen["headers"]["webhook-id"] == "msg_1" and seen["headers"]["X-Forwarded-For"] == "127.0.0.1"


def test_https_publishes_nothing_but_the_webhooks(stub: tuple[StubReceiver, str], proxy: Proxy) -> None:
    receiver, _ = stub
    for method, path in [("GET", "/metrics"), ("GET", "/admin/status"), ("POST", "/admin/resync"),
                         ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/")]:  # fmt: skip
        answer = requests.request(method, f"{proxy.https}{path}", timeout=5, verify=proxy.certificate)
        assert answer.status_code == 404, (method, path)
    assert receiver.seen == []


def test_plain_http_redirects_to_https_but_answers_the_acme_challenge(
    stub: tuple[StubReceiver, str], proxy: Proxy
) -> None:
    receiver, _ = stub
    for method, path in [("POST", "/webhooks/voice"), ("GET", "/metrics"), ("GET", "/admin/status?x=1")]:
        answer = requests.request(method, f"{proxy.http}{path}", timeout=5, allow_redirects=False)
        assert answer.status_code == 301, (method, path)
        assert answer.headers["Location"] == f"https://127.0.0.1{path}"
    assert receiver.seen == [], "a plain-HTTP request reached the receiver"

    token = "Xq3-_challenge_token"
    (proxy.webroot / ".well-known" / "acme-challenge").mkdir(parents=True)
    (proxy.webroot / ".well-known" / "acme-challenge" / token).write_text(f"{token}.key-authorization")
    challenge = requests.get(f"{proxy.http}/.well-known/acme-challenge/{token}", timeout=5, allow_redirects=False)
    assert challenge.status_code == 200 and challenge.text == f"{token}.key-authorization"
    missing = requests.get(f"{proxy.http}/.well-known/acme-challenge/other", timeout=5, allow_redirects=False)
    assert missing.status_code == 404


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["1.2", "1.3"])
def test_tls_1_2_and_1_3_with_forward_secrecy(proxy: Proxy, version: ssl.TLSVersion) -> None:
    context = ssl.create_default_context(cafile=str(proxy.certificate))
    context.minimum_version = context.maximum_version = version
    host, port = proxy.https.removeprefix("https://").split(":")
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        cipher, protocol, _ = tls.cipher()
    assert protocol == version.name.replace("_", ".")
    assert version == ssl.TLSVersion.TLSv1_3 or cipher.startswith("ECDHE-"), cipher
