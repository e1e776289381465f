"""The compose stack's proxy, run by this machine's nginx with the stack's own ``deploy/nginx.conf``.

Only what belongs to the container is mapped: the receiver's address (``web:8000``), the ports
(80 and 443), the pid file, the certificate files and the ACME webroot. The certificate is
self-signed here, made with the README's own trial command (``openssl req -x509 ...``).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from cli.processes import ManagedProcess, wait_for
from shared.ports import free_port
from shared.settings import PROJECT_ROOT
from tests.services import required

CONF = PROJECT_ROOT / "deploy" / "nginx.conf"
README = PROJECT_ROOT / "README.md"
TRIAL_CERTIFICATE = "openssl req -x509"
"""How the README's command for a trial certificate starts (section "TLS")."""


@dataclass(frozen=True)
class Proxy:
    http: str
    https: str
    certificate: Path
    """The self-signed certificate, to verify the proxy's HTTPS with."""
    webroot: Path
    """The ACME HTTP-01 webroot the proxy serves ``/.well-known/acme-challenge/`` from."""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        message = "nginx is not installed (Debian package nginx-light): the proxy cannot run here"
        if required():
            pytest.fail(f"{message} (VOICESYNC_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return found


def trial_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` and 127.0.0.1, made by the README's command
    with only its names and output folder changed; (fullchain.pem, privkey.pem)."""
    [line] = [line.strip() for line in README.read_text().splitlines() if line.strip().startswith(TRIAL_CERTIFICATE)]
    command = " ".join(shlex.split(line))
    for documented, local in (
        ("hooks.example.com", "localhost"),
        ("DNS:localhost", "DNS:localhost,IP:127.0.0.1"),
        ("deploy/certs/", f"{folder}/"),
    ):
        assert documented in command, f"{documented} is no longer in the README's command: {line}"
        command = command.replace(documented, local)
    subprocess.run(shlex.split(command), check=True, capture_output=True, timeout=60)
    return folder / "fullchain.pem", folder / "privkey.pem"


def readable_folder() -> Path:
    """A folder nginx's worker processes can read when nginx runs as root (they run as nobody)."""
    folder = Path(tempfile.mkdtemp(prefix="voicesync-acme-"))
    folder.chmod(0o755)
    return folder


@pytest.fixture
def start_proxy(tmp_path: Path) -> Iterator[Callable[[str], Proxy]]:
    """``start_proxy(receiver_url)``: the stack's proxy in front of that receiver, once it answers."""
    started: list[ManagedProcess] = []
    webroots: list[Path] = []

    def start(upstream: str) -> Proxy:
        http, https = free_port(), free_port()
        certs = tmp_path / "certs"
        certs.mkdir(exist_ok=True)
        fullchain, privkey = trial_certificate(certs)
        webroots.append(webroot := readable_folder())
        text = CONF.read_text()
        for container, local in (("server web:8000;", f"server {upstream.removeprefix('http://')};"),
                                 ("listen 80;", f"listen 127.0.0.1:{http};"),
                                 ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
                                 ("/etc/nginx/certs/fullchain.pem", str(fullchain)),
                                 ("/etc/nginx/certs/privkey.pem", str(privkey)),
                                 ("root /var/www/acme;", f"root {webroot};"),
                                 ("pid /tmp/voicesync-proxy.pid;", f"pid {tmp_path / 'nginx.pid'};")):  # fmt: skip
            assert container in text, f"{container} is no longer in {CONF.name}"
            text = text.replace(container, local)
        conf = tmp_path / "nginx.conf"
        conf.write_text(text)
        argv = [nginx_binary(), "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"]
        started.append(ManagedProcess("proxy", argv, {}, tmp_path / "logs").start())
        proxy = Proxy(f"http://127.0.0.1:{http}", f"https://127.0.0.1:{https}", fullchain, webroot)
        wait_for(lambda: _answers(proxy), 20, what="nginx")
        return proxy

    yield start
    for process in started:
        process.stop()
    for webroot in webroots:
        shutil.rmtree(webroot, ignore_errors=True)


def _answers(proxy: Proxy) -> bool:
    """nginx's own health endpoint answers (on HTTP, where the compose health check asks)."""
    try:
        return requests.get(f"{proxy.http}/proxy-healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False
