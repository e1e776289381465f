"""Webhook delivery the same way for every vendor: sign, POST, retry on a schedule, give up.

What differs by vendor comes in as two functions: ``sign`` (the headers that authenticate one
attempt: Standard Webhooks for generic, a bearer secret or an HMAC for Vapi...) and ``describe``
(a body's type, for the log). A message keeps its id and body bytes across attempts; each attempt
is signed afresh (a new timestamp). Retries (and first attempts that need not be waited for) run
on one background thread ordered by due time, so a receiver that is down costs one sleeping
thread, not one per message. Every attempt is logged for tests and the demo to inspect.
"""

from __future__ import annotations

import heapq
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from sandbox.platform.clock import iso, now_us

DEFAULT_RETRY_SCHEDULE = (0.5, 1.0, 2.0, 4.0, 8.0)
ATTEMPT_TIMEOUT = 5.0
LOG_SIZE = 100_000
"""Attempts kept in the log; older ones are dropped so a long benchmark cannot grow it forever."""


def new_msg_id() -> str:
    return "msg_" + secrets.token_hex(12)


Signer = Callable[[str, bytes], dict[str, str]]
"""``(msg_id, payload) -> headers`` that authenticate one attempt."""


@dataclass(frozen=True)
class Credential:
    """How deliveries prove they come from the platform. ``None`` fields take the vendor's default
    (see each vendor module's ``credential``): ``kind`` names the scheme (``standard-webhooks``;
    Vapi's ``bearer`` or ``hmac``), ``header`` the header that carries it where that can vary."""

    kind: str | None = None
    secret: str | None = None
    header: str | None = None


def encode(body: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class _Message:
    msg_id: str
    type: str
    url: str
    payload: bytes


class WebhookSender:
    """Signs with ``sign`` and POSTs to ``url`` (``None``: events are not sent)."""

    def __init__(
        self,
        sign: Signer,
        url: str | None = None,
        retry_schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE,
        timeout: float = ATTEMPT_TIMEOUT,
        describe: Callable[[Mapping[str, Any]], str] = lambda body: str(body["type"]),
    ) -> None:
        self.sign = sign
        self.describe = describe
        self.url = url
        self.retry_schedule = list(retry_schedule)
        self.timeout = timeout
        self._http = requests.Session()
        self._http.mount("http://", HTTPAdapter(pool_maxsize=32))
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self._queue: list[tuple[float, int, _Message, int]] = []
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._stopped = False
        self._worker: threading.Thread | None = None

    def send(self, body: dict[str, Any], wait: bool = True) -> dict[str, Any]:
        """Deliver one event; answers ``{"id": msg_id, "status": ...}``.

        With ``wait`` the first attempt happens now and ``status`` is its HTTP status (0: no
        connection); otherwise it is queued and ``status`` is ``None``, as it is when no URL is set.
        A failed attempt is retried in the background.
        """
        msg_id = new_msg_id()
        if self.url is None:
            return {"id": msg_id, "status": None}
        message = _Message(msg_id, self.describe(body), self.url, encode(body))
        if not wait:
            self._schedule(message, attempt=1, delay=0.0)
            return {"id": msg_id, "status": None}
        status = self._attempt(message, attempt=1)
        self._retry_if_failed(message, 1, status)
        return {"id": msg_id, "status": status}

    def deliver(self, body: dict[str, Any], msg_id: str | None = None, url: str | None = None) -> int:
        """One signed attempt now, without retries (tests use it to send duplicates)."""
        target = url or self.url
        if target is None:
            raise ValueError("no webhook URL: pass url= or set webhook_url")
        message = _Message(msg_id or new_msg_id(), self.describe(body), target, encode(body))
        return self._attempt(message, attempt=1)

    def deliveries(self) -> list[dict[str, Any]]:
        """Every logged attempt, oldest first."""
        with self._wakeup:
            return [dict(entry) for entry in self._log]

    def stop(self) -> None:
        """Drop pending retries and end the background thread."""
        with self._wakeup:
            self._stopped = True
            self._queue.clear()
            self._wakeup.notify()
        if self._worker is not None:
            self._worker.join(timeout=self.timeout + 1)
        self._http.close()

    def _attempt(self, message: _Message, attempt: int) -> int:
        headers = self.sign(message.msg_id, message.payload)
        headers["Content-Type"] = "application/json"
        error = None
        try:
            response = self._http.post(message.url, data=message.payload, headers=headers, timeout=self.timeout)
            status = response.status_code
        except requests.RequestException as exc:
            status, error = 0, type(exc).__name__
        with self._wakeup:
            self._log.append(
                {
                    "id": message.msg_id,
                    "type": message.type,
                    "url": message.url,
                    "attempt": attempt,
                    "status": status,
                    "error": error,
                    "at": iso(now_us()),
                }
            )
        return status

    def _retry_if_failed(self, message: _Message, attempt: int, status: int) -> None:
        schedule = self.retry_schedule
        if not 200 <= status < 300 and attempt <= len(schedule):
            self._schedule(message, attempt + 1, schedule[attempt - 1])

    def _schedule(self, message: _Message, attempt: int, delay: float) -> None:
        with self._wakeup:
            if self._stopped:
                return
            due = time.monotonic() + delay
            heapq.heappush(self._queue, (due, next(self._order), message, attempt))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="platform-webhooks", daemon=True)
                self._worker.start()
            self._wakeup.notify()

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._stopped and (not self._queue or self._queue[0][0] > time.monotonic()):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._wakeup.wait(timeout)
                if self._stopped:
                    return
                _, _, message, attempt = heapq.heappop(self._queue)
            self._retry_if_failed(message, attempt, self._attempt(message, attempt))
