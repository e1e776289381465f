"""Load with ``wrk``: distinct, freshly signed webhooks (a repeated ``webhook-id`` would take the
receiver's cheap duplicate path), at full speed or paced to a rate. ``wrk`` is Debian's package and
is installed with apt-get when missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.context import BenchContext
from sandbox.platform.webhooks import encode, event_body
from shared.signing import sign_headers

SCRIPT = Path(__file__).with_name("wrk_webhooks.lua")
THREADS = 2
CONNECTIONS = 32


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int]
    socket_errors: int
    wrapped: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def all_status(self, status: int) -> bool:
        return set(self.statuses) == {str(status)} and not self.socket_errors


def ensure_wrk(ctx: BenchContext) -> str:
    """The path of ``wrk``, installing Debian's package first when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    ctx.note("wrk was missing: installed it with `apt-get install -y wrk`")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not on PATH after apt-get install wrk")
    return found


def write_requests(path: Path, secret: str, count: int) -> Path:
    """``count`` contact.updated webhooks signed now (the receiver accepts five minutes of skew)."""
    run = uuid.uuid4().hex[:8]
    with path.open("w") as out:
        for n in range(count):
            record = {"id": f"con_{n:07d}", "first_name": "Bench", "last_name": f"Load{n}", "phone": f"+1555{n:07d}"}
            body = encode(event_body("contact.updated", record))
            headers = sign_headers(secret, f"msg_{run}_{n}", body)
            out.write(
                f"{headers['webhook-id']}\t{headers['webhook-timestamp']}\t{headers['webhook-signature']}\t"
                f"{body.decode()}\n"
            )
    return path


def run_wrk(wrk: str, url: str, requests_file: Path, seconds: int, rate: float = 0.0) -> WrkResult:
    """``wrk`` against ``url`` for ``seconds``; unpaced when ``rate`` is 0."""
    env = {
        **os.environ,
        "BENCH_REQUESTS": str(requests_file),
        "BENCH_THREADS": str(THREADS),
        "BENCH_RATE": str(rate),
    }
    argv = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(SCRIPT), url]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    data = json.loads(line.removeprefix("BENCH "))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        statuses=data["statuses"],
        socket_errors=data["socket_errors"],
        wrapped=data["wrapped"],
    )
