"""The platform sandbox speaking Retell AI over real HTTP, judged by the official SDK.

Every route is called through ``retell.Retell(_strict_response_validation=True)``, and every answer
it gets is also held to ``retell_oracle.judge`` (no undeclared field, no coercion) by a response
hook; every delivered webhook is verified with ``retell.lib.webhook_auth.verify`` and judged by
``retell_oracle.judge_event``.
"""

from __future__ import annotations

import json
import operator
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from retell import AuthenticationError, BadRequestError, InternalServerError, NotFoundError, RateLimitError, Retell
from retell.lib.webhook_auth import verify

from sandbox.faults import FaultSettings
from sandbox.platform import Credential, PlatformSandbox
from sandbox.platform.clock import iso, now_us, parse
from sandbox.platform.vendors import retell
from tests.sandbox.conftest import sandbox_command
from tests.sandbox.receiver import Receiver, logged_attempts
from tests.sandbox.retell_oracle import OracleError, judge, judge_event

CALLS, CAMPAIGNS, CONTACTS = 320, 5, 90
FAST_RETRIES = [0.05, 0.05, 0.05]
NEW_PHONE = "+13475550142"  # area code 347: no generated contact has it
Item = dict[str, Any]


@pytest.fixture(scope="module")
def platform() -> Iterator[PlatformSandbox]:
    with PlatformSandbox(contacts=CONTACTS, campaigns=CAMPAIGNS, calls=CALLS, seed=11, vendor="retell") as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def restore(restored: None, platform: PlatformSandbox) -> Iterator[None]:
    """Fast retries, and Retell's contacts on again, whatever a test changed."""
    platform.retry_schedule = FAST_RETRIES
    yield
    platform.retell_contacts = True


def _hold(problems: list[str], response: httpx.Response) -> None:
    """Judge an answer the SDK is about to read (a failure here would surface as a connection
    error, so it is kept for the fixture's teardown)."""
    response.read()
    request = response.request
    try:
        judge(request.method, request.url.path, response.json(), response.status_code)
    except (AssertionError, ValueError) as exc:
        problems.append(f"{request.method} {request.url.path} {response.status_code}: {exc}")


@pytest.fixture
def connect(platform: PlatformSandbox) -> Iterator[Callable[..., Retell]]:
    """Makes strict SDK clients of the sandbox (its current key unless told another); every answer
    they get is judged."""
    problems: list[str] = []
    opened: list[httpx.Client] = []

    def make(api_key: str | None = None) -> Retell:
        http = httpx.Client(event_hooks={"response": [partial(_hold, problems)]})
        opened.append(http)
        key = api_key or str(platform.api_key)
        return Retell(
            api_key=key, base_url=platform.url, _strict_response_validation=True, max_retries=0, http_client=http
        )

    yield make
    for http in opened:
        http.close()
    assert not problems, "answers the oracle refused:\n" + "\n".join(problems)


@pytest.fixture
def client(connect: Callable[..., Retell]) -> Retell:
    return connect()


def walk_calls(client: Retell, **params: Any) -> list[Item]:
    """Every page of list-calls, following ``pagination_key`` to the end."""
    items: list[Item] = []
    key = {"pagination_key": params.pop("pagination_key")} if "pagination_key" in params else {}
    for _ in range(10_000):
        page = client.call.list(**params, **key)
        items += [item.to_dict() for item in page.items]
        if not page.has_more:
            assert page.pagination_key is None
            return items
        assert page.pagination_key
        key = {"pagination_key": page.pagination_key}
    raise AssertionError("list-calls never ended")


def walk_contacts(client: Retell, **params: Any) -> list[Item]:
    items: list[Item] = []
    key: dict[str, str] = {}
    while True:
        page = client.contact.list(**params, **key)
        items += [item.to_dict() for item in page.items]
        if not page.has_more:
            assert page.pagination_key is None
            return items
        key = {"pagination_key": str(page.pagination_key)}


def ms(text: str) -> int:
    return parse(text) // 1000


def store_call(platform: PlatformSandbox, item: Item) -> dict[str, Any]:
    record_id = retell.store_id("calls", item["call_id"])
    record = platform.get("calls", record_id) if record_id else None
    assert record is not None, f"{item['call_id']} is no store call"
    return record


def call_position(platform: PlatformSandbox, record: dict[str, Any]) -> tuple[int, str]:
    return ms(record["started_at"] or record["created_at"]), platform.vendor_id(record["id"])


def ids(items: list[Item], key: str = "call_id") -> list[str]:
    return [item[key] for item in items]


def number(op: str, value: float) -> dict[str, Any]:
    return {"type": "number", "op": op, "value": value}


def string(op: str, value: str) -> dict[str, Any]:
    return {"type": "string", "op": op, "value": value}


def enum(*values: str) -> dict[str, Any]:
    return {"type": "enum", "op": "in", "value": list(values)}


def boolean(value: bool) -> dict[str, Any]:
    return {"type": "boolean", "op": "eq", "value": value}


def record_of(platform: PlatformSandbox, status: str, skip: int = 0) -> dict[str, Any]:
    return [record for record in platform.records("calls") if record["status"] == status][skip]


# -- the oracle itself ----------------------------------------------------------------------------


