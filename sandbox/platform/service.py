"""PlatformSandbox: the one object tests, the demo and the benchmarks hold to stand in for the voice
platform. It ties the seeded data, the change operations, webhook delivery, fault injection and
the HTTP server together; each of those lives in its own module."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from typing import Any

from sandbox.faults import FaultInjector, FaultSettings
from sandbox.platform.app import create_app
from sandbox.platform.clock import Clock
from sandbox.platform.data import Generator
from sandbox.platform.stats import CallStats
from sandbox.platform.store import Change, Record, Store
from sandbox.platform.webhooks import WebhookSender, event_body
from sandbox.server import BackgroundServer
from shared.signing import new_secret


class PlatformSandbox:
    """The voice platform's API over real HTTP on 127.0.0.1, with a control surface for tests.

    Changes made through the methods below (or the ``/_sandbox`` endpoints) emit webhooks to
    ``webhook_url`` the way the real platform would; ``emit=False`` makes a change the platform
    "forgot" to announce, which is what reconciliation exists to repair.
    """

    def __init__(
        self,
        contacts: int = 100,
        campaigns: int = 5,
        calls: int = 200,
        seed: int = 0,
        port: int = 0,
        host: str = "127.0.0.1",
        api_key: str | None = None,
        webhook_secret: str | None = None,
        webhook_url: str | None = None,
        report_total: bool = True,
    ) -> None:
        generator = Generator(seed)
        self.store = Store(generator.dataset(contacts, campaigns, calls), Clock(), generator)
        self.sender = WebhookSender(webhook_secret or new_secret(), webhook_url)
        self.injector = FaultInjector(FaultSettings(), seed=seed)
        self.call_stats = CallStats()
        self.api_key: str | None = api_key or "vk_" + secrets.token_urlsafe(24)
        self.report_total = report_total
        self.app = create_app(self)
        self._port = port
        self._host = host
        self._server: BackgroundServer | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> PlatformSandbox:
        self._server = BackgroundServer(self.app, port=self._port, host=self._host).start()
        return self

    def stop(self) -> None:
        """Stop serving and drop pending webhook retries."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.sender.stop()

    def __enter__(self) -> PlatformSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the platform sandbox is not started")
        return self._server.url

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the platform sandbox is not started")
        return self._server.port

    # -- settings --------------------------------------------------------------------------------

    @property
    def faults(self) -> FaultSettings:
        return self.injector.settings

    @faults.setter
    def faults(self, settings: FaultSettings) -> None:
        self.injector.settings = settings

    @property
    def webhook_url(self) -> str | None:
        return self.sender.url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        self.sender.url = url

    @property
    def webhook_secret(self) -> str:
        return self.sender.secret

    @webhook_secret.setter
    def webhook_secret(self, secret: str) -> None:
        self.sender.secret = secret

    @property
    def retry_schedule(self) -> list[float]:
        """Seconds to wait before each retry of a failed delivery; its length is the retry count."""
        return self.sender.retry_schedule

    @retry_schedule.setter
    def retry_schedule(self, delays: Sequence[float]) -> None:
        self.sender.retry_schedule = list(delays)

    def set_api_key(self, key: str | None) -> None:
        """Rotate the key (``None`` revokes it): the old one answers 401 from now on."""
        self.api_key = key

    def key_matches(self, offered: str | None) -> bool:
        """Constant-time check of a bearer key."""
        key = self.api_key
        if not key or offered is None:
            return False
        return hmac.compare_digest(offered.encode(), key.encode())

    # -- data and changes ------------------------------------------------------------------------

    def records(self, entity: str) -> list[Record]:
        """Copies of the live records in id order (the order of the API's pages)."""
        return self.store.records(entity)

    def get(self, entity: str, id: str) -> Record | None:
        return self.store.get(entity, id)

    def create(self, entity: str, values: dict[str, Any], emit: bool = True) -> Record:
        """A new record; generated values fill in the fields ``values`` leaves out."""
        return self.publish(self.store.create(entity, values, fill=True), emit)[0]

    def update(self, entity: str, id: str, changes: dict[str, Any], emit: bool = True) -> Record:
        return self.publish(self.store.update(entity, id, changes), emit)[0]

    def delete(self, entity: str, id: str, emit: bool = True) -> None:
        """Delete a contact or campaign (calls cannot be deleted: ValueError)."""
        self.publish(self.store.delete(entity, id), emit)

    def complete_call(self, id: str, changes: dict[str, Any] | None = None, emit: bool = True) -> Record:
        return self.publish(self.store.complete_call(id, changes), emit)[0]

    def publish(self, change: Change, emit: bool = True, wait: bool = True) -> tuple[Record, dict[str, Any] | None]:
        """Announce a change by webhook (unless not ``emit``); answers the record and the delivery
        (``{"id", "status"}``, ``None`` when not emitted). ``wait`` makes the first attempt now."""
        if not emit:
            return change.record, None
        return change.record, self.sender.send(self.event(change.type, change.record), wait)

    # -- webhooks --------------------------------------------------------------------------------

    def event(self, type: str, record: dict[str, Any]) -> dict[str, Any]:
        """The webhook body for ``record`` without sending it."""
        return event_body(type, record)

    def deliver(self, body: dict[str, Any], msg_id: str | None = None, url: str | None = None) -> int:
        """Sign and POST one delivery now, without retries; the HTTP status, 0 on no connection."""
        return self.sender.deliver(body, msg_id, url)

    def deliveries(self) -> list[dict[str, Any]]:
        """Every delivery attempt: id, type, url, attempt, status, error, at."""
        return self.sender.deliveries()

    # -- statistics ------------------------------------------------------------------------------

    def stats(self) -> dict[str, dict[str, int]]:
        """API calls served: ``{"GET /v1/contacts": {"200": 12, "429": 2}, ...}``."""
        return self.call_stats.snapshot()

    def reset_stats(self) -> None:
        self.call_stats.reset()
