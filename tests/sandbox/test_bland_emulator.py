"""The platform sandbox speaking Bland AI over real HTTP, judged by JSON Schemas pinned to its docs.

Bland has no official Python SDK, so ``bland_schemas`` stands in for one: every answer here goes
through ``judge`` (the schema of its route, or its API version's error envelope) and every delivered
webhook through the post-call schema. The schemas are first shown to accept the docs' own examples
and to reject what the docs do not show.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from sandbox.faults import FaultSettings
from sandbox.platform import Credential, PlatformSandbox
from sandbox.platform.vendors import bland
from tests.sandbox.bland_schemas import judge, validate
from tests.sandbox.receiver import Receiver, logged_attempts

CALLS, CAMPAIGNS, CONTACTS = 450, 7, 120
FAST_RETRIES = [0.05, 0.05, 0.05]
LISTED_KEYS = {"call_id", "created_at", "call_length", "to", "from", "completed"}
LISTED_KEYS |= {"queue_status", "error_message", "answered_by", "batch_id"}


@pytest.fixture(scope="module")
def platform(receiver: Receiver) -> Iterator[PlatformSandbox]:
    with PlatformSandbox(contacts=CONTACTS, campaigns=CAMPAIGNS, calls=CALLS, seed=11, vendor="bland") as sandbox:
        yield sandbox


@pytest.fixture
def http(platform: PlatformSandbox) -> Iterator[requests.Session]:
    """Bland takes the key bare, as the docs' ``authorization: <key>`` (conftest's sends Bearer)."""
    session = requests.Session()
    session.headers["authorization"] = str(platform.api_key)
    yield session
    session.close()


@pytest.fixture(autouse=True)
def restore(restored: None, platform: PlatformSandbox) -> None:
    """Fast retries (``restored`` puts the rest back)."""
    platform.retry_schedule = FAST_RETRIES


# -- helpers --------------------------------------------------------------------------------------


def judged(answer: requests.Response, status: int = 200) -> Any:
    """The answer's body, after holding it to the schema of its route (or error envelope)."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    judge(answer.request.method or "GET", answer.url, body, answer.status_code)
    return body


def get(http: requests.Session, platform: PlatformSandbox, path: str, status: int = 200, **params: Any) -> Any:
    return judged(http.get(platform.url + path, params=params), status)


def listing(http: requests.Session, platform: PlatformSandbox, **params: Any) -> dict[str, Any]:
    body = get(http, platform, "/v1/calls", **params)
    assert body["count"] == len(body["calls"])
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [item["call_id"] for item in body["calls"]]


def walk(http: requests.Session, platform: PlatformSandbox, size: int, **params: Any) -> list[dict[str, Any]]:
    """Every call, by ``from``/``to`` windows of ``size`` until ``total_count`` is reached."""
    seen: list[dict[str, Any]] = []
    total = None
    while total is None or len(seen) < total:
        body = listing(http, platform, **{"from": len(seen), "to": len(seen) + size}, **params)
        total = body["total_count"] if total is None else total
        assert body["total_count"] == total
        assert 0 < body["count"] <= size, "a window before total_count came back empty"
        seen += body["calls"]
    assert listing(http, platform, **{"from": len(seen)}, **params)["calls"] == []
    return seen


def store_call(platform: PlatformSandbox, bland_id: str) -> dict[str, Any]:
    call_id = bland.store_id("calls", bland_id)
    assert call_id is not None, f"{bland_id} maps to no store call"
    record = platform.get("calls", call_id)
    assert record is not None
    return record


def store_ids(platform: PlatformSandbox, bland_ids: list[str]) -> list[str]:
    return [store_call(platform, bland_id)["id"] for bland_id in bland_ids]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def v1_error(answer: requests.Response, status: int) -> dict[str, Any]:
    body = judged(answer, status)
    assert body["status"] == "error" and "data" not in body
    return body


def v2_error(answer: requests.Response, status: int) -> list[dict[str, str]]:
    body = judged(answer, status)
    assert body["data"] is None
    return body["errors"]


def first(platform: PlatformSandbox, **values: Any) -> dict[str, Any]:
    """The first store call with these values."""
    return next(r for r in platform.records("calls") if all(r[k] == v for k, v in values.items()))


