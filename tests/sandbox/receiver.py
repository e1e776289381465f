"""A local webhook endpoint for the emulators' tests: it keeps every delivery."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from sandbox.server import BackgroundServer


class Receiver:
    """A local webhook endpoint: keeps every delivery and answers the queued statuses, then 204."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: deque[int] = deque()
        self._lock = threading.Lock()
        app = Flask(__name__)
        app.add_url_rule("/hook", view_func=self._hook, methods=["POST"])
        self.server = BackgroundServer(app).start()
        self.url = self.server.url + "/hook"

    def _hook(self) -> Response:
        with self._lock:
            self.received.append(({k.lower(): v for k, v in request.headers}, request.get_data()))
            return Response(status=self.statuses.popleft() if self.statuses else 204)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.received) >= count, f"{len(self.received)} deliveries, wanted {count}"
        return list(self.received)

    def events(self, count: int) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.wait_for(count)]

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.statuses.clear()


def logged_attempts(
    deliveries: Callable[[], list[dict[str, Any]]], webhook_id: str, count: int, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """The sender's log of one webhook's attempts once it holds ``count`` of them: the receiver has
    an attempt before the sender has logged the answer to it."""
    deadline = time.monotonic() + timeout
    while True:
        attempts = [d for d in deliveries() if d["id"] == webhook_id]
        if len(attempts) >= count or time.monotonic() >= deadline:
            return attempts
        time.sleep(0.01)