def test_the_oracle_refuses_what_the_strict_client_lets_through(platform: PlatformSandbox) -> None:
    completed = platform.vendor_record("calls", record_of(platform, "completed")["id"])
    assert completed is not None
    item = {key: value for key, value in completed.items() if not key.startswith("transcript")}
    page = {"items": [item], "has_more": False, "pagination_key": None}
    judge("POST", "/v3/list-calls", page)
    judge("GET", "/v2/get-call/call_1", completed)
    spoilt = [
        ("POST", "/v3/list-calls", {**page, "items": [completed]}, r"\$\.items\[0\]\.transcript"),
        ("POST", "/v3/list-calls", {**page, "items": [{**item, "agent_version": "1"}]}, "coercion"),
        ("GET", "/v2/get-call/x", {**completed, "call_cost": {**completed["call_cost"], "tax": 1}}, "call_cost.tax"),
        ("GET", "/v2/get-call/x", {**completed, "call_status": "done"}, "call_status"),
        ("GET", "/v2/get-call/x", {**completed, "access_token": "t", "call_type": "web_call"}, "WebCallResponse"),
        ("GET", "/v2/get-calls", completed, "no route"),
        ("POST", "/list-contacts", {"items": [], "has_more": "no"}, "has_more"),
    ]
    for method, path, body, problem in spoilt:
        with pytest.raises(OracleError, match=problem):
            judge(method, path, body)
    judge("GET", "/v2/get-call/x", {"status": "error", "message": "Call not found."}, status=404)
    with pytest.raises(OracleError, match="error body"):
        judge("GET", "/v2/get-call/x", {"error": "Call not found."}, status=404)
    analysed = {"event": "call_analyzed", "call": completed}
    judge_event(analysed)
    for body, problem in (
        ({"event": "call_ended", "call": completed}, "carries call_analysis"),
        ({"event": "call_finished", "call": completed}, "webhook events"),
        ({**analysed, "timestamp": 1}, "exactly event and call"),
    ):
        with pytest.raises(OracleError, match=problem):
            judge_event(body)


# -- auth, errors and faults ----------------------------------------------------------------------


def test_a_wrong_key_is_refused_on_every_route(platform: PlatformSandbox, connect: Callable[..., Retell]) -> None:
    wrong = connect("key_wrong")
    contacts, campaigns = platform.records("contacts"), platform.records("campaigns")
    attempts: list[Callable[[], Any]] = [
        lambda: wrong.call.list(),
        lambda: wrong.call.retrieve(platform.vendor_id("cl_00000001")),
        lambda: wrong.contact.list(),
        lambda: wrong.contact.get(platform.vendor_id("ct_00000001")),
        lambda: wrong.contact.get_by_phone(platform.records("contacts")[0]["phone"]),
        lambda: wrong.contact.create(phone_number=NEW_PHONE, first_name="Nobody"),
        lambda: wrong.contact.update(platform.vendor_id("ct_00000001"), first_name="Nobody"),
        lambda: wrong.batch_call.create_batch_call(
            from_number=retell.AGENTS[0].number, tasks=[{"to_number": NEW_PHONE}]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(AuthenticationError) as refused:
            attempt()
        assert refused.value.status_code == 401
        assert refused.value.body == {"status": "error", "message": "API key is missing or invalid."}
    bare = requests.post(platform.url + "/v3/list-calls", json={}, headers={"Authorization": str(platform.api_key)})
    assert (bare.status_code, bare.json()["message"]) == (401, "API key is missing or invalid.")
    assert (platform.records("contacts"), platform.records("campaigns")) == (contacts, campaigns)  # nothing written


def test_unknown_and_malformed_ids_answer_404(platform: PlatformSandbox, client: Retell) -> None:
    for missing in (
        "call_" + "f" * 32,
        "call_" + "0" * 32,
        platform.vendor_id("cl_00000001").upper(),
        "cl_00000001",
        platform.vendor_id("ct_00000001"),
        "call_12",
    ):
        with pytest.raises(NotFoundError) as absent:
            client.call.retrieve(missing)
        assert absent.value.body == {"status": "error", "message": "Call not found."}
    with pytest.raises(NotFoundError):
        client.contact.update(platform.vendor_id("cl_00000001"), first_name="Nobody")
    assert requests.get(platform.url + "/v1/calls").status_code == 404  # not the generic API


def test_faults_reach_the_sdk_as_its_errors(platform: PlatformSandbox, client: Retell) -> None:
    platform.faults.update({"rate_429": 1.0, "retry_after": 7})
    with pytest.raises(RateLimitError) as limited:
        client.call.list()
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.body == {"status": "error", "message": "Account rate limited, please throttle your requests."}
    platform.faults = FaultSettings(rate_5xx=1.0)
    with pytest.raises(InternalServerError) as failed:
        client.contact.list()
    assert failed.value.body["status"] == "error"
    assert requests.get(platform.url + "/_sandbox/stats").status_code == 200  # controls never fail
    assert platform.stats() == {"POST /v3/list-calls": {"429": 1}, "POST /list-contacts": {"500": 1}}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": 2.5}, "limit"),
        ({"limit": "10"}, "limit"),
        ({"skip": -1}, "skip"),
        ({"sort_order": "newest"}, "sort_order"),
        ({"include_total": "yes"}, "include_total"),
        ({"pagination_key": "not-a-key"}, "pagination_key"),
        ({"extra_body": {"cursor": "abc"}}, "cursor"),
        ({"filter_criteria": {"start_timestamp": string("eq", "today")}}, "filter_criteria.start_timestamp"),
        ({"filter_criteria": {"start_timestamp": number("bt", 5)}}, "filter_criteria.start_timestamp: op 'bt'"),
        ({"filter_criteria": {"start_timestamp": {"type": "range", "op": "bt", "value": [1]}}}, "lower_bound"),
        ({"filter_criteria": {"batch_call_id": string("eq", "b") | {"key": "x"}}}, "filter_criteria.batch_call_id"),
        ({"filter_criteria": {"call_status": enum("registered")}}, "'registered' not among"),
        ({"filter_criteria": {"call_id": {"type": "enum", "op": "in", "value": "call_1"}}}, "list of strings"),
        ({"filter_criteria": {"metadata": [string("eq", "x")]}}, "filter_criteria.metadata"),
        ({"filter_criteria": {"agent": []}}, "filter_criteria.agent"),
        ({"filter_criteria": {"agent": [{"agent_id": "a", "version": "1"}]}}, "filter_criteria.agent"),
        ({"filter_criteria": ["direction"]}, "filter_criteria"),
    ],
)
def test_bad_list_calls_bodies_answer_400_naming_the_field(client: Retell, params: dict[str, Any], field: str) -> None:
    with pytest.raises(BadRequestError) as refused:
        client.call.list(**params)
    body = refused.value.body
    assert isinstance(body, dict) and body["status"] == "error"
    assert field in body["message"]


