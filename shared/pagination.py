"""Page-number pagination as its own small object: one job, "answer -> next page", testable alone.

A fresh paginator per walk; it fails loudly when the server hands back a page it already gave,
the loop that would otherwise never end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.errors import InvalidRequest


@dataclass(frozen=True)
class Page:
    """One page of a platform list."""

    number: int
    records: list[dict[str, Any]]
    next_page: int | None
    total: int | None

    @classmethod
    def from_json(cls, number: int, body: Any) -> Page:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise InvalidRequest("list answer has no 'data' list", system="platform", name="bad_page")
        next_page = body.get("next_page")
        total = body.get("total")
        return cls(
            number=number,
            records=body["data"],
            next_page=int(next_page) if next_page is not None else None,
            total=int(total) if total is not None else None,
        )


@dataclass
class PageNumberPaginator:
    """Follows ``next_page`` from a starting page until the server says there is none."""

    start: int = 1
    current: int | None = None
    _seen: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.current = self.start

    @property
    def has_next(self) -> bool:
        return self.current is not None

    def update(self, page: Page) -> None:
        """Advance to the page the server names; a repeat is a pagination loop."""
        self._seen.add(page.number)
        nxt = page.next_page
        if nxt is not None and nxt in self._seen:
            raise InvalidRequest(
                f"pagination loop: page {page.number} points back to page {nxt}",
                system="platform",
                name="pagination_loop",
            )
        self.current = nxt
