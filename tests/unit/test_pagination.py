"""Page walking: follow next_page, stop at null, refuse a loop and a malformed answer."""

from __future__ import annotations

import pytest

from shared.errors import InvalidRequest
from shared.pagination import Page, PageNumberPaginator


def test_follows_next_page_until_null() -> None:
    paginator = PageNumberPaginator()
    visited = []
    answers = {1: 2, 2: 3, 3: None}
    while paginator.has_next:
        number = paginator.current
        assert number is not None
        visited.append(number)
        paginator.update(Page(number, [], answers[number], 3))
    assert visited == [1, 2, 3]


def test_a_repeated_page_is_a_loop() -> None:
    paginator = PageNumberPaginator()
    paginator.update(Page(1, [], 2, None))
    with pytest.raises(InvalidRequest, match="pagination loop"):
        paginator.update(Page(2, [], 1, None))


@pytest.mark.parametrize("body", [None, [], {"items": []}, {"data": {}}])
def test_malformed_page_is_refused(body: object) -> None:
    with pytest.raises(InvalidRequest):
        Page.from_json(1, body)


def test_page_from_json_reads_total_when_present() -> None:
    page = Page.from_json(4, {"data": [{"id": "a"}], "next_page": "5", "total": "90"})
    assert (page.number, page.next_page, page.total, len(page.records)) == (4, 5, 90, 1)
    assert Page.from_json(4, {"data": [], "next_page": None}).total is None