def test_a_body_that_is_no_json_object_answers_400(platform: PlatformSandbox) -> None:
    headers = {"Authorization": f"Bearer {platform.api_key}", "Content-Type": "application/json"}
    for path in ("/v3/list-calls", "/list-contacts", "/create-batch-call"):
        for data in ("nope", "[1, 2]"):
            answer = requests.post(platform.url + path, data=data, headers=headers)
            assert answer.status_code == 400
            assert answer.json() == {"status": "error", "message": "the body must be a JSON object"}
    empty = requests.post(platform.url + "/v3/list-calls", headers=headers)
    assert empty.status_code == 200 and len(empty.json()["items"]) == retell.DEFAULT_LIMIT


# -- list-calls -----------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["ascending", "descending"])
def test_a_walk_sees_every_call_once_in_start_order(platform: PlatformSandbox, client: Retell, order: str) -> None:
    backdated = {"status": "completed", "started_at": "2024-02-01T00:00:00Z", "duration_seconds": 30}
    platform.create("calls", backdated, emit=False)  # the newest id, the earliest start
    before = platform.records("calls")
    first = client.call.list(limit=37, sort_order=order, include_total=True)
    assert (len(first.items), first.total, first.has_more) == (37, len(before), True)
    assert first.pagination_key
    created = [
        platform.create("calls", {"status": "in_progress", "started_at": iso(now_us())}, emit=False),
        platform.create("calls", {}, emit=False),  # queued: sorts by its creation
    ]
    rest = walk_calls(client, limit=37, sort_order=order, pagination_key=first.pagination_key)
    walked = [item.to_dict() for item in first.items] + rest
    assert len(ids(walked)) == len(set(ids(walked)))
    expected = sorted(before + (created if order == "ascending" else []), key=partial(call_position, platform))
    if order == "descending":
        expected.reverse()  # the new calls are newer than where the walk was: it does not see them
    assert ids(walked) == [platform.vendor_id(record["id"]) for record in expected]


def test_limit_default_total_and_skip(platform: PlatformSandbox, client: Retell) -> None:
    default = client.call.list()
    assert (len(default.items), default.has_more, default.total) == (retell.DEFAULT_LIMIT, True, None)
    everything = client.call.list(limit=1000, include_total=True)
    count = len(platform.records("calls"))
    assert (len(everything.items), everything.total, everything.has_more, everything.pagination_key) == (
        count,
        count,
        False,
        None,
    )
    skipped = client.call.list(limit=5, skip=10)
    assert [item.call_id for item in skipped.items] == [item.call_id for item in everything.items][10:15]
    assert len(client.call.list(limit=1).items) == 1


def test_start_timestamp_filters(platform: PlatformSandbox, client: Retell) -> None:
    everything = walk_calls(client, limit=1000)
    started = [item for item in everything if "start_timestamp" in item]
    assert 0 < len(started) < len(everything), "some calls must not have started"
    middle = started[len(started) // 2]["start_timestamp"]
    ops = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt}
    for op, compare in (ops | {"le": operator.le}).items():
        listed = walk_calls(client, limit=1000, filter_criteria={"start_timestamp": number(op, middle)})
        assert ids(listed) == ids([item for item in started if compare(item["start_timestamp"], middle)]), op
    low, high = started[60]["start_timestamp"], started[20]["start_timestamp"]
    between = {"start_timestamp": {"type": "range", "op": "bt", "value": [low, high]}}
    assert ids(walk_calls(client, limit=1000, filter_criteria=between)) == ids(started[20:61])
    window = walk_calls(
        client, limit=7, sort_order="ascending", filter_criteria={"start_timestamp": number("gt", middle)}
    )
    assert ids(window) == ids([item for item in started if item["start_timestamp"] > middle][::-1])


