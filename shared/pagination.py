"""Paginators: one object per walk of one listing, whose one job is "answer -> next request".

Every vendor's listing is walked by the one loop in :meth:`shared.platforms.base.Platform.pages`;
what differs is the paginator its endpoint names (as dlt's ``rest_api`` does it):

- :class:`PageNumberPaginator`: ``page=N`` until the answer says there is no next page. When the
  answer gives the total, the remaining pages are known after the first, and a reconciliation
  hands them out to every worker at once.
- :class:`TimeWindowPaginator`: an answer with no cursor (Vapi's bare array of calls, newest
  first): the next window ends at the oldest ``createdAt`` seen, inclusive, and the records of
  that instant already read are dropped, so ties are neither skipped nor read twice.
- :class:`OffsetPaginator`: page numbers sent as an index window (Bland's ``from``/``to``).
- :class:`CursorPaginator`: an opaque cursor from each answer (Retell's ``pagination_key``).
- :class:`WholeListPaginator`: a listing answered whole in one bare array (Bland's pathways).

A paginator fails loudly (:class:`InvalidRequest` ``pagination_loop``) when the server hands back
a page it already gave: the loop that would otherwise never end.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.errors import InvalidRequest
from shared.timeutil import parse_instant

Record = dict[str, Any]


def pagination_loop(message: str) -> InvalidRequest:
    return InvalidRequest(f"pagination loop: {message}", system="platform", name="pagination_loop")


def bad_page(message: str) -> InvalidRequest:
    return InvalidRequest(message, system="platform", name="bad_page")


@dataclass(frozen=True)
class Page:
    """One page of a walk, in voicesync's canonical records.

    ``related`` holds records of other entities that this page's records carry and need in Odoo
    first (a Vapi call names its customer: the contact). ``total`` is the listing's record count
    when the vendor says it.
    """

    number: int
    records: list[Record]
    related: dict[str, list[Record]] = field(default_factory=dict)
    total: int | None = None


class Paginator(ABC):
    """The state of one walk: the parameters of the next request, updated by each answer."""

    done: bool = False

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """Query parameters of the next request."""

    @abstractmethod
    def update(self, body: Any) -> list[Record]:
        """Take one answer; return its records that are new to this walk."""

    @property
    def has_next(self) -> bool:
        return not self.done

    @property
    def total(self) -> int | None:
        """Records in the whole listing, when the answers say."""
        return None

    def remaining(self) -> list[int]:
        """After the first answer: the page numbers that can be fetched independently of each
        other (empty when pages must be walked in order)."""
        return []

    def jump(self, number: int) -> None:
        """Point the next request at page ``number`` (only where :meth:`remaining` offers pages)."""
        raise InvalidRequest("this listing cannot be read from the middle", system="platform", name="no_jump")

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """Where the walk stands, JSON-simple: a walk retried after a failure goes on from there."""

    @abstractmethod
    def restore(self, state: dict[str, Any]) -> None: ...


@dataclass
class PageNumberPaginator(Paginator):
    """``page``/``size`` parameters; ``read`` takes an answer apart into (records, next page, total)."""

    size: int
    read: Callable[[Any, int], tuple[list[Record], int | None, int | None]]
    page_param: str = "page"
    size_param: str = "per_page"
    start: int = 1
    current: int = 0
    _total: int | None = None
    _seen: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.current = self.start

    def params(self) -> dict[str, Any]:
        return {self.page_param: self.current, self.size_param: self.size}

    def update(self, body: Any) -> list[Record]:
        records, next_page, total = self.read(body, self.current)
        self._seen.add(self.current)
        self._total = total
        if next_page is not None and next_page in self._seen:
            raise pagination_loop(f"page {self.current} points back to page {next_page}")
        if next_page is None:
            self.done = True
        else:
            self.current = next_page
        return records

    @property
    def total(self) -> int | None:
        return self._total

    def remaining(self) -> list[int]:
        if self.done or self._total is None:
            return []
        pages = max(1, -(-self._total // self.size))
        return list(range(self.start + 1, self.start + pages))

    def jump(self, number: int) -> None:
        self.current = number
        self.done = False

    def state(self) -> dict[str, Any]:
        return {"current": self.current, "done": self.done, "seen": sorted(self._seen), "total": self._total}

    def restore(self, state: dict[str, Any]) -> None:
        self.current, self.done, self._total = int(state["current"]), bool(state["done"]), state["total"]
        self._seen = {int(n) for n in state["seen"]}


@dataclass
class TimeWindowPaginator(Paginator):
    """Windows that end at the oldest instant seen: ``{upper_param}=<that instant>`` (inclusive).

    Needs the answer newest first. An answer shorter than ``size`` is the last one. A full answer
    whose records are all of the boundary instant and already read cannot move the window: at
    least ``size`` records share one instant, and the walk stops with a loop error rather than
    skip some of them (Vapi's instants are milliseconds: a page of 1000 calls in one is not seen).
    """

    size: int
    instant_key: str = "createdAt"
    upper_param: str = "createdAtLe"
    size_param: str = "limit"
    boundary: str | None = None
    _at_boundary: set[str] = field(default_factory=set)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {self.size_param: self.size}
        if self.boundary is not None:
            params[self.upper_param] = self.boundary
        return params

    def state(self) -> dict[str, Any]:
        return {"boundary": self.boundary, "at_boundary": sorted(self._at_boundary), "done": self.done}

    def restore(self, state: dict[str, Any]) -> None:
        self.boundary, self.done = state["boundary"], bool(state["done"])
        self._at_boundary = {str(i) for i in state["at_boundary"]}

    def update(self, body: Any) -> list[Record]:
        if not isinstance(body, list) or not all(isinstance(r, dict) and r.get("id") for r in body):
            raise bad_page("list answer is not an array of records with ids")
        try:
            instants = [(parse_instant(str(r[self.instant_key])), r) for r in body]
        except (KeyError, ValueError):
            raise bad_page(f"a listed record has no valid {self.instant_key}") from None
        fresh = [r for _at, r in instants if str(r["id"]) not in self._at_boundary]
        if len(body) < self.size:
            self.done = True
            return fresh
        if not fresh:
            raise pagination_loop(f"{self.size} or more records share {self.instant_key} {self.boundary}")
        oldest_at, oldest = min(instants, key=lambda pair: pair[0])
        if self.boundary is None or oldest_at != parse_instant(self.boundary):
            self._at_boundary = set()
        self.boundary = str(oldest[self.instant_key])
        self._at_boundary |= {str(r["id"]) for at, r in instants if at == oldest_at}
        return fresh


@dataclass
class OffsetPaginator(PageNumberPaginator):
    """Page numbers sent as an index window (Bland's ``from``/``to``, ``skip``/``take``): page N is
    records ``(N-1)*size`` up to ``N*size``. ``end_param`` is left out where the vendor takes a
    start and a count only."""

    page_param: str = "from"
    size_param: str = "limit"
    end_param: str | None = "to"

    def params(self) -> dict[str, Any]:
        start = (self.current - self.start) * self.size
        params: dict[str, Any] = {self.page_param: start, self.size_param: self.size}
        if self.end_param:
            params[self.end_param] = start + self.size
        return params


@dataclass
class CursorPaginator(Paginator):
    """An opaque cursor handed back by each answer (Retell's ``pagination_key``), sent with the next
    request, until the answer says there is no more. Pages must be walked in order."""

    size: int
    read: Callable[[Any], tuple[list[Record], str | None]]
    cursor_param: str = "pagination_key"
    size_param: str = "limit"
    cursor: str | None = None
    _seen: set[str] = field(default_factory=set)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {self.size_param: self.size}
        if self.cursor is not None:
            params[self.cursor_param] = self.cursor
        return params

    def update(self, body: Any) -> list[Record]:
        records, cursor = self.read(body)
        if cursor is None:
            self.done = True
            return records
        if cursor in self._seen or cursor == self.cursor:
            raise pagination_loop(f"cursor {cursor!r} was handed out before")
        if self.cursor is not None:
            self._seen.add(self.cursor)
        self.cursor = cursor
        return records

    def state(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "done": self.done, "seen": sorted(self._seen)}

    def restore(self, state: dict[str, Any]) -> None:
        self.cursor, self.done = state["cursor"], bool(state["done"])
        self._seen = {str(c) for c in state["seen"]}


@dataclass
class WholeListPaginator(Paginator):
    """A listing answered whole, as a bare array, in one answer (Bland's pathways): no parameters,
    one page."""

    def params(self) -> dict[str, Any]:
        return {}

    def update(self, body: Any) -> list[Record]:
        if not isinstance(body, list) or not all(isinstance(record, dict) for record in body):
            raise bad_page("list answer is not an array of records")
        self.done = True
        return body

    def state(self) -> dict[str, Any]:
        return {"done": self.done}

    def restore(self, state: dict[str, Any]) -> None:
        self.done = bool(state["done"])
