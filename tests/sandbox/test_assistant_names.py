"""Calls show their assistant (Vapi), agent (Retell) or pathway (Bland) by name: each adapter
against its emulator over real HTTP, the list read once and kept, a failing list costing nothing
but the names."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from sandbox.platform import PlatformSandbox
from shared import platforms
from shared.mappers.calls import CallMapper
from shared.platforms.base import Platform

LISTS = {"vapi": "GET /assistant", "retell": "POST /v2/list-agents", "bland": "GET /v1/pathway"}
PATHS = {"vapi": "/assistant", "bland": "/v1/pathway"}
UNKNOWN = "0f0f0f0f-0000-4000-8000-000000000000"


@pytest.fixture(scope="module", params=sorted(LISTS))
def platform(request: pytest.FixtureRequest) -> Iterator[PlatformSandbox]:
    with PlatformSandbox(contacts=20, campaigns=3, calls=40, seed=3, vendor=request.param) as sandbox:
        yield sandbox


@pytest.fixture
def adapter(platform: PlatformSandbox) -> Iterator[Platform]:
    platform.reset_stats()
    client = platforms.vendor(platform.vendor).ADAPTER(platform.url, str(platform.api_key), page_size=15)
    yield client
    client.close()


def list_reads(platform: PlatformSandbox) -> int:
    return sum(platform.stats().get(LISTS[platform.vendor], {}).values())


def test_the_list_names_every_assistant_the_calls_name(platform: PlatformSandbox, adapter: Platform) -> None:
    names = adapter.assistant_names()
    calls = [record for page in adapter.pages("calls") for record in page.records]
    assert calls and {call["assistant_id"] for call in calls} <= set(names)
    assert all(names.values())


def test_a_synced_call_shows_the_assistant_s_name_and_keeps_the_id(
    platform: PlatformSandbox, adapter: Platform
) -> None:
    calls = [record for page in adapter.pages("calls") for record in page.records]
    one = adapter.get("calls", str(calls[0]["id"])).record
    names = adapter.assistant_names()
    for call in [*calls, one]:
        values = CallMapper().map(call)
        assert values["x_assistant"] == names[call["assistant_id"]] != call["assistant_id"]
        assert values["x_assistant_id"] == call["assistant_id"]
    # Read once for the whole walk and the single read (Retell's calls carry their agent's name).
    assert list_reads(platform) == (1 if platform.vendor == "retell" else 2)


def test_an_unknown_id_shows_the_id_and_reads_the_list_at_most_once_an_interval(
    platform: PlatformSandbox, adapter: Platform
) -> None:
    call = {"id": "c1", "updated_at": "2026-01-01T00:00:00Z", "assistant_id": UNKNOWN}
    for _ in range(20):
        adapter.name_assistant("calls", call)
    assert call["assistant_name"] is None and list_reads(platform) == 1
    assert CallMapper().map(call)["x_assistant"] == UNKNOWN
    adapter.assistants.refresh_seconds = 0.2
    time.sleep(0.25)
    for _ in range(20):
        adapter.name_assistant("calls", dict(call))
    assert list_reads(platform) == 2


def test_a_failing_list_still_syncs_the_calls_with_their_ids(
    platform: PlatformSandbox, adapter: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    if platform.vendor not in PATHS:
        pytest.skip("Retell's calls carry their agent's name: its list is read only for a call without one")
    platform.break_path(PATHS[platform.vendor], "5xx")
    try:
        with caplog.at_level(logging.WARNING, logger="shared.platforms.assistants"):
            calls = [record for page in adapter.pages("calls") for record in page.records]
    finally:
        platform.broken.pop(PATHS[platform.vendor])
    assert calls
    for call in calls:
        values = CallMapper().map(call)
        assert values["x_assistant"] == values["x_assistant_id"] == call["assistant_id"]
    assert platform.stats()[LISTS[platform.vendor]] == {"500": 1}
    assert len(caplog.records) == 1 and "assistant ids" in caplog.records[0].getMessage()