LINE = retell.AGENTS[1]
FIRST_CALL = retell.public_id("cl_00000001")
FILTERS: list[tuple[str, dict[str, Any], Callable[[Item], bool]]] = [
    ("call_status", {"call_status": enum("ended", "error")}, lambda c: c["call_status"] in ("ended", "error")),
    ("direction", {"direction": enum("inbound")}, lambda c: c["direction"] == "inbound"),
    ("agent", {"agent": [{"agent_id": LINE.agent_id}]}, lambda c: c["agent_id"] == LINE.agent_id),
    (
        "agent versions",
        {
            "agent": [
                {"agent_id": LINE.agent_id, "version": [1]},
                {"agent_id": retell.AGENTS[2].agent_id, "version": [2]},
            ]
        },
        lambda c: c["agent_id"] == LINE.agent_id,
    ),
    ("from_number", {"from_number": string("eq", LINE.number)}, lambda c: c["from_number"] == LINE.number),
    ("to_number", {"to_number": string("sw", "+1650")}, lambda c: c["direction"] == "inbound"),
    ("call_id ne", {"call_id": string("ne", FIRST_CALL)}, lambda c: c["call_id"] != FIRST_CALL),
    (
        "disconnection_reason",
        {"disconnection_reason": enum("voicemail_reached", "dial_failed")},
        lambda c: c.get("disconnection_reason") in ("voicemail_reached", "dial_failed"),
    ),
    (
        "user_sentiment",
        {"user_sentiment": enum("Positive")},
        lambda c: c.get("call_analysis", {}).get("user_sentiment") == "Positive",
    ),
    (
        "call_successful",
        {"call_successful": boolean(False)},
        lambda c: c.get("call_analysis", {}).get("call_successful") is False,
    ),
    ("in_voicemail", {"in_voicemail": boolean(True)}, lambda c: c.get("call_analysis", {}).get("in_voicemail") is True),
    (
        "duration_ms",
        {"duration_ms": {"type": "range", "op": "bt", "value": [60_000, 300_000]}},
        lambda c: 60_000 <= c.get("duration_ms", -1) <= 300_000,
    ),
    ("end_timestamp", {"end_timestamp": number("ge", 0)}, lambda c: "end_timestamp" in c),
    (
        "two at once",
        {"direction": enum("outbound"), "call_status": enum("ongoing")},
        lambda c: c["direction"] == "outbound" and c["call_status"] == "ongoing",
    ),
]


@pytest.mark.parametrize(("criteria", "keeps"), [case[1:] for case in FILTERS], ids=[case[0] for case in FILTERS])
def test_call_filters(client: Retell, criteria: dict[str, Any], keeps: Callable[[Item], bool]) -> None:
    everything = walk_calls(client, limit=1000)
    expected = [item for item in everything if keeps(item)]
    assert 0 < len(expected) < len(everything), "the seeded calls must tell this filter apart"
    listed = walk_calls(client, limit=1000, filter_criteria=criteria, include_total=True)
    assert ids(listed) == ids(expected)
    assert client.call.list(filter_criteria=criteria, include_total=True).total == len(expected)


def test_call_id_and_batch_filters(platform: PlatformSandbox, client: Retell) -> None:
    everything = walk_calls(client, limit=1000)
    two = [everything[3]["call_id"], everything[40]["call_id"]]
    assert ids(walk_calls(client, filter_criteria={"call_id": enum(*two, "call_" + "f" * 32)})) == two
    assert ids(walk_calls(client, filter_criteria={"call_id": string("eq", two[1])})) == two[1:]
    assert walk_calls(client, filter_criteria={"call_type": enum("web_call")}) == []
    campaign = platform.records("campaigns")[1]
    batch = platform.vendor_id(campaign["id"])
    of_batch = [item for item in everything if store_call(platform, item)["campaign_id"] == campaign["id"]]
    in_other = [item for item in everything if store_call(platform, item)["campaign_id"] not in (None, campaign["id"])]
    assert of_batch and in_other
    assert walk_calls(client, limit=1000, filter_criteria={"batch_call_id": string("eq", batch)}) == of_batch
    assert walk_calls(client, limit=1000, filter_criteria={"batch_call_id": string("ne", batch)}) == in_other
    assert all("batch_call_id" not in item for item in everything)  # a Retell call does not carry it


# -- get-call -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "call_status", "reasons"),
    [
        ("queued", "registered", ()),
        ("in_progress", "ongoing", ()),
        ("completed", "ended", ("user_hangup", "agent_hangup")),
        ("failed", "error", ("dial_failed",)),
        ("no_answer", "not_connected", ("dial_no_answer", "voicemail_reached")),
    ],
)
def test_get_call_of_each_status(
    platform: PlatformSandbox, client: Retell, status: str, call_status: str, reasons: tuple[str, ...]
) -> None:
    records = [
        r for r in platform.records("calls") if r["status"] == status and platform.get("contacts", r["contact_id"])
    ]
    assert records
    listed = {item["call_id"]: item for item in walk_calls(client, limit=1000)}
    for record in records:
        shown = client.call.retrieve(platform.vendor_id(record["id"])).to_dict()
        assert shown == platform.vendor_record("calls", record["id"])
        assert shown["call_status"] == call_status and shown["call_type"] == "phone_call"
        assert {key: value for key, value in shown.items() if not key.startswith("transcript")} == listed[
            shown["call_id"]
        ]
        check_parties(platform, record, shown)
        check_times_and_cost(record, shown, reasons)
        check_analysis(record, shown)


def check_parties(platform: PlatformSandbox, record: dict[str, Any], shown: Item) -> None:
    contact = platform.get("contacts", record["contact_id"])
    assert contact is not None
    agent = next(agent for agent in retell.AGENTS if agent.agent_id == shown["agent_id"])
    assert (shown["agent_name"], shown["agent_version"], shown["direction"]) == (agent.name, 1, record["direction"])
    parties = (contact["phone"], agent.number)
    assert (shown["from_number"], shown["to_number"]) == (
        parties if record["direction"] == "inbound" else parties[::-1]
    )
    batch_agent = retell.AGENTS[int((record["campaign_id"] or record["id"]).rsplit("_", 1)[1]) % len(retell.AGENTS)]
    assert agent == batch_agent
    assert shown["retell_llm_dynamic_variables"] == {"customer_name": contact["first_name"]}
    assert shown["metadata"] == {}


