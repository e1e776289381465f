"""PlatformSandbox: the one object tests, the demo and the benchmarks hold to stand in for the voice
platform. It ties the seeded data, the change operations, webhook delivery, fault injection and
the HTTP server together; each of those lives in its own module. Which vendor's API it speaks
(``vendor="generic"``, ``"vapi"``...) is one module under ``vendors``: the same store backs them all.
"""

from __future__ import annotations

import dataclasses
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
from sandbox.platform.vendors import Vendor, load
from sandbox.platform.webhooks import Credential, WebhookSender
from sandbox.server import BackgroundServer

BROKEN_ANSWERS = ("5xx", "deep")


class PlatformSandbox:
    """The voice platform's API over real HTTP on 127.0.0.1, with a control surface for tests.

    Changes made through the methods below (or the ``/_sandbox`` endpoints) emit webhooks to
    ``webhook_url`` the way the real platform would; ``emit=False`` makes a change the platform
    "forgot" to announce, which is what reconciliation exists to repair.

    ``vendor`` picks the API spoken (``sandbox.platform.vendors.NAMES``); ``webhook_credential``
    how deliveries are authenticated (its ``None`` fields take the vendor's defaults, e.g.
    ``Credential(kind="hmac")`` under Vapi); ``webhook_secret``, when given, is its secret.
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
        vendor: str = "generic",
        webhook_credential: Credential | None = None,
    ) -> None:
        self.vendor = vendor
        self.vendor_api: Vendor = load(vendor)
        if webhook_secret is not None:
            webhook_credential = dataclasses.replace(webhook_credential or Credential(), secret=webhook_secret)
        self._credential = self.vendor_api.credential(webhook_credential)
        generator = Generator(seed)
        self.store = Store(generator.dataset(contacts, campaigns, calls), Clock(), generator)
        self.sender = WebhookSender(
            lambda msg_id, payload: self.vendor_api.sign(self, msg_id, payload),
            webhook_url,
            self.vendor_api.RETRY_SCHEDULE,
            describe=self.vendor_api.message_type,
        )
        self.injector = FaultInjector(FaultSettings(), seed=seed)
        # API paths that always answer badly ("5xx", or "deep": JSON nested past any parser's
        # limit): one record a vendor cannot serve, while the rest of its API works.
        self.broken: dict[str, str] = {}
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

    def break_path(self, path: str, how: str) -> None:
        """Make ``path`` (``/v1/calls/<id>``) always answer ``"5xx"`` or ``"deep"`` JSON."""
        if how not in BROKEN_ANSWERS:
            raise ValueError(f"how must be one of {', '.join(BROKEN_ANSWERS)}")
        self.broken[path] = how

    @property
    def webhook_url(self) -> str | None:
        return self.sender.url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        self.sender.url = url

    @property
    def webhook_credential(self) -> Credential:
        """The complete credential deliveries are signed with (no ``None`` left but an unused header)."""
        return self._credential

    @webhook_credential.setter
    def webhook_credential(self, credential: Credential) -> None:
        self._credential = self.vendor_api.credential(credential)

    @property
    def webhook_secret(self) -> str:
        return str(self._credential.secret)

    @webhook_secret.setter
    def webhook_secret(self, secret: str) -> None:
        self._credential = dataclasses.replace(self._credential, secret=secret)

    def vendor_settings(self) -> dict[str, str]:
        """The vendor's voicesync settings for this sandbox: its webhook credential, and what the
        vendor's API cannot list (Retell's batch calls)."""
        return self.vendor_api.settings(self)

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

    def vendor_id(self, store_id: str) -> str:
        """The id the vendor's API shows for a store id (a uuid under Vapi; itself under generic)."""
        return self.vendor_api.public_id(store_id)

    def vendor_record(self, entity: str, id: str) -> dict[str, Any] | None:
        """The record as the vendor's API serves it now; ``None`` when there is none (or the vendor
        has no such resource, like Vapi's contacts)."""
        record = self.store.get(entity, id)
        return None if record is None else self.vendor_api.render(self, entity, record)

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
        (``{"id", "status"}`` of the last message, when the vendor sends several; ``None`` when
        nothing was sent). ``wait`` makes the first attempt of each message now, in order."""
        delivery = None
        for body in self.vendor_api.messages(self, change) if emit else ():
            delivery = self.sender.send(body, wait)
        return change.record, delivery

    # -- webhooks --------------------------------------------------------------------------------

    def messages(self, type: str, record: dict[str, Any]) -> list[dict[str, Any]]:
        """The webhook bodies the vendor sends for a change of ``type`` (``call.completed``...) that
        left ``record``, without sending them; empty when the vendor announces no such change."""
        return self.vendor_api.messages(self, Change(type, record))

    def event(self, type: str, record: dict[str, Any]) -> dict[str, Any]:
        """The (last) webhook body for ``record`` without sending it; ValueError when none."""
        bodies = self.messages(type, record)
        if not bodies:
            raise ValueError(f"the {self.vendor} platform sends nothing for {type}")
        return bodies[-1]

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
