"""What every voice-platform adapter is: the interface the rest of voicesync talks to.

An adapter owns what differs between vendors and nothing else: its endpoints (path, paginator,
how incremental reads are asked for), normalising vendor records into voicesync's canonical
contact / campaign / call, webhook verification and routing, error bodies, and its declared
:class:`Capabilities`. Everything around it (the one HTTP session, the rate gate, the one page
loop, refusing an answer about another record) lives here once.

Canonical records are plain dicts with ``id`` and ``updated_at`` (ISO 8601) and the keys the
mappers read (:mod:`shared.mappers`). A key a vendor does not know is left out: the contact
mapper then leaves that Odoo field as it is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol
from urllib.parse import quote

import requests

from shared.errors import (
    ApiError,
    DataError,
    InvalidRequest,
    NotFound,
    RateLimited,
    RetryableError,
    error_for_response,
)
from shared.http import json_body, new_session, send
from shared.mappers.base import e164
from shared.pagination import Page, Paginator, Record
from shared.platforms.assistants import AssistantNames

if TYPE_CHECKING:
    from shared.settings import Settings

SYSTEM = "platform"
WHOLE_READ_TRIES = 3
WHOLE_READ_BACKOFF = 0.25
MAX_WHOLE_READ_WAIT = 5.0
RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")  # an id is an id, never a path


class RateGate(Protocol):
    """What the client needs of a shared rate limit (see :mod:`shared.ratelimit`)."""

    def wait(self) -> None: ...

    def pause(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class Capabilities:
    """What a vendor offers, declared so that callers ask instead of guessing.

    - ``derived``: entities whose records other entities carry -> those entities (Vapi's contacts
      are the customers its calls and campaigns name; Retell's are its contacts resource and the
      numbers its calls name). A walk of one reads its own listing first, if it has one, then
      its sources'. They are never archived for being unseen; without a listing of their own
      they cannot be read one by one.
    - ``contact_writes``: Odoo -> platform contact writes are possible.
    - ``incremental``: ``"updated_since"`` (the vendor filters by its ``updated_at``) or
      ``"lookback"`` (no ``updated_at``: an incremental run reads back ``VOICESYNC_LOOKBACK``
      from the bookmark, so a call still ongoing or not yet analysed then is read again).
    """

    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    contact_writes: bool = False
    incremental: Literal["updated_since", "lookback"] = "updated_since"


@dataclass(frozen=True)
class Endpoint:
    """One listing of a vendor: typed data, so the page loop stays generic.

    ``method`` ``POST`` sends the parameters as a JSON body (Retell's ``list-calls``), where nested
    objects from ``since``, ``params`` and a walk's ``where`` are merged (``filter_criteria``);
    ``in_query`` sends them in the query string all the same (Retell's ``list-agents``).
    ``expand(platform, listed, whole)`` turns a listed record into the whole one where a listing
    leaves out what matters (Retell and Bland list calls without their transcripts); ``whole`` is
    False in a derived entity's walk, which is after only what the records carry.
    """

    path: str
    item_path: str | None
    paginator: Callable[[int], Paginator]
    since: Callable[[str], dict[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)
    method: Literal["GET", "POST"] = "GET"
    in_query: bool = False
    expand: Callable[[Platform, Record, bool], Record] | None = None


@dataclass(frozen=True)
class Normalized:
    """A vendor record in canonical form, with the records of other entities it carries."""

    record: Record
    related: dict[str, list[Record]] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """What a webhook asks for: read ``platform_id`` of ``entity`` again (API first)."""

    type: str
    entity: str
    platform_id: str


def contact_id(number: str) -> str:
    """The contact id of a person known by their number, on a vendor that identifies people by it:
    the E.164 number as an id (``+14155550123`` -> ``tel-14155550123``)."""
    return "tel-" + number.removeprefix("+")


def phone_contact(number: Any, updated_at: str, **known: Any) -> Record | None:
    """The canonical contact of a person a vendor knows by ``number`` (E.164); None without a
    usable number. Of ``known`` (``name``, ``email``) only what the vendor gives is kept: a key
    left out never blanks what Odoo holds."""
    number = e164(number)
    if number is None:
        return None
    contact: Record = {"id": contact_id(number), "updated_at": updated_at, "phone": number}
    contact.update((key, value) for key, value in known.items() if value)
    return contact


EPOCH = "1970-01-01T00:00:00Z"


def number_only(number: Any) -> Record | None:
    """The contact of a person a call names by number alone (Retell, Bland). It carries nothing
    newer than the number, which is its id: dated at the epoch, so it never outranks what the
    vendor's contacts say of the person (a name), however recent the call."""
    return phone_contact(number, EPOCH)


def merged(*parts: Mapping[str, Any]) -> dict[str, Any]:
    """Request parameters from several sources; nested objects are merged, not replaced."""
    result: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, Mapping) and isinstance(result.get(key), dict):
                result[key] = merged(result[key], value)
            else:
                result[key] = dict(value) if isinstance(value, Mapping) else value
    return result


def check_id(value: object, what: str) -> str:
    """``value`` as a record id, or ValueError (it becomes a path segment and a lock name)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not RECORD_ID.fullmatch(value):
        raise ValueError(f"{what} is missing or not of the form {RECORD_ID.pattern}")
    return value


class Webhooks(Protocol):
    """A vendor's webhook scheme: built from settings (ConfigError when they are wrong).

    ``secrets``: the credentials it checks deliveries against (the receiver refuses to start
    without one, naming ``credential_setting``); ``warnings``: what the receiver logs as it starts
    (a weaker scheme than the vendor offers)."""

    secrets: tuple[str, ...]
    credential_setting: str
    warnings: tuple[str, ...]

    def verify(self, headers: Mapping[str, str], body: bytes) -> str:
        """The delivery's dedupe key; :class:`shared.signing.SignatureError` when untrusted."""
        ...

    def events(self, body: Any) -> tuple[str, list[Event]]:
        """The delivery's type and what to read again (empty: answered and kept as ignored);
        ValueError for a body that is not one of the vendor's events."""
        ...


class Platform:
    """A vendor's API behind one session; every failure is an :class:`ApiError`."""

    name: ClassVar[str]
    key_scheme: ClassVar[str] = "Bearer"
    """How the key is sent in ``Authorization``: after this scheme, or bare when empty (Bland)."""
    capabilities: ClassVar[Capabilities] = Capabilities()
    endpoints: ClassVar[dict[str, Endpoint]] = {}

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        page_size: int = 200,
        read_concurrency: int = 8,
        gate: RateGate | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.gate = gate
        self.timeout = timeout
        self.page_size = page_size
        self.read_concurrency = max(1, read_concurrency)
        authorization = f"{self.key_scheme} {api_key}" if self.key_scheme else api_key
        headers = {"Authorization": authorization, "Accept": "application/json"}
        self._session = new_session(headers, pool_size=max(10, self.read_concurrency))
        self._readers: ThreadPoolExecutor | None = None
        self.assistants = AssistantNames(self.assistant_names)

    @classmethod
    def from_settings(cls, settings: Settings, gate: RateGate | None = None) -> Platform:
        return cls(settings.voice_api_url, settings.voice_api_key, gate=gate, **cls.options(settings))

    @classmethod
    def options(cls, settings: Settings) -> dict[str, Any]:
        """The constructor's options from settings (a vendor adds its own)."""
        return {
            "timeout": settings.voice_timeout,
            "page_size": settings.voice_page_size,
            "read_concurrency": settings.voice_read_concurrency,
        }

    # -- what a vendor module defines ----------------------------------------------------------

    def classify(self, response: requests.Response) -> ApiError:
        """An error answer in the vendor's own terms (its error body, its rate-limit headers)."""
        return error_for_response(response, response.reason or "error", system=SYSTEM)

    def normalize(self, entity: str, raw: Record) -> Normalized:
        """A vendor record as voicesync's canonical record; DataError when it cannot be."""
        raise NotImplementedError

    def create_contact(self, partner: Mapping[str, Any]) -> Normalized:
        """A platform contact made from an Odoo partner's values (where ``contact_writes``)."""
        raise InvalidRequest(f"{self.name} takes no contact writes", system=SYSTEM, name="no_contact_writes")

    def update_contact(self, record_id: str, partner: Mapping[str, Any]) -> Normalized:
        raise InvalidRequest(f"{self.name} takes no contact writes", system=SYSTEM, name="no_contact_writes")

    # -- the one way to talk to the vendor -----------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if self.gate is not None:
            self.gate.wait()
        try:
            response = send(
                self._session,
                method,
                f"{self.base_url}{path}",
                system=SYSTEM,
                timeout=self.timeout,
                classify=self.classify,
                **kwargs,
            )
        except RateLimited as exc:
            if self.gate is not None:
                self.gate.pause(exc.retry_after or 1.0)
            raise
        return json_body(response, system=SYSTEM)

    def endpoint(self, entity: str) -> Endpoint:
        try:
            return self.endpoints[entity]
        except KeyError:
            raise InvalidRequest(f"{self.name} has no {entity} listing", system=SYSTEM, name="no_listing") from None

    def read(self, entity: str, record_id: str) -> Any:
        """The vendor's own record ``record_id`` (a vendor module overrides this where one record is
        read another way, or comes wrapped). The id is quoted into the path."""
        item_path = self.endpoint(entity).item_path
        if item_path is None:
            raise NotFound(f"{self.name} {entity} cannot be read one by one", system=SYSTEM, name="no_item_path")
        return self.request("GET", item_path.format(id=quote(record_id, safe="")))

    def get(self, entity: str, record_id: str) -> Normalized:
        """One record, read now (API first: webhooks only say that something changed). An answer
        about another record is refused: an id from a webhook must never reach a different record
        (``../campaigns/x``, ``x?y=1``)."""
        if entity in self.capabilities.derived and entity not in self.endpoints:
            raise NotFound(f"{self.name} {entity} cannot be read one by one", system=SYSTEM, name="derived")
        raw = self.read(entity, record_id)
        normalized = self.normalize(entity, raw) if isinstance(raw, dict) else None
        if normalized is None or str(normalized.record.get("id")) != record_id:
            raise DataError(f"{SYSTEM} answered {entity}/{record_id!r} with another record")
        self.name_assistant(entity, normalized.record)
        return normalized

    def assistant_names(self) -> dict[str, str]:
        """Every assistant's name by id, read now from the vendor's ``assistants`` listing (none for
        a vendor that has no such listing)."""
        if "assistants" not in self.endpoints:
            return {}
        listed = (record for page in self.pages("assistants") for record in page.records)
        return {str(record["id"]): str(record["name"]) for record in listed if record.get("id") and record.get("name")}

    def name_assistant(self, entity: str, record: Record) -> None:
        """A call's ``assistant_name`` from :attr:`assistants`, where the call does not say it."""
        if entity == "calls" and not record.get("assistant_name"):
            record["assistant_name"] = self.assistants.name(record.get("assistant_id"))

    def pages(self, entity: str, *, since: str | None = None, where: Mapping[str, Any] | None = None) -> Walk:
        """Walk a listing (all of it, or what changed since ``since``) page by page; ``where`` adds
        the vendor's own filters (Retell's ``filter_criteria`` of one batch call)."""
        return Walk(self, entity, since, where)

    def page(self, entity: str, number: int, *, since: str | None = None) -> Page:
        """Page ``number`` on its own: one of :meth:`Walk.remaining`, handed to another worker."""
        walk = Walk(self, entity, since)
        walk.paginator.jump(number)
        return walk.fetch(number)

    def each(self, read: Callable[[Record], Record], records: list[Record]) -> list[Record]:
        """``read`` of every record, in order, up to ``read_concurrency`` at once on the one session
        (a page's whole reads: one after the other they cost a round trip each)."""
        if self.read_concurrency == 1 or len(records) < 2:
            return [read(record) for record in records]
        if self._readers is None:
            self._readers = ThreadPoolExecutor(self.read_concurrency, thread_name_prefix=f"{self.name}-read")
        return list(self._readers.map(read, records))

    def close(self) -> None:
        if self._readers is not None:
            self._readers.shutdown(wait=True)
        self._session.close()


class Walk:
    """One walk of a listing: the only page loop in voicesync.

    A derived entity is walked through its sources' walks, after its own listing if it has one:
    the contacts of each page of calls (then of campaigns) make one page.
    """

    def __init__(
        self,
        platform: Platform,
        entity: str,
        since: str | None,
        where: Mapping[str, Any] | None = None,
        *,
        whole: bool = True,
    ) -> None:
        self.platform = platform
        self.entity = entity
        self.since = since
        self.where = where or {}
        self.whole = whole
        self.number = 0
        sources = platform.capabilities.derived.get(entity, ())
        self.sources = [Walk(platform, source, since, whole=False) for source in sources]
        own = entity in platform.endpoints or not sources
        self.paginator = platform.endpoint(entity).paginator(platform.page_size) if own else None

    def __iter__(self) -> Iterator[Page]:
        return self

    def __next__(self) -> Page:
        if self.paginator is not None and self.paginator.has_next:
            return self.fetch(self.number + 1)
        return self._next_derived()

    def fetch(self, number: int) -> Page:
        assert self.paginator is not None
        endpoint = self.platform.endpoint(self.entity)
        since = endpoint.since(self.since) if self.since else {}
        params = merged(endpoint.params, since, self.where, self.paginator.params())
        sent = {"json": params} if endpoint.method == "POST" and not endpoint.in_query else {"params": params}
        body = self.platform.request(endpoint.method, endpoint.path, **sent)
        self.number = number
        records: list[Record] = []
        related: dict[str, list[Record]] = {}
        listed = self.paginator.update(body)
        if endpoint.expand:
            listed = self.platform.each(lambda raw: self._expanded(endpoint, raw), listed)
        for raw in listed:
            normalized = self.platform.normalize(self.entity, raw)
            if self.whole:
                self.platform.name_assistant(self.entity, normalized.record)
            records.append(normalized.record)
            for entity, rows in normalized.related.items():
                related.setdefault(entity, []).extend(rows)
        return Page(number, records, related, self.paginator.total)

    def _expanded(self, endpoint: Endpoint, raw: Record) -> Record:
        """A listed record read whole, each read retried in place a few times: a page whose N reads
        had all to succeed in one try would, under steady faults, rarely succeed at all (a failure
        retries the whole page, N + 1 requests)."""
        assert endpoint.expand is not None
        attempt = 1
        while True:
            try:
                return endpoint.expand(self.platform, raw, self.whole)
            except RetryableError as exc:
                if attempt >= WHOLE_READ_TRIES:
                    raise
                time.sleep(min(exc.retry_after or WHOLE_READ_BACKOFF * 2**attempt, MAX_WHOLE_READ_WAIT))
                attempt += 1

    def _next_derived(self) -> Page:
        while self.sources:
            try:
                page = next(self.sources[0])
            except StopIteration:
                self.sources.pop(0)
                continue
            self.number += 1
            return Page(self.number, page.related.get(self.entity, []))
        raise StopIteration

    def checkpoint(self) -> dict[str, Any]:
        """Where this walk stands (JSON-simple), kept by a reconciliation after each page."""
        point: dict[str, Any] = {"number": self.number, "sources": [source.checkpoint() for source in self.sources]}
        if self.paginator is not None:
            point["paginator"] = self.paginator.state()
        return point

    def resume(self, checkpoint: dict[str, Any]) -> None:
        """Go on from a :meth:`checkpoint` of the same walk (a retried task after a failed page)."""
        self.number = int(checkpoint["number"])
        if self.paginator is not None:
            self.paginator.restore(checkpoint["paginator"])
        points = checkpoint.get("sources", [])  # none in a checkpoint kept before walks had both
        self.sources = self.sources[len(self.sources) - len(points) :]
        for source, point in zip(self.sources, points, strict=True):
            source.resume(point)

    def remaining(self) -> list[int]:
        """After the first page: the pages other workers may fetch at once (empty: walk on). A walk
        that goes on into its sources' walks is walked by one task, in order."""
        return self.paginator.remaining() if self.paginator is not None and not self.sources else []