def check_times_and_cost(record: dict[str, Any], shown: Item, reasons: tuple[str, ...]) -> None:
    assert shown.get("start_timestamp") == (ms(record["started_at"]) if record["started_at"] else None)
    if not reasons:
        assert not {"end_timestamp", "duration_ms", "disconnection_reason", "call_cost"} & set(shown)
        return
    start = shown.get("start_timestamp", ms(record["updated_at"]) - record["duration_seconds"] * 1000)
    assert shown["end_timestamp"] - start == shown["duration_ms"] == record["duration_seconds"] * 1000
    assert shown["disconnection_reason"] in reasons
    if record["status"] == "no_answer":
        number = int(record["id"].rsplit("_", 1)[1])
        assert (shown["disconnection_reason"] == "voicemail_reached") is (number % 4 == 0)
    cost = shown["call_cost"]
    assert cost["total_duration_seconds"] == record["duration_seconds"]
    assert cost["combined_cost"] == sum(part["cost"] for part in cost["product_costs"])
    assert cost["combined_cost"] == cost["total_duration_seconds"] * cost["total_duration_unit_price"]
    assert all(part["cost"] == part["unit_price"] * record["duration_seconds"] for part in cost["product_costs"])
    assert shown.get("recording_url") == record["recording_url"]


def check_analysis(record: dict[str, Any], shown: Item) -> None:
    if record["status"] != "completed":
        assert not {"call_analysis", "transcript", "transcript_object"} & set(shown)
        return
    analysis = shown["call_analysis"]
    assert analysis.get("call_summary") == record["summary"]
    assert analysis["user_sentiment"] in ("Positive", "Negative", "Neutral")
    assert analysis["call_successful"] is (analysis["user_sentiment"] != "Negative" and not analysis["in_voicemail"])
    assert analysis["in_voicemail"] is (record["summary"] == "Left a voicemail.")
    assert set(analysis["custom_analysis_data"]) == {"interested", "callback_requested"}
    lines = shown["transcript"].splitlines()
    assert len(lines) == len(shown["transcript_object"]) == 5
    assert [line.split(": ", 1)[0] for line in lines] == ["Agent", "User", "Agent", "User", "Agent"]
    assert [f"{part['role'].capitalize()}: {part['content']}" for part in shown["transcript_object"]] == lines
    starts = [word["start"] for part in shown["transcript_object"] for word in part["words"]]
    assert starts == sorted(starts) and starts[0] == 0


def test_a_deleted_contact_s_calls_still_show_a_number(platform: PlatformSandbox, client: Retell) -> None:
    person = platform.create("contacts", {"phone": "+13475550177"}, emit=False)
    record = platform.create("calls", {"contact_id": person["id"], "direction": "inbound"}, emit=False)
    platform.delete("contacts", person["id"], emit=False)
    shown = client.call.retrieve(platform.vendor_id(record["id"]))
    assert shown.from_number.startswith("+1206") and len(shown.from_number) == 12
    assert shown.retell_llm_dynamic_variables is None


# -- contacts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_a_contact_walk_sees_every_contact_once(platform: PlatformSandbox, client: Retell, order: str) -> None:
    walked = walk_contacts(client, limit=17, sort_order=order)
    records = sorted(platform.records("contacts"), key=lambda r: (ms(r["created_at"]), platform.vendor_id(r["id"])))
    assert ids(walked, "contact_id") == [platform.vendor_id(r["id"]) for r in records[:: 1 if order == "asc" else -1]]
    assert client.contact.list(limit=3).total == len(records)
    for item, record in zip(walked if order == "asc" else walked[::-1], records, strict=True):
        assert item == platform.vendor_record("contacts", record["id"])
        assert (item["phone_number"], item["org_id"], item["do_not_call"]) == (record["phone"], retell.ORG_ID, False)
        assert (item.get("first_name"), item.get("last_name")) == (record["first_name"], record["last_name"])
        assert (item["created_timestamp"], item["user_modified_timestamp"]) == (
            ms(record["created_at"]),
            ms(record["updated_at"]),
        )
    synced = Counter("external_id" in item for item in walked)
    assert synced[True] > synced[False] > 0


def test_contact_filters(platform: PlatformSandbox, client: Retell) -> None:
    record = platform.records("contacts")[7]
    shown = platform.vendor_id(record["id"])
    by_phone = walk_contacts(client, filter_criteria={"phone_number": string("eq", record["phone"])})
    assert ids(by_phone, "contact_id") == [shown]
    assert ids(walk_contacts(client, filter_criteria={"contact_id": string("eq", shown)}), "contact_id") == [shown]
    everything = walk_contacts(client, limit=1000)
    present = walk_contacts(client, limit=1000, filter_criteria={"external_id": {"type": "present", "op": "pr"}})
    absent = walk_contacts(client, limit=1000, filter_criteria={"external_id": {"type": "present", "op": "np"}})
    assert present == [item for item in everything if "external_id" in item]
    assert absent == [item for item in everything if "external_id" not in item]
    assert walk_contacts(client, filter_criteria={"do_not_call": boolean(True)}) == []
    named = walk_contacts(client, limit=1000, search_query=str(record["last_name"]).upper())
    assert shown in ids(named, "contact_id")
    assert all(str(record["last_name"]).lower() in json.dumps(item).lower() for item in named)
    rest = walk_contacts(client, limit=1000, excluded_contact_ids=[shown])
    assert ids(rest, "contact_id") == [item["contact_id"] for item in everything if item["contact_id"] != shown]
    for bad in ({"last_conversation_timestamp": number("gt", 0)}, {"phone_number": enum("+1")}):
        with pytest.raises(BadRequestError, match="filter_criteria"):
            client.contact.list(filter_criteria=bad)  # type: ignore[arg-type]
    with pytest.raises(BadRequestError, match="sort_order"):
        client.contact.list(sort_order="descending")  # type: ignore[arg-type]