def signed(platform: PlatformSandbox, delivery: tuple[dict[str, str], bytes]) -> dict[str, Any]:
    """A delivery's body after checking its signature (hex HMAC-SHA256 of the raw bytes) and schema."""
    headers, raw = delivery
    assert headers["content-type"] == "application/json"
    expected = hmac.new(platform.webhook_secret.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-webhook-signature"], expected)
    body = json.loads(raw)
    assert raw == json.dumps(body, separators=(",", ":")).encode(), "not what JSON.stringify gives"
    validate("post_call_webhook", body, "the post-call webhook")
    return body


# -- the schemas themselves -----------------------------------------------------------------------

DOCS_DETAILS = {  # api-v1/get/calls-id.mdx's example, transcripts and summary shortened
    "call_id": "12345678-1234-1234-1234-123456789012",
    "call_length": 0.75,
    "batch_id": None,
    "to": "+12223334444",
    "from": "+17163511654",
    "request_data": {"phone_number": "+12223334444", "wait": True, "language": "ENG"},
    "completed": True,
    "created_at": "2024-04-27T23:51:18.025251+00:00",
    "inbound": False,
    "queue_status": "completed",
    "endpoint_url": "api.prod.bland.ai",
    "max_duration": 30,
    "error_message": None,
    "variables": {"now_utc": "Sat, 27 Apr 2024 23:51:25 GMT", "short_to": "2223334444", "input": {"rooms": 3}},
    "answered_by": "human",
    "record": False,
    "recording_url": None,
    "c_id": "12345678-1234-1234-1234-123456789012",
    "metadata": {},
    "summary": "The call was a conversation between a hotel booking service assistant and a customer.",
    "price": 0.068,
    "started_at": "2024-04-27T23:51:25+00:00",
    "local_dialing": False,
    "call_ended_by": "ASSISTANT",
    "pathway_id": "b1693602-c05e-4b5c-b187-d0189a42aebf",
    "pathway_logs": None,
    "pathway_version": 1,
    "analysis": None,
    "concatenated_transcript": "user: Hello? \n assistant: Hi there! I'm calling from the hotel booking service.",
    "transcripts": [
        {
            "id": 7395694,
            "created_at": "2024-04-27T23:51:28.568385+00:00",
            "text": "Hello?",
            "user": "user",
            "c_id": "12345678-1234-1234-1234-123456789012",
            "status": None,
            "transcript_id": None,
        }
    ],
    "status": "completed",
    "corrected_duration": "45",
    "end_at": "2024-04-27T23:52:10.000Z",
    "voice_id": "745fbef5-f445-44fa-91ba-93f89803e1ce",
    "warm_transfer_call": {
        "proxy_agent_calls": [
            {"state": "MERGED", "call_id": "12345678-1234-1234-1234-123456789013", "phone_number": "+14158589038"}
        ],
        "state": "MERGED",
    },
    "is_proxy_agent_call": False,
    "is_canary": False,
}
DOCS_LIST = {  # api-v1/get/calls.mdx's example
    "count": 784,
    "calls": [
        {
            "call_id": "c1234567-89ab-cdef-0123-456789abcdef",
            "created_at": "2023-12-21T23:25:14.801193+00:00",
            "call_length": 0.834,
            "to": "5551234567",
            "from": "+15551234567",
            "completed": True,
            "queue_status": "complete",
            "error_message": None,
            "answered_by": "human",
            "batch_id": "b1234567-89ab-cdef-0123-gen-batch",
        }
    ],
}
DOCS_BATCH = {  # api-v2/get/batches-id.mdx's example
    "data": {
        "id": "a9a033b7-44d8-40c6-aaec-42cd43106273",
        "user_id": "657ad643-92ca-477c-97cc-9d8e6e74d7af",
        "base_prompt": '{"record":true,"task":"Say hello to the user"}',
        "created_at": "2025-05-08T19:28:12.627Z",
        "call_objects": [{"task": "Say hello to the user", "phone_number": "+1234567890"}],
        "description": "Untitled Batch",
    },
    "errors": None,
}
DOCS_WEBHOOK = {  # tutorials/post-call-webhooks.mdx's "Standard Post-Call Webhook", shortened
    **{key: DOCS_DETAILS[key] for key in ("call_id", "c_id", "to", "from", "completed", "inbound", "variables")},
    **{key: DOCS_DETAILS[key] for key in ("answered_by", "summary", "local_dialing", "call_ended_by", "status")},
    "call_length": 0.183333333333333,
    "batch_id": "7c42b56e-3a1d-4f8f-9a37-1ce89d29f204",
    "created_at": "2025-09-12T20:39:03.168+00:00",
    "queue_status": "complete",
    "max_duration": 12,
    "error_message": "Account not allowed to call +12345678901",
    "record": True,
    "recording_url": "https://api.twilio.com/2010-04-01/Accounts/ACexample123/Recordings/REexample456",
    "metadata": {"campaign_type": "test_calls"},
    "price": 0.017,
    "started_at": "2025-09-12T20:39:03.168Z",
    "pathway_logs": [{"role": "user", "text": "<Call Connected>", "chosen_node_id": "1"}],
    "transferred_to": "+12345678909",
    "pre_transfer_duration": 0.3955,
    "post_transfer_duration": 0.571166666666667,
    "pathway_tags": ["Intro Node", "Call Completion"],
    "recording_expiration": "2030-10-15T17:20:55.779Z",
    "pathway_id": "b71c4c5c-33e3-496b-a5f4-91b7e8e6a931",
    "is_proxy_agent_call": False,
    "is_canary": False,
    "citation_schema_ids": [],
    "warm_transfer_call": DOCS_DETAILS["warm_transfer_call"],
    "concatenated_transcript": "user: Hello?  \n assistant: This is a test call from Bland. \n ",
    "transcripts": [
        {"id": 123456789, "user": "user", "text": "Hello? ", "created_at": "2025-09-12T20:39:13.173+00:00"}
    ],
    "corrected_duration": "11",
    "end_at": "2025-09-12T20:39:21.000Z",
    "disposition_tag": "COMPLETED_ACTION",
}


def test_the_schemas_accept_the_docs_examples() -> None:
    validate("call_details", DOCS_DETAILS)
    validate("call_list", DOCS_LIST)
    validate("batch_get", DOCS_BATCH)
    validate("batch_list", {"data": [DOCS_BATCH["data"]], "errors": None})
    validate("post_call_webhook", DOCS_WEBHOOK)
    validate("v1_error", {"status": "error", "message": "Invalid parameters", "errors": ["Missing phone_number."]})
    validate("v1_error", {"status": "error", "message": "Rate limit exceeded"})
    validate("auth_failure", {"data": None, "errors": [{"error": "AUTH_FAILURE", "message": "Unauthorized"}]})
    validate("v2_error", {"data": None, "errors": [{"error": "CALL_RECORDING_NOT_FOUND", "message": "Not found"}]})


def _spoilt(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``body`` with the value at the dotted ``path`` replaced (``...`` deletes it)."""
    spoilt = copy.deepcopy(body)
    *parents, last = path.split(".")
    target: Any = spoilt
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is ...:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return spoilt


@pytest.mark.parametrize(
    ("name", "path", "value", "problem"),
    [
        ("call_details", "duration", 45, "'duration' was unexpected"),
        ("call_details", "status", "in-progress", "'in-progress' is not one of"),
        ("call_details", "corrected_duration", 45, "is not of type 'string'"),
        ("call_details", "corrected_duration", "45.0", "does not match"),
        ("call_details", "call_length", "0.75", "is not of type 'number'"),
        ("call_details", "answered_by", "machine", "'machine' is not one of"),
        ("call_details", "call_ended_by", "assistant", "is not one of"),
        ("call_details", "queue_status", "done", "is not one of"),
        ("call_details", "call_id", ..., "'call_id' is a required property"),
        ("call_details", "status", ..., "'status' is a required property"),  # an ended call has one
        ("call_details", "transcripts.0.id", "7395694", "is not of type 'integer'"),
        ("call_details", "transcripts.0.user", "bot", "is not one of"),
        ("call_details", "created_at", "2024-04-27T23:51:18Z", "does not match"),
        ("call_list", "calls.0.transcripts", [], "'transcripts' was unexpected"),
        ("call_list", "calls.0.inbound", False, "'inbound' was unexpected"),
        ("call_list", "calls.0.batch_id", ..., "'batch_id' is a required property"),
        ("call_list", "calls.0.to", "555-123-4567", "does not match"),
        ("batch_get", "data.label", "Renewals", "'label' was unexpected"),
        ("batch_get", "data.base_prompt", {"record": True}, "is not of type 'string'"),
        ("batch_get", "errors", [], "is not of type 'null'"),
        ("post_call_webhook", "end_at", ..., "'end_at' is a required property"),
        ("post_call_webhook", "event_type", "call", "'event_type' was unexpected"),
    ],
)
def test_the_schemas_reject_what_the_docs_do_not_show(name: str, path: str, value: Any, problem: str) -> None:
    bodies = {"call_details": DOCS_DETAILS, "call_list": DOCS_LIST, "batch_get": DOCS_BATCH}
    with pytest.raises(AssertionError, match=problem):
        validate(name, _spoilt(bodies.get(name, DOCS_WEBHOOK), path, value))


def test_judge_picks_the_schema_by_route_and_status() -> None:
    not_found_v1 = {"status": "error", "message": "Call not found"}
    not_found_v2 = {"data": None, "errors": [{"error": "NOT_FOUND", "message": "Batch not found"}]}
    judge("GET", "http://127.0.0.1:1/v1/calls/abc", not_found_v1, 404)
    judge("GET", "/v2/batches/abc?x=1", not_found_v2, 404)
    judge("GET", "/v1/calls?limit=1", DOCS_LIST, 200)
    judge("POST", "/_sandbox/calls/cl_00000001/message", {"anything": 1}, 200)  # not Bland's API
    with pytest.raises(AssertionError, match="v2_error"):
        judge("GET", "/v2/batches/abc", not_found_v1, 404)
    with pytest.raises(AssertionError, match="auth_failure"):
        judge("GET", "/v1/calls", {"status": "error", "message": "Unauthorized"}, 401)
    with pytest.raises(AssertionError, match="call_details"):
        judge("GET", "/v1/calls/abc", DOCS_LIST, 200)
    with pytest.raises(AssertionError, match="no such Bland route"):
        judge("GET", "/v1/batches", {"status": "success", "batches": []}, 200)


# -- auth and faults ------------------------------------------------------------------------------


def test_the_key_goes_bare_in_authorization(platform: PlatformSandbox) -> None:
    call_id, batch_id = platform.vendor_id("cl_00000001"), platform.vendor_id("cp_00000001")
    paths = ("/v1/calls", f"/v1/calls/{call_id}", "/v2/batches/list", f"/v2/batches/{batch_id}", "/v1/nothing")
    key = str(platform.api_key)
    for path in paths:
        refused = ({}, {"authorization": f"Bearer {key}"}, {"authorization": "wrong"}, {"authorization": key + "x"})
        for headers in refused:
            answer = requests.get(platform.url + path, headers=headers)
            assert judged(answer, 401) == bland.AUTH_FAILURE
            assert "WWW-Authenticate" not in answer.headers
    for path in paths[:-1]:
        for header in ("authorization", "Authorization"):
            judged(requests.get(platform.url + path, headers={header: key}))


def test_an_injected_429_answers_in_each_version_s_shape(platform: PlatformSandbox, http: requests.Session) -> None:
    platform.faults.update({"rate_429": 1.0, "retry_after": 9})
    limited = http.get(platform.url + "/v1/calls")
    assert limited.headers["Retry-After"] == "9"
    assert v1_error(limited, 429) == {"status": "error", "message": "Rate limit exceeded"}
    v2 = http.get(platform.url + "/v2/batches/list")
    assert v2_error(v2, 429) == [{"error": "RATE_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}]
    platform.faults = FaultSettings(rate_5xx=1.0)
    failed = sorted((http.get(platform.url + "/v2/batches/list") for _ in range(2)), key=lambda a: a.status_code)
    errors = [v2_error(answer, status) for answer, status in zip(failed, (500, 503), strict=True)]
    assert [error["error"] for [error] in errors] == ["INTERNAL_SERVER_ERROR"] * 2
    assert requests.get(platform.url + "/_sandbox/stats").status_code == 200  # controls never fail
    assert platform.stats() == {"GET /v1/calls": {"429": 1}, "GET /v2/batches/list": {"429": 1, "500": 1, "503": 1}}


# -- GET /v1/calls --------------------------------------------------------------------------------


def test_the_list_shows_store_calls_newest_first(platform: PlatformSandbox, http: requests.Session) -> None:
    body = listing(http, platform)
    records = platform.records("calls")
    assert body["count"] == body["total_count"] == len(records) >= CALLS  # limit 1000 by default
    created = [moment(item["created_at"]) for item in body["calls"]]
    assert created == sorted(created, reverse=True)
    assert set(store_ids(platform, ids(body))) == {record["id"] for record in records}
    bare = 0
    for item in body["calls"]:
        assert set(item) == LISTED_KEYS
        record = store_call(platform, item["call_id"])
        ended = record["status"] in ("completed", "failed", "no_answer")
        assert item["created_at"] == record["created_at"][:26] + "+00:00"
        assert item["call_length"] == pytest.approx(record["duration_seconds"] / 60 if ended else 0)
        assert (item["completed"], item["queue_status"]) == (ended, bland.QUEUE_STATUS[record["status"]])
        assert item["batch_id"] == (record["campaign_id"] and platform.vendor_id(record["campaign_id"]))
        assert (item["error_message"] is not None) is (record["status"] == "failed")
        phone = platform.get("contacts", record["contact_id"])["phone"]
        inbound = record["direction"] == "inbound"
        customer, agent = (item["from"], item["to"]) if inbound else (item["to"], item["from"])
        assert agent in bland.AGENT_NUMBERS
        assert customer == (phone[1:] if int(record["id"][3:]) % 5 == 0 else phone)
        bare += not customer.startswith("+")
    assert 0 < bare < len(records) / 3


@pytest.mark.parametrize("ascending", [False, True])
def test_from_to_windows_reach_every_call_exactly_once(
    platform: PlatformSandbox, http: requests.Session, ascending: bool
) -> None:
    walked = walk(http, platform, 37, ascending=str(ascending).lower())
    assert len(walked) == len({item["call_id"] for item in walked}) == len(platform.records("calls"))
    keys = [(item["created_at"], store_call(platform, item["call_id"])["id"]) for item in walked]
    assert keys == sorted(keys, reverse=not ascending)
    assert walked == listing(http, platform, ascending=str(ascending).lower())["calls"]
    opposite = listing(http, platform, ascending=str(not ascending).lower())["calls"]
    assert walked == opposite[::-1]


def test_to_is_exclusive_and_limit_caps_the_window(platform: PlatformSandbox, http: requests.Session) -> None:
    everything = ids(listing(http, platform))
    total = len(everything)
    assert ids(listing(http, platform, **{"from": 5, "to": 6})) == everything[5:6]
    assert ids(listing(http, platform, **{"from": 5, "to": 5})) == []
    assert ids(listing(http, platform, **{"from": 10})) == everything[10:]
    assert ids(listing(http, platform, to=3)) == everything[:3]
    assert ids(listing(http, platform, **{"from": 20, "to": 120, "limit": 7})) == everything[20:27]
    assert ids(listing(http, platform, limit=1)) == everything[:1]
    tail = listing(http, platform, **{"from": total - 4, "to": total + 50})
    assert (ids(tail), tail["total_count"]) == (everything[-4:], total)
    assert listing(http, platform, **{"from": total})["total_count"] == total


def test_sort_by_updated_at(platform: PlatformSandbox, http: requests.Session) -> None:
    touched = platform.update("calls", "cl_00000017", {"summary": "Touched."}, emit=False)
    newest = listing(http, platform, sort_by="updated_at", limit=1)["calls"][0]
    assert newest["call_id"] == platform.vendor_id(touched["id"])
    oldest_update = min(platform.records("calls"), key=lambda record: (record["updated_at"], record["id"]))
    ascending = listing(http, platform, sort_by="updated_at", ascending="true", limit=1)["calls"][0]
    assert ascending["call_id"] == platform.vendor_id(oldest_update["id"])
    assert listing(http, platform, limit=1)["calls"][0]["call_id"] != newest["call_id"]  # created_at order


def test_each_filter_selects_its_calls(platform: PlatformSandbox, http: requests.Session) -> None:
    records = platform.records("calls")
    for campaign in platform.records("campaigns"):
        body = listing(http, platform, batch_id=platform.vendor_id(campaign["id"]))
        expected = {record["id"] for record in records if record["campaign_id"] == campaign["id"]}
        assert set(store_ids(platform, ids(body))) == expected and body["total_count"] == len(expected) > 0
    for value in ("true", "false"):
        done = listing(http, platform, completed=value)
        assert {item["completed"] for item in done["calls"]} == {value == "true"}
        inbound = listing(http, platform, inbound=value)
        directions = {store_call(platform, bland_id)["direction"] for bland_id in ids(inbound)}
        assert directions == {"inbound" if value == "true" else "outbound"}
    assert listing(http, platform, completed="true")["count"] + listing(http, platform, completed="false")["count"] == (
        len(records)
    )
    batch = platform.vendor_id("cp_00000002")
    both = listing(http, platform, batch_id=batch, completed="false", inbound="false")
    assert all(not item["completed"] and item["batch_id"] == batch for item in both["calls"])
    assert 0 < both["count"] < listing(http, platform, batch_id=batch)["count"]
    for foreign in (str(uuid.uuid4()), platform.vendor_id("cl_00000001"), "not-a-batch"):
        assert listing(http, platform, batch_id=foreign) == {"total_count": 0, "count": 0, "calls": []}


def test_start_and_end_dates_are_inclusive(platform: PlatformSandbox, http: requests.Session) -> None:
    everything = listing(http, platform, ascending="true")["calls"]
    middle = everything[200]
    eastern = moment(middle["created_at"]).astimezone(timezone(timedelta(hours=-5))).isoformat()
    assert eastern.endswith("-05:00")
    since = listing(http, platform, ascending="true", start_date=eastern)["calls"]
    assert since == everything[200:]
    until = listing(http, platform, ascending="true", end_date=eastern)["calls"]
    assert until == everything[:201]
    assert listing(http, platform, start_date=eastern, end_date=middle["created_at"])["calls"] == [middle]
    unencoded = f"{platform.url}/v1/calls?start_date={middle['created_at']}&ascending=true"  # "+" arrives as " "
    assert judged(http.get(unencoded))["calls"] == since
    day = middle["created_at"][:10]
    on_day = [item for item in everything if item["created_at"].startswith(day)]
    assert listing(http, platform, start_date=day, end_date=day, ascending="true")["calls"] == on_day
    next_day = (moment(middle["created_at"]) + timedelta(days=1)).date().isoformat()
    assert listing(http, platform, start_date=next_day)["total_count"] == sum(
        item["created_at"][:10] >= next_day for item in everything
    )


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": "ten"},
        {"from": -1},
        {"from": "a"},
        {"to": 2.5},
        {"from": 10, "to": 9},
        {"ascending": "maybe"},
        {"sort_by": "price"},
        {"completed": "yes"},
        {"inbound": "1"},
        {"start_date": "yesterday"},
        {"start_date": "2024-07-01T00:00:00"},  # no offset
        {"end_date": "2024-13-01"},
    ],
)
def test_bad_list_parameters_answer_400(
    platform: PlatformSandbox, http: requests.Session, params: dict[str, Any]
) -> None:
    body = v1_error(http.get(platform.url + "/v1/calls", params=params), 400)
    assert body["message"] == "Invalid parameters"
    [problem] = body["errors"]
    assert problem.startswith(("to" if "to" in params else next(iter(params))) + " must ")


# -- GET /v1/calls/{id} ---------------------------------------------------------------------------


def _check_ended(item: dict[str, Any], record: dict[str, Any]) -> None:
    status = record["status"]
    assert item["status"] == bland.STATUS[status]
    end = moment(item["end_at"])
    assert item["end_at"].endswith(".000Z")
    if item.get("started_at"):
        duration = end - moment(item["started_at"])
        assert duration == timedelta(seconds=int(item["corrected_duration"]))
    assert item["corrected_duration"] == str(record["duration_seconds"])
    assert item["call_length"] == pytest.approx(record["duration_seconds"] / 60)
    if status == "completed":
        assert item["answered_by"] == "human" and item["summary"] == record["summary"]
        assert item["price"] > 0
        assert item["price"] == pytest.approx(record["duration_seconds"] / 60 * bland.USD_PER_MINUTE, abs=5e-5)
        _check_transcript(item)
        assert isinstance(item["analysis"]["interested"], bool)
    else:
        assert item["answered_by"] in ((None,) if status == "failed" else ("voicemail", "no-answer"))
        assert (item["transcripts"], item["concatenated_transcript"], item["analysis"]) == ([], "", None)
        assert "call_ended_by" not in item and item["price"] == 0


def _check_transcript(item: dict[str, Any]) -> None:
    lines = item["transcripts"]
    assert [line["user"] for line in lines[:2]] == ["user", "assistant"]
    assert all(line["c_id"] == item["call_id"] for line in lines)
    assert len({line["id"] for line in lines}) == len(lines)
    times = [moment(line["created_at"]) for line in lines]
    assert times == sorted(times) and moment(item["started_at"]) <= times[0] <= times[-1] <= moment(item["end_at"])
    spoken = [f"{line['user']}: {line['text']}" for line in lines if line["user"] != "agent-action"]
    assert item["concatenated_transcript"] == " \n ".join(spoken)
    assert (lines[-1]["user"] == "agent-action") is (item["call_ended_by"] == "ASSISTANT")


@pytest.mark.parametrize("status", ["completed", "failed", "no_answer", "in_progress", "queued"])
def test_details_of_each_status(platform: PlatformSandbox, http: requests.Session, status: str) -> None:
    listed = {item["call_id"]: item for item in listing(http, platform)["calls"]}
    records = [record for record in platform.records("calls") if record["status"] == status][:12]
    assert records, f"the seeded data has no {status} call"
    for record in records:
        item = get(http, platform, f"/v1/calls/{platform.vendor_id(record['id'])}")
        assert item == platform.vendor_record("calls", record["id"])
        assert {key: item[key] for key in LISTED_KEYS} == listed[item["call_id"]]
        assert item["c_id"] == item["call_id"]
        assert item["inbound"] is (record["direction"] == "inbound")
        assert item["request_data"] == ({} if item["inbound"] else {"phone_number": item["to"], "wait": False})
        variables = item["variables"]
        assert (variables["to"], variables["from"]) == ("+" + item["to"].lstrip("+"), "+" + item["from"].lstrip("+"))
        assert variables["call_id"] == item["call_id"]
        assert item["endpoint_url"] == "api.prod.bland.ai" and item["metadata"] == {}
        assert (item["record"], item["recording_url"]) == (record["recording_url"] is not None, record["recording_url"])
        if record["started_at"]:
            assert moment(item["started_at"]) >= moment(item["created_at"])
        if status in ("in_progress", "queued"):
            assert not {"status", "end_at", "call_ended_by"} & set(item)
            assert (item["completed"], item["corrected_duration"], item["transcripts"]) == (False, "0", [])
            assert item["summary"] is None and item["answered_by"] is None
        else:
            _check_ended(item, record)
    if status == "no_answer":
        assert {
            get(http, platform, f"/v1/calls/{platform.vendor_id(r['id'])}")["answered_by"]
            for r in platform.records("calls")
            if r["status"] == status
        } == {"voicemail", "no-answer"}


def test_unknown_calls_and_routes_answer_404(platform: PlatformSandbox, http: requests.Session) -> None:
    beyond = platform.vendor_id("cl_99999999")
    for missing in (str(uuid.uuid4()), "cl_00000001", platform.vendor_id("cp_00000001"), beyond, "abc"):
        assert v1_error(http.get(f"{platform.url}/v1/calls/{missing}"), 404)["message"] == "Call not found"
    v1_error(http.get(platform.url + "/v1/batches"), 404)  # left the docs in 2025: not emulated
    v2_error(http.get(platform.url + "/v2/batches"), 404)  # the list is /v2/batches/list
    v1_error(http.post(platform.url + "/v1/calls", json={}), 405)


def test_ids_map_back_to_the_store_without_a_table(platform: PlatformSandbox, http: requests.Session) -> None:
    for entity, record_id in (("calls", "cl_00000450"), ("campaigns", "cp_00000007"), ("contacts", "ct_00000003")):
        shown = platform.vendor_id(record_id)
        assert uuid.UUID(shown).version == 4 and str(uuid.UUID(shown)) == shown
        assert bland.store_id(entity, shown) == bland.store_id(entity, shown.upper()) == record_id
        assert bland.store_id("calls" if entity != "calls" else "campaigns", shown) is None
    assert bland.store_id("calls", str(uuid.uuid4())) is None
    records = platform.records("calls")
    assert len({platform.vendor_id(record["id"]) for record in records}) == len(records)
    created = platform.create("calls", {}, emit=False)
    fresh = get(http, platform, f"/v1/calls/{bland.public_id(created['id'])}")
    assert (fresh["queue_status"], bland.store_id("calls", fresh["call_id"])) == ("queued", created["id"])


# -- batches --------------------------------------------------------------------------------------


def test_batch_pages_hold_every_campaign_once(platform: PlatformSandbox, http: requests.Session) -> None:
    everything = get(http, platform, "/v2/batches/list")["data"]
    campaigns = platform.records("campaigns")
    assert [item["id"] for item in everything] == [platform.vendor_id(record["id"]) for record in campaigns]
    created = [moment(item["created_at"]) for item in everything]
    assert created == sorted(created)  # oldest first
    pages = [get(http, platform, "/v2/batches/list", take=3, skip=skip)["data"] for skip in (0, 3, 6)]
    assert [len(page) for page in pages] == [3, 3, len(campaigns) - 6]
    assert [item for page in pages for item in page] == everything
    assert get(http, platform, "/v2/batches/list", take=1, skip=2)["data"] == everything[2:3]
    assert get(http, platform, "/v2/batches/list", skip=len(campaigns))["data"] == []
    calls = platform.records("calls")
    for item, record in zip(everything, campaigns, strict=True):
        assert (item["description"], item["user_id"]) == (record["name"], bland.USER_ID)
        assert item["created_at"] == record["created_at"][:23] + "Z"
        prompt = json.loads(item["base_prompt"])
        assert isinstance(prompt, dict) and record["name"] in prompt["task"]
        phones = {
            platform.get("contacts", call["contact_id"])["phone"]
            for call in calls
            if call["campaign_id"] == record["id"]
        }
        shown = [call_object["phone_number"] for call_object in item["call_objects"]]
        assert len(shown) == len(set(shown)) == min(len(phones), bland.PREVIEW_CAP) and set(shown) <= phones


def test_batch_get_and_its_calls(platform: PlatformSandbox, http: requests.Session) -> None:
    listed = get(http, platform, "/v2/batches/list")["data"]
    for item in listed:
        body = get(http, platform, f"/v2/batches/{item['id']}")
        assert body == {"data": item, "errors": None}
        calls = listing(http, platform, batch_id=item["id"])["calls"]
        assert {call["batch_id"] for call in calls} == {item["id"]}
    gone = platform.create("campaigns", {"name": "Short lived", "status": "draft"}, emit=False)
    assert get(http, platform, f"/v2/batches/{platform.vendor_id(gone['id'])}")["data"]["call_objects"] == []
    platform.delete("campaigns", gone["id"], emit=False)
    for missing in (platform.vendor_id(gone["id"]), platform.vendor_id("cl_00000001"), str(uuid.uuid4()), "cp_1"):
        assert v2_error(http.get(f"{platform.url}/v2/batches/{missing}"), 404) == [
            {"error": "NOT_FOUND", "message": "Batch not found"}
        ]


@pytest.mark.parametrize("params", [{"take": 0}, {"take": 1001}, {"take": "x"}, {"skip": -1}, {"skip": "1.5"}])
def test_bad_batch_parameters_answer_400(
    platform: PlatformSandbox, http: requests.Session, params: dict[str, Any]
) -> None:
    [problem] = v2_error(http.get(platform.url + "/v2/batches/list", params=params), 400)
    assert problem["error"] == "invalid_parameter" and problem["message"].startswith(next(iter(params)) + " must ")


# -- post-call webhooks ---------------------------------------------------------------------------


def test_a_call_sends_one_webhook_when_it_ends(
    platform: PlatformSandbox, http: requests.Session, receiver: Receiver
) -> None:
    control = platform.url + "/_sandbox/calls"
    created = requests.post(control, json={"direction": "outbound"}).json()
    call_id = created["record"]["id"]
    live = requests.patch(f"{control}/{call_id}", json={"status": "in_progress", "started_at": "2025-01-01T10:00:00Z"})
    assert (created["webhook"], live.json()["webhook"]) == (None, None)
    done = requests.post(f"{control}/{call_id}/complete", json={"summary": "Booked.", "duration_seconds": 75})
    assert done.json()["webhook"]["status"] == 204
    [delivery] = receiver.wait_for(1)
    body = signed(platform, delivery)
    assert body == get(http, platform, f"/v1/calls/{platform.vendor_id(call_id)}")
    assert (body["status"], body["summary"], body["corrected_duration"]) == ("completed", "Booked.", "75")
    assert (body["started_at"], body["end_at"]) == ("2025-01-01T10:00:00+00:00", "2025-01-01T10:01:15.000Z")
    other = hmac.new(b"another-secret", delivery[1], hashlib.sha256).hexdigest()
    assert delivery[0]["x-webhook-signature"] != other
    assert platform.deliveries()[-1]["type"] == "post-call"


def test_failed_and_unanswered_calls_send_it_too(platform: PlatformSandbox, receiver: Receiver) -> None:
    control = platform.url + "/_sandbox/calls"
    for status in ("failed", "no_answer"):
        call_id = requests.post(control, json={}).json()["record"]["id"]
        assert requests.patch(f"{control}/{call_id}", json={"status": status}).json()["webhook"]["status"] == 204
    bodies = [signed(platform, delivery) for delivery in receiver.wait_for(2)]
    assert [body["status"] for body in bodies] == ["failed", "no-answer"]
    assert all(body["completed"] and "started_at" not in body for body in bodies)
    assert bodies[0]["queue_status"] == "call_error" and bodies[0]["error_message"]


def test_contacts_and_campaigns_send_nothing(platform: PlatformSandbox, receiver: Receiver) -> None:
    control = platform.url + "/_sandbox"
    answers = [
        requests.patch(control + "/campaigns/cp_00000003", json={"status": "paused"}),
        requests.post(control + "/campaigns", json={}),
        requests.patch(control + "/contacts/ct_00000050", json={"company": "Quiet Ltd"}),
        requests.post(control + "/contacts", json={}),
        requests.patch(control + "/calls/" + first(platform, status="queued")["id"], json={"summary": "Still queued."}),
    ]
    assert [answer.status_code for answer in answers] == [200] * 5
    assert [answer.json()["webhook"] for answer in answers] == [None] * 5
    assert receiver.received == []


def test_a_failed_delivery_is_retried_with_the_same_bytes(platform: PlatformSandbox, receiver: Receiver) -> None:
    receiver.statuses.extend([500, 503])
    ended = first(platform, status="completed")
    answer = requests.patch(f"{platform.url}/_sandbox/calls/{ended['id']}", json={"summary": "Retried."}).json()
    assert answer["webhook"]["status"] == 500
    deliveries = receiver.wait_for(3)
    assert len({raw for _, raw in deliveries}) == 1
    assert signed(platform, deliveries[-1])["summary"] == "Retried."
    attempts = logged_attempts(platform.deliveries, answer["webhook"]["id"], 3)
    assert [(d["attempt"], d["status"], d["type"]) for d in attempts] == [
        (1, 500, "post-call"),
        (2, 503, "post-call"),
        (3, 204, "post-call"),
    ]


def test_delivery_gives_up_after_three_retries(platform: PlatformSandbox, receiver: Receiver) -> None:
    receiver.statuses.extend([500] * 10)
    ended = first(platform, status="no_answer")
    requests.patch(f"{platform.url}/_sandbox/calls/{ended['id']}", json={})
    receiver.wait_for(4)
    time.sleep(0.4)
    assert len(receiver.received) == 4


def test_the_message_control_sends_a_duplicate(
    platform: PlatformSandbox, http: requests.Session, receiver: Receiver
) -> None:
    ended = first(platform, status="completed")
    control = f"{platform.url}/_sandbox/calls/{ended['id']}/message"
    answers = [requests.post(control) for _ in range(2)]
    assert [answer.json()["webhook"]["status"] for answer in answers] == [204, 204]
    deliveries = receiver.wait_for(2)
    assert deliveries[0][1] == deliveries[1][1]
    assert signed(platform, deliveries[0]) == get(http, platform, f"/v1/calls/{platform.vendor_id(ended['id'])}")
    queued = first(platform, status="queued")
    refused = v1_error(requests.post(f"{platform.url}/_sandbox/calls/{queued['id']}/message"), 400)
    assert "has not ended" in refused["message"]
    v1_error(requests.post(f"{platform.url}/_sandbox/calls/cl_99999999/message"), 404)
    assert len(receiver.received) == 2


def test_credential_settings_and_retry_schedule() -> None:
    given = PlatformSandbox(calls=1, vendor="bland", webhook_secret="bland-secret")
    default = PlatformSandbox(calls=1, vendor="bland")
    for sandbox in (given, default):
        sandbox.stop()  # never started: this only ends the delivery thread
    assert given.webhook_credential == Credential("hmac", "bland-secret", "X-Webhook-Signature")
    assert given.vendor_settings() == {"BLAND_WEBHOOK_SECRET": "bland-secret"}
    assert default.webhook_credential.kind == "hmac" and len(default.webhook_secret) >= 32
    assert default.webhook_secret != given.webhook_secret
    assert default.retry_schedule == list(bland.RETRY_SCHEDULE) == [0.5, 1.0, 2.0]
    assert given.sender.sign("msg_1", b"{}") == {
        "X-Webhook-Signature": hmac.new(b"bland-secret", b"{}", hashlib.sha256).hexdigest()
    }
    with pytest.raises(ValueError, match="hmac only"):
        PlatformSandbox(calls=1, vendor="bland", webhook_credential=Credential(kind="bearer"))
    with pytest.raises(ValueError, match="X-Webhook-Signature only"):
        PlatformSandbox(calls=1, vendor="bland", webhook_credential=Credential(header="X-Bland-Signature"))


def test_the_pathways_the_calls_run_are_listed_as_the_docs_show(
    platform: PlatformSandbox, http: requests.Session
) -> None:
    pathways = get(http, platform, "/v1/pathway")
    names = {pathway["id"]: pathway["name"] for pathway in pathways}
    assert names[bland.INBOUND_PATHWAY_ID] == "Inbound line" and len(names) == len(pathways) > CAMPAIGNS
    assert [p["published_at"] for p in pathways] == sorted((p["published_at"] for p in pathways), reverse=True)
    shown = listing(http, platform, limit=40)["calls"]
    ran = {get(http, platform, f"/v1/calls/{call['call_id']}")["pathway_id"] for call in shown}
    assert ran <= set(names) and len(ran) > 1
