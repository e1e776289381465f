"""Paginators alone, without HTTP: each answer gives the next request; loops and bad answers fail."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import InvalidRequest
from shared.pagination import PageNumberPaginator, TimeWindowPaginator
from shared.platforms.generic import _read_page


def _numbered(answers: dict[int, int | None], total: int | None = None) -> PageNumberPaginator:
    return PageNumberPaginator(10, lambda body, number: ([{"id": str(number)}], answers[number], total))


def test_follows_next_page_until_null() -> None:
    paginator = _numbered({1: 2, 2: 3, 3: None})
    visited = []
    while paginator.has_next:
        visited.append(paginator.params()["page"])
        paginator.update({})
    assert visited == [1, 2, 3]


def test_a_repeated_page_is_a_loop() -> None:
    paginator = _numbered({1: 2, 2: 1})
    paginator.update({})
    with pytest.raises(InvalidRequest, match="pagination loop"):
        paginator.update({})


def test_pages_can_be_handed_out_only_when_the_total_is_known() -> None:
    known = _numbered({1: 2}, total=35)
    known.update({})
    assert known.remaining() == [2, 3, 4]
    unknown = _numbered({1: 2})
    unknown.update({})
    assert unknown.remaining() == []


@pytest.mark.parametrize("body", [None, [], {"items": []}, {"data": {}}])
def test_malformed_generic_page_is_refused(body: object) -> None:
    with pytest.raises(InvalidRequest):
        _read_page(body, 1)


def test_generic_page_reads_total_when_present() -> None:
    records, next_page, total = _read_page({"data": [{"id": "a"}], "next_page": "5", "total": "90"}, 4)
    assert (next_page, total, len(records)) == (5, 90, 1)
    assert _read_page({"data": [], "next_page": None}, 4)[2] is None


def _calls(count: int, instants: list[int]) -> list[dict[str, Any]]:
    """``count`` calls newest first; call ``n`` was created at second ``instants[n]``."""
    return sorted(
        ({"id": f"c{n:03d}", "createdAt": f"2025-01-01T00:{instants[n] // 60:02d}:{instants[n] % 60:02d}.000Z"}
         for n in range(count)),
        key=lambda c: (c["createdAt"], c["id"]),
        reverse=True,
    )  # fmt: skip


def _serve(calls: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
    """What Vapi's ``GET /call`` answers: newest first, at most ``limit``, ``createdAtLe`` inclusive."""
    upper = params.get("createdAtLe")
    chosen = [c for c in calls if upper is None or c["createdAt"] <= upper]
    return chosen[: params["limit"]]


@pytest.mark.parametrize("size", [1, 3, 4, 7, 50])
def test_time_windows_read_every_call_once_across_ties(size: int) -> None:
    instants = [n // 3 for n in range(20)]  # three calls per second: every window edge is a tie
    calls = _calls(20, instants)
    if size <= 3:  # a page can hold no more than the ties of one instant: no window can move on
        paginator = TimeWindowPaginator(size)
        with pytest.raises(InvalidRequest, match="share createdAt"):
            while paginator.has_next:
                paginator.update(_serve(calls, paginator.params()))
        return
    paginator, read = TimeWindowPaginator(size), []
    while paginator.has_next:
        read += [c["id"] for c in paginator.update(_serve(calls, paginator.params()))]
    assert sorted(read) == sorted(c["id"] for c in calls) and len(read) == len(set(read))


def test_a_time_window_answer_that_is_not_a_list_of_records_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="array"):
        TimeWindowPaginator(10).update({"results": []})
    with pytest.raises(InvalidRequest, match="createdAt"):
        TimeWindowPaginator(1).update([{"id": "a", "createdAt": "yesterday"}])


def test_a_walk_restored_from_its_state_goes_on_where_it_stood() -> None:
    """What a retried reconciliation relies on: the state survives JSON, and the rest of the walk
    reads each remaining record once."""
    import json

    calls = _calls(20, [n // 2 for n in range(20)])
    first, read = TimeWindowPaginator(6), []
    for _ in range(2):
        read += [c["id"] for c in first.update(_serve(calls, first.params()))]
    again = TimeWindowPaginator(6)
    again.restore(json.loads(json.dumps(first.state())))
    while again.has_next:
        read += [c["id"] for c in again.update(_serve(calls, again.params()))]
    assert sorted(read) == sorted(c["id"] for c in calls) and len(read) == len(set(read))
    numbered = _numbered({1: 2, 2: 3, 3: None})
    numbered.update({})
    resumed = _numbered({1: 2, 2: 3, 3: None})
    resumed.restore(json.loads(json.dumps(numbered.state())))
    assert resumed.params()["page"] == 2 and resumed.has_next