def test_one_contact_is_read_by_id_or_number(platform: PlatformSandbox, client: Retell) -> None:
    record = platform.records("contacts")[11]
    by_id = client.contact.get(platform.vendor_id(record["id"])).to_dict()
    assert (
        by_id
        == client.contact.get_by_phone(record["phone"]).to_dict()
        == platform.vendor_record("contacts", record["id"])
    )
    for missing in (
        lambda: client.contact.get(platform.vendor_id("cl_00000001")),
        lambda: client.contact.get_by_phone(NEW_PHONE[:-1]),
    ):
        with pytest.raises(NotFoundError) as absent:
            missing()
        assert absent.value.body == {"status": "error", "message": "Contact not found."}


def test_contacts_can_be_switched_off(platform: PlatformSandbox, client: Retell) -> None:
    control = platform.url + "/_sandbox/retell/contacts"
    assert requests.put(control, json={"enabled": False}).json() == {"enabled": False}
    off = client.contact.list()
    assert (off.items, off.has_more, off.pagination_key, off.total) == ([], False, None, 0)
    with pytest.raises(NotFoundError):
        client.contact.get(platform.vendor_id("ct_00000001"))
    with pytest.raises(BadRequestError):
        client.contact.list(limit=0)  # a bad body is still refused
    assert requests.put(control, json={"enabled": "no"}).status_code == 422
    assert requests.put(control, json={"enabled": True}).json() == {"enabled": True}
    assert len(client.contact.list(limit=5).items) == 5


def test_contacts_are_created_and_updated(platform: PlatformSandbox, client: Retell) -> None:
    made = client.contact.create(phone_number="+13475550101", first_name="Ines", last_name="Moreau")
    record = platform.get("contacts", str(retell.store_id("contacts", made.contact_id)))
    assert record is not None
    assert (record["phone"], record["first_name"], record["email"], record["company"]) == (
        "+13475550101",
        "Ines",
        None,
        None,
    )
    changed = client.contact.update(made.contact_id, first_name="Inès", do_not_call=False)
    assert (changed.first_name, changed.last_name) == ("Inès", "Moreau")
    assert changed.user_modified_timestamp is not None and changed.user_modified_timestamp >= made.created_timestamp
    assert platform.get("contacts", record["id"])["first_name"] == "Inès"
    for refused, field in (
        (lambda: client.contact.create(phone_number="+13475550101", first_name="Twin"), "phone_number"),
        (lambda: client.contact.create(phone_number="4155550101", first_name="Local"), "phone_number"),
        (lambda: client.contact.create(phone_number="+13475550102"), "first_name"),
        (
            lambda: client.contact.create(phone_number="+13475550103", last_name="X", contact_memory="m"),
            "contact_memory",
        ),
        (lambda: client.contact.update(made.contact_id, do_not_call=True), "do_not_call"),
    ):
        with pytest.raises(BadRequestError, match=field):
            refused()
    assert not [r for r in platform.records("contacts") if r["phone"] in ("+13475550102", "+13475550103")]


# -- batch calls ----------------------------------------------------------------------------------


def test_a_batch_call_queues_a_call_per_task(platform: PlatformSandbox, client: Retell, receiver: Receiver) -> None:
    known = platform.records("contacts")[3]
    before = len(platform.records("contacts"))
    batch = client.batch_call.create_batch_call(
        name="Renewals, wave=2",
        from_number=retell.AGENTS[0].number,
        tasks=[{"to_number": known["phone"]}, {"to_number": NEW_PHONE, "retell_llm_dynamic_variables": {"a": "b"}}],
        trigger_timestamp=1_900_000_000_000,
    )
    assert (batch.name, batch.from_number, batch.total_task_count) == ("Renewals, wave=2", retell.AGENTS[0].number, 2)
    assert batch.scheduled_timestamp == 1_900_000_000_000
    campaign = platform.get("campaigns", str(retell.store_id("campaigns", batch.batch_call_id)))
    assert campaign is not None and (campaign["name"], campaign["status"]) == ("Renewals, wave=2", "active")
    assert len(platform.records("contacts")) == before + 1
    criteria = {"batch_call_id": string("eq", batch.batch_call_id)}
    queued = walk_calls(client, filter_criteria=criteria, sort_order="ascending")
    assert [item["to_number"] for item in queued] == [known["phone"], NEW_PHONE]
    assert {(item["call_status"], item["direction"]) for item in queued} == {("registered", "outbound")}
    assert len({(item["agent_id"], item["from_number"]) for item in queued}) == 1
    assert retell.settings(platform)["RETELL_BATCH_CALLS"].endswith(f",{batch.batch_call_id}=Renewals wave2")
    time.sleep(0.05)
    assert receiver.received == []  # registered calls and new contacts send nothing


def test_settings_name_every_batch_call(platform: PlatformSandbox) -> None:
    entries = dict(entry.split("=") for entry in platform.vendor_settings()["RETELL_BATCH_CALLS"].split(","))
    campaigns = platform.records("campaigns")
    assert entries == {platform.vendor_id(c["id"]): c["name"].replace(",", "").replace("=", "") for c in campaigns}
    assert all(batch.startswith("batch_call_") and len(batch) == 43 for batch in entries)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tasks": []}, "tasks"),
        ({"tasks": [{"to_number": "415"}]}, "tasks[0].to_number"),
        ({"tasks": [{"to_number": NEW_PHONE, "priority": 1}]}, "priority"),
        ({"tasks": [{"to_number": NEW_PHONE}], "from_number": "me"}, "from_number"),
        ({"tasks": [{"to_number": NEW_PHONE}], "name": ""}, "name"),
        ({"tasks": [{"to_number": NEW_PHONE}], "trigger_timestamp": "soon"}, "trigger_timestamp"),
        ({"tasks": [{"to_number": NEW_PHONE}], "call_time_window": {"windows": []}}, "call_time_window"),
    ],
)
def test_bad_batch_calls_answer_400(
    platform: PlatformSandbox, client: Retell, body: dict[str, Any], field: str
) -> None:
    campaigns = len(platform.records("campaigns"))
    params = {"from_number": retell.AGENTS[0].number} | body
    with pytest.raises(BadRequestError) as refused:
        client.batch_call.create_batch_call(**params)
    assert field in refused.value.body["message"]
    assert len(platform.records("campaigns")) == campaigns


# -- webhooks -------------------------------------------------------------------------------------


def delivered(receiver: Receiver, count: int, key: str) -> list[dict[str, Any]]:
    """The first ``count`` deliveries, each verified as Retell's SDK does and judged."""
    bodies = []
    for headers, raw in receiver.wait_for(count)[:count]:
        assert verify(raw.decode(), key, headers["x-retell-signature"]), "the signature does not verify"
        body = json.loads(raw)
        judge_event(body)
        bodies.append(body)
    return bodies


def test_a_call_s_life_sends_started_ended_analyzed(
    platform: PlatformSandbox, receiver: Receiver, client: Retell
) -> None:
    control = platform.url + "/_sandbox/calls"
    created = requests.post(control, json={"direction": "outbound"}).json()
    call_id = created["record"]["id"]
    assert created["webhook"] is None  # a registered call sends nothing
    requests.patch(f"{control}/{call_id}", json={"status": "in_progress", "started_at": "2025-01-01T10:00:00Z"})
    done = requests.post(
        f"{control}/{call_id}/complete", json={"summary": "Renewed the subscription.", "duration_seconds": 75}
    )
    assert done.json()["webhook"]["status"] == 204
    bodies = delivered(receiver, 3, str(platform.api_key))
    assert [body["event"] for body in bodies] == ["call_started", "call_ended", "call_analyzed"]
    assert bodies[0]["call"]["call_status"] == "ongoing"
    assert "end_timestamp" not in bodies[0]["call"]
    whole = platform.vendor_record("calls", call_id)
    assert whole is not None
    assert bodies[2]["call"] == whole == client.call.retrieve(platform.vendor_id(call_id)).to_dict()
    assert bodies[1]["call"] == {key: value for key, value in whole.items() if key != "call_analysis"}
    assert (whole["start_timestamp"], whole["end_timestamp"]) == (1735725600000, 1735725675000)
    assert whole["call_analysis"]["user_sentiment"] == "Positive"
    assert [d["type"] for d in platform.deliveries()[-3:]] == ["call_started", "call_ended", "call_analyzed"]


def test_a_call_that_never_connects_sends_only_call_ended(platform: PlatformSandbox, receiver: Receiver) -> None:
    queued = platform.create("calls", {"direction": "outbound"}, emit=False)
    platform.update("calls", queued["id"], {"status": "no_answer"})
    [ended] = delivered(receiver, 1, str(platform.api_key))
    assert (ended["event"], ended["call"]["call_status"]) == ("call_ended", "not_connected")
    assert ended["call"]["disconnection_reason"] in ("dial_no_answer", "voicemail_reached")
    assert platform.messages("call.updated", record_of(platform, "failed"))[-1]["call"]["call_status"] == "error"


def test_a_call_put_in_progress_without_a_start_sends_nothing_until_it_starts(platform: PlatformSandbox) -> None:
    """The store allows an in-progress call with no start (the demo makes one); Retell's starts as
    it connects, so it is announced once it has a start."""
    queued = platform.create("calls", {"direction": "outbound", "started_at": None}, emit=False)
    going = platform.update("calls", queued["id"], {"status": "in_progress"}, emit=False)
    assert going["started_at"] is None and platform.messages("call.updated", going) == []
    started = platform.update("calls", queued["id"], {"started_at": "2026-01-02T03:00:00Z"}, emit=False)
    assert [body["event"] for body in platform.messages("call.updated", started)] == ["call_started"]


def test_contact_and_campaign_changes_send_nothing(platform: PlatformSandbox, receiver: Receiver) -> None:
    control = platform.url + "/_sandbox"
    answers = [
        requests.patch(control + "/campaigns/cp_00000002", json={"status": "paused"}),
        requests.post(control + "/contacts", json={}),
        requests.patch(control + "/contacts/ct_00000050", json={"company": "Quiet Ltd"}),
    ]
    assert [(answer.status_code, answer.json()["webhook"]) for answer in answers] == [(200, None)] * 3
    time.sleep(0.1)
    assert receiver.received == []


def test_a_rotated_key_signs_what_follows(platform: PlatformSandbox, receiver: Receiver, client: Retell) -> None:
    old = str(platform.api_key)
    platform.set_api_key("key_rotated_0123456789")
    platform.update("calls", record_of(platform, "in_progress")["id"], {"summary": "Still talking."})
    [(headers, raw)] = receiver.wait_for(1)
    signature = headers["x-retell-signature"]
    assert verify(raw.decode(), "key_rotated_0123456789", signature)
    assert not verify(raw.decode(), old, signature)
    assert not verify(raw.decode() + " ", "key_rotated_0123456789", signature)
    assert client.verify(raw.decode(), "key_rotated_0123456789", signature)


def test_a_failed_delivery_is_retried_three_times(platform: PlatformSandbox, receiver: Receiver) -> None:
    receiver.statuses.extend([500, 503])
    answer = requests.post(
        f"{platform.url}/_sandbox/calls/{record_of(platform, 'failed')['id']}/message", json={"type": "call_ended"}
    )
    assert answer.json()["webhook"]["status"] == 500
    bodies = delivered(receiver, 3, str(platform.api_key))
    assert len({json.dumps(body) for body in bodies}) == 1
    receiver.statuses.extend([500] * 4)
    gave_up = platform.sender.send(bodies[0])
    logged = logged_attempts(platform.deliveries, gave_up["id"], 4, timeout=sum(FAST_RETRIES) + 5)
    time.sleep(0.3)  # and no fifth
    attempts = [(d["attempt"], d["status"]) for d in platform.deliveries() if d["id"] == gave_up["id"]]
    assert attempts == [(d["attempt"], d["status"]) for d in logged] == [(1, 500), (2, 500), (3, 500), (4, 500)]
    assert platform.retry_schedule == FAST_RETRIES


@pytest.mark.parametrize("event", ["call_started", "call_ended", "call_analyzed", "transcript_updated"])
def test_message_control_sends_one_event_now(platform: PlatformSandbox, receiver: Receiver, event: str) -> None:
    ended = record_of(platform, "completed", 2)
    answer = requests.post(f"{platform.url}/_sandbox/calls/{ended['id']}/message", json={"type": event})
    assert answer.status_code == 200
    assert (answer.json()["record"], answer.json()["webhook"]["status"]) == (ended, 204)
    [body] = delivered(receiver, 1, str(platform.api_key))
    assert body["event"] == event
    if event == "transcript_updated":
        utterances = body["call"].pop("transcript_with_tool_calls")
        assert [part["content"] for part in utterances] == [
            part["content"] for part in body["call"]["transcript_object"]
        ]
    whole = platform.vendor_record("calls", ended["id"])
    assert whole is not None
    assert body["call"] == (
        {k: v for k, v in whole.items() if k != "call_analysis"} if event == "call_ended" else whole
    )


def test_message_control_refuses_what_retell_would_not_send(platform: PlatformSandbox, receiver: Receiver) -> None:
    control = platform.url + "/_sandbox/calls/{}/message"
    queued, failed = record_of(platform, "queued"), record_of(platform, "failed")
    for record_id, event, problem in (
        (queued["id"], "call_started", "started"),
        (queued["id"], "call_ended", "ended"),
        (failed["id"], "call_analyzed", "completed"),
        (failed["id"], "call_finished", "must be one of"),
    ):
        answer = requests.post(control.format(record_id), json={"type": event})
        assert answer.status_code == 422 and problem in answer.json()["message"]
    assert requests.post(control.format("cl_99999999"), json={}).status_code == 404
    ongoing = requests.post(control.format(record_of(platform, "in_progress")["id"]))
    assert ongoing.status_code == 200
    [body] = delivered(receiver, 1, str(platform.api_key))
    assert body["event"] == "transcript_updated" and len(body["call"]["transcript_with_tool_calls"]) == 2


def test_the_credential_is_the_api_key() -> None:
    sandbox = PlatformSandbox(calls=1, vendor="retell")
    sandbox.stop()  # never started: this only ends the delivery thread
    assert sandbox.webhook_credential == Credential("retell-api-key")
    assert sandbox.retry_schedule == [0.5, 1.0, 2.0]  # Retell retries 3 times
    assert retell.credential(Credential(secret="ignored")) == Credential("retell-api-key")
    with pytest.raises(ValueError, match="API key"):
        PlatformSandbox(calls=1, vendor="retell", webhook_credential=Credential(kind="hmac"))
    assert retell.signature("k", b'{"a":1}', 1_700_000_000_000).startswith("v=1700000000000,d=")
    assert verify('{"a":1}', "k", retell.signature("k", b'{"a":1}', int(time.time() * 1000)))


# -- the command line -----------------------------------------------------------------------------


def test_voicesync_sandbox_speaks_retell(tmp_path: Path) -> None:
    options = ("--platform", "retell", "--calls", "30", "--contacts", "10", "--campaigns", "3")
    with sandbox_command(tmp_path, *options) as printed:
        assert printed["VOICE_PLATFORM"] == "retell"
        assert len(printed["RETELL_BATCH_CALLS"].split(",")) == 3
        sdk = Retell(api_key=printed["VOICE_API_KEY"], base_url=printed["VOICE_API_URL"], max_retries=0)
        assert sdk.call.list(limit=1000, include_total=True).total == 30


def test_the_agents_the_calls_name_are_listed_as_the_sdk_reads_them(client: Retell) -> None:
    first = client.agent.list(limit=2)
    assert first.has_more and first.pagination_key and len(first.items) == 2
    rest = client.agent.list(limit=2, pagination_key=first.pagination_key)
    assert not rest.has_more and rest.pagination_key is None
    agents = [*first.items, *rest.items]
    assert {a.agent_id: a.agent_name for a in agents} == {a.agent_id: a.name for a in retell.AGENTS}
    modified = [a.user_modified_timestamp for a in agents]
    assert modified == sorted(modified, reverse=True)
    ascending = client.agent.list(sort_order="ascending")
    assert [a.agent_id for a in ascending.items] == [a.agent_id for a in reversed(agents)]
    with pytest.raises(BadRequestError):
        client.agent.list(filter_criteria={"query": "Riley"})
    assert {item["agent_id"] for item in walk_calls(client)} <= {a.agent_id for a in agents}
