"""The platform sandbox over real HTTP: the /v1 API, faults, controls and signed webhooks."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.platform import PlatformSandbox
from shared.signing import SignatureError, new_secret, verify
from tests.sandbox.receiver import Receiver, logged_attempts

FAST_RETRIES = [0.05, 0.05, 0.05]


@pytest.fixture(scope="module")
def platform(receiver: Receiver) -> Iterator[PlatformSandbox]:
    with PlatformSandbox(contacts=250, campaigns=6, calls=400, seed=3) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def restore(restored: None, platform: PlatformSandbox) -> Iterator[None]:
    """Fast retries, and the totals reported again, whatever a test changed."""
    platform.retry_schedule = FAST_RETRIES
    yield
    platform.report_total = True


def walk(http: requests.Session, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a list, following next_page; checks each page's own bookkeeping."""
    records: list[dict[str, Any]] = []
    page: int | None = 1
    while page is not None:
        answer = http.get(url, params={**params, "page": page})
        assert answer.status_code == 200
        body = answer.json()
        assert body["next_page"] in (None, page + 1)
        assert body["data"] or page == 1, "next_page pointed at an empty page"
        records += body["data"]
        page = body["next_page"]
    return records


def verified(platform: PlatformSandbox, delivery: tuple[dict[str, str], bytes]) -> dict[str, Any]:
    headers, body = delivery
    assert headers["content-type"] == "application/json"
    verify([platform.webhook_secret], headers, body)
    return json.loads(body)


# -- auth -----------------------------------------------------------------------------------------


def test_every_v1_route_needs_the_bearer_key(platform: PlatformSandbox) -> None:
    contacts = platform.url + "/v1/contacts"
    count = len(platform.records("contacts"))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": platform.api_key}):
        answer = requests.get(contacts, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthorized"
        created = requests.post(contacts, json={"first_name": "X", "phone": "+4930123456"}, headers=headers)
        assert created.status_code == 401
    assert len(platform.records("contacts")) == count
    ok = requests.get(contacts, headers={"Authorization": f"Bearer {platform.api_key}"})
    assert ok.status_code == 200


def test_rotated_key_replaces_the_old_one(platform: PlatformSandbox, http: requests.Session) -> None:
    contacts = platform.url + "/v1/contacts"
    assert requests.put(platform.url + "/_sandbox/api-key", json={"api_key": "vk_new"}).status_code == 204
    assert http.get(contacts).status_code == 401
    assert requests.get(contacts, headers={"Authorization": "Bearer vk_new"}).status_code == 200
    platform.set_api_key(None)
    assert requests.get(contacts, headers={"Authorization": "Bearer vk_new"}).status_code == 401


# -- lists and reads ------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ["contacts", "campaigns", "calls"])
def test_pages_hold_every_record_exactly_once(platform: PlatformSandbox, http: requests.Session, entity: str) -> None:
    expected = platform.records(entity)
    first = http.get(f"{platform.url}/v1/{entity}", params={"per_page": 37}).json()
    assert first["total"] == len(expected)
    assert walk(http, f"{platform.url}/v1/{entity}", per_page=37) == expected


def test_page_after_the_last_is_empty(platform: PlatformSandbox, http: requests.Session) -> None:
    total = len(platform.records("contacts"))
    last = http.get(platform.url + "/v1/contacts", params={"per_page": 100, "page": 3}).json()
    assert (len(last["data"]), last["next_page"]) == (total - 200, None)
    exact = http.get(platform.url + "/v1/contacts", params={"per_page": total}).json()
    assert (len(exact["data"]), exact["next_page"]) == (total, None)
    beyond = http.get(platform.url + "/v1/contacts", params={"page": 99}).json()
    assert (beyond["data"], beyond["next_page"], beyond["total"]) == ([], None, total)


def test_without_total_pages_still_walk_in_order(platform: PlatformSandbox, http: requests.Session) -> None:
    platform.report_total = False
    body = http.get(platform.url + "/v1/calls").json()
    assert "total" not in body
    assert len(body["data"]) == 100
    assert walk(http, platform.url + "/v1/calls", per_page=150) == platform.records("calls")


def test_per_page_is_capped_at_1000(platform: PlatformSandbox, http: requests.Session) -> None:
    body = http.get(platform.url + "/v1/calls", params={"per_page": 1000}).json()
    assert (len(body["data"]), body["next_page"]) == (len(platform.records("calls")), None)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": 1001}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2024-01-01T00:00:00"}, "updated_since"),
    ],
)
def test_bad_list_parameters_answer_422(
    platform: PlatformSandbox, http: requests.Session, params: dict[str, Any], field: str
) -> None:
    answer = http.get(platform.url + "/v1/contacts", params=params)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_error"
    assert list(answer.json()["error"]["fields"]) == [field]


def test_updated_since_keeps_records_changed_since(platform: PlatformSandbox, http: requests.Session) -> None:
    changed = [
        platform.update("contacts", id_, {"company": "Since Test"}, emit=False)
        for id_ in ("ct_00000010", "ct_00000200", "ct_00000005")
    ]
    since = changed[0]["updated_at"]
    expected = [r for r in platform.records("contacts") if r["updated_at"] >= since]
    assert [r["id"] for r in expected] == ["ct_00000005", "ct_00000010", "ct_00000200"]
    url = platform.url + "/v1/contacts"
    assert walk(http, url, updated_since=since, per_page=2) == expected
    as_offset = since.replace("Z", "+00:00")
    assert walk(http, url, updated_since=as_offset) == expected
    assert http.get(url, params={"updated_since": as_offset}).json()["total"] == 3


def test_single_reads_and_404s(platform: PlatformSandbox, http: requests.Session) -> None:
    for entity, id_ in (("contacts", "ct_00000001"), ("campaigns", "cp_00000002"), ("calls", "cl_00000003")):
        assert http.get(f"{platform.url}/v1/{entity}/{id_}").json() == platform.get(entity, id_)
        missing = http.get(f"{platform.url}/v1/{entity}/{id_[:3]}99999999")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
    assert http.get(platform.url + "/v1/unknown").status_code == 404


# -- contact writes -------------------------------------------------------------------------------


def test_post_contact_creates_and_announces_it(
    platform: PlatformSandbox, http: requests.Session, receiver: Receiver
) -> None:
    values = {"first_name": "Ana", "phone": "+14155550199", "email": "Ana@Example.COM"}
    answer = http.post(platform.url + "/v1/contacts", json=values)
    assert answer.status_code == 201
    contact = answer.json()
    assert contact["email"] == "ana@example.com"
    assert (contact["last_name"], contact["company"]) == (None, None)
    assert http.get(f"{platform.url}/v1/contacts/{contact['id']}").json() == contact
    event = verified(platform, receiver.wait_for(1)[0])
    assert (event["type"], event["data"]) == ("contact.created", contact)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"phone", "first_name"}),
        ({"last_name": "Li", "phone": "4155550123"}, {"phone"}),
        ({"last_name": "Li", "phone": "+14155550123", "nickname": "L"}, {"nickname"}),
        ({"last_name": "Li", "phone": "+14155550123", "id": "ct_1"}, {"id"}),
        ({"last_name": "Li", "phone": "+14155550123", "email": "not-an-email"}, {"email"}),
        ([1, 2], {"body"}),
    ],
)
def test_post_contact_rejects_bad_bodies(
    platform: PlatformSandbox, http: requests.Session, body: Any, fields: set[str]
) -> None:
    count = len(platform.records("contacts"))
    answer = http.post(platform.url + "/v1/contacts", json=body)
    assert answer.status_code == 422
    assert set(answer.json()["error"]["fields"]) == fields
    assert len(platform.records("contacts")) == count


def test_post_contact_rejects_a_phone_in_use(platform: PlatformSandbox, http: requests.Session) -> None:
    taken = platform.get("contacts", "ct_00000001")["phone"]
    answer = http.post(platform.url + "/v1/contacts", json={"first_name": "B", "phone": taken})
    assert answer.status_code == 422
    assert "ct_00000001" in answer.json()["error"]["fields"]["phone"]


def test_patch_contact_updates_and_announces_it(
    platform: PlatformSandbox, http: requests.Session, receiver: Receiver
) -> None:
    before = platform.get("contacts", "ct_00000020")
    answer = http.patch(platform.url + "/v1/contacts/ct_00000020", json={"company": "Patched Ltd"})
    assert answer.status_code == 200
    after = answer.json()
    assert after == {**before, "company": "Patched Ltd", "updated_at": after["updated_at"]}
    assert after["updated_at"] > before["updated_at"]
    event = verified(platform, receiver.wait_for(1)[0])
    assert (event["type"], event["data"]) == ("contact.updated", after)
    unknown_field = http.patch(platform.url + "/v1/contacts/ct_00000020", json={"age": 3})
    assert (unknown_field.status_code, list(unknown_field.json()["error"]["fields"])) == (422, ["age"])
    no_names = http.patch(platform.url + "/v1/contacts/ct_00000020", json={"first_name": None, "last_name": ""})
    assert no_names.status_code == 422
    assert http.patch(platform.url + "/v1/contacts/ct_99999999", json={}).status_code == 404
    assert platform.get("contacts", "ct_00000020") == after


def test_deleted_records_disappear(platform: PlatformSandbox, http: requests.Session, receiver: Receiver) -> None:
    answer = requests.delete(platform.url + "/_sandbox/contacts/ct_00000030").json()
    assert answer["record"]["id"] == "ct_00000030"
    assert answer["webhook"]["status"] == 204
    event = verified(platform, receiver.wait_for(1)[0])
    assert (event["type"], event["data"]) == ("contact.deleted", {"id": "ct_00000030"})
    assert http.get(platform.url + "/v1/contacts/ct_00000030").status_code == 404
    listed = walk(http, platform.url + "/v1/contacts", per_page=1000)
    assert "ct_00000030" not in {contact["id"] for contact in listed}
    assert requests.delete(platform.url + "/_sandbox/contacts/ct_00000030").status_code == 404
    assert requests.delete(platform.url + "/_sandbox/calls/cl_00000001").status_code == 405


# -- faults ---------------------------------------------------------------------------------------


def put_faults(platform: PlatformSandbox, **settings: Any) -> requests.Response:
    return requests.put(platform.url + "/_sandbox/faults", json=settings)


def test_rate_limit_answers_429_with_retry_after(platform: PlatformSandbox, http: requests.Session) -> None:
    assert put_faults(platform, rate_429=1.0, retry_after=7).json()["retry_after"] == 7
    answer = http.get(platform.url + "/v1/contacts")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json()["error"]["code"] == "rate_limited"
    assert platform.stats()["GET /v1/contacts"] == {"429": 1}


def test_server_errors_alternate_500_and_503(platform: PlatformSandbox, http: requests.Session) -> None:
    platform.faults.rate_5xx = 1.0
    statuses = [http.get(platform.url + "/v1/calls/cl_00000001").status_code for _ in range(4)]
    assert sorted(statuses) == [500, 500, 503, 503]
    assert requests.get(platform.url + "/_sandbox/stats").status_code == 200  # controls never fail


def test_timeout_fault_waits_then_answers_504(platform: PlatformSandbox, http: requests.Session) -> None:
    put_faults(platform, rate_timeout=1.0, timeout_seconds=0.2)
    started = time.monotonic()
    answer = http.get(platform.url + "/v1/campaigns")
    assert answer.status_code == 504
    assert time.monotonic() - started >= 0.2


def test_latency_is_added_to_every_answer(platform: PlatformSandbox, http: requests.Session) -> None:
    put_faults(platform, latency_ms=150)
    started = time.monotonic()
    assert http.get(platform.url + "/v1/campaigns").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_a_faulted_write_changes_nothing(platform: PlatformSandbox, http: requests.Session, receiver: Receiver) -> None:
    before = platform.get("contacts", "ct_00000040")
    platform.faults.rate_5xx = 1.0
    answer = http.patch(platform.url + "/v1/contacts/ct_00000040", json={"company": "Never"})
    assert answer.status_code in (500, 503)
    assert platform.get("contacts", "ct_00000040") == before
    time.sleep(0.1)
    assert receiver.received == []


def test_fault_settings_are_readable_and_checked(platform: PlatformSandbox) -> None:
    put_faults(platform, rate_5xx=0.25)
    assert requests.get(platform.url + "/_sandbox/faults").json()["rate_5xx"] == 0.25
    assert platform.faults.rate_5xx == 0.25
    assert put_faults(platform, rate_everything=1).status_code == 422


# -- controls and webhooks ------------------------------------------------------------------------


def test_control_changes_answer_the_record_and_its_delivery(platform: PlatformSandbox, receiver: Receiver) -> None:
    control = platform.url + "/_sandbox"
    created = requests.post(control + "/calls", json={"direction": "inbound"}).json()
    call = created["record"]
    assert (call["status"], call["direction"], call["campaign_id"]) == ("queued", "inbound", None)
    assert created["webhook"]["status"] == 204
    updated = requests.patch(control + "/campaigns/cp_00000001", json={"status": "paused"}).json()
    assert updated["record"]["status"] == "paused"
    completed = requests.post(f"{control}/calls/{call['id']}/complete", json={"summary": "Done."})
    assert completed.json()["record"]["status"] == "completed"
    deliveries = receiver.wait_for(3)
    assert [headers["webhook-id"] for headers, _ in deliveries] == [
        answer["webhook"]["id"] for answer in (created, updated, completed.json())
    ]
    events = [verified(platform, delivery) for delivery in deliveries]
    assert [event["type"] for event in events] == ["call.created", "campaign.updated", "call.completed"]
    assert events[2]["data"] == completed.json()["record"] == platform.get("calls", call["id"])


def test_control_change_without_emit_sends_nothing(platform: PlatformSandbox, receiver: Receiver) -> None:
    answer = requests.patch(
        platform.url + "/_sandbox/contacts/ct_00000050?emit=false", json={"company": "Quiet"}
    ).json()
    assert (answer["record"]["company"], answer["webhook"]) == ("Quiet", None)
    time.sleep(0.1)
    assert receiver.received == []


def test_control_changes_are_validated(platform: PlatformSandbox) -> None:
    control = platform.url + "/_sandbox"
    assert requests.patch(control + "/calls/cl_00000001", json={"status": "lost"}).status_code == 422
    assert requests.patch(control + "/calls/cl_99999999", json={}).status_code == 404
    assert requests.post(control + "/calls/cl_99999999/complete").status_code == 404
    assert requests.post(control + "/widgets", json={}).status_code == 404


def test_webhook_url_can_be_changed_and_cleared(platform: PlatformSandbox, receiver: Receiver) -> None:
    assert requests.put(platform.url + "/_sandbox/webhook", json={"url": "ftp://x"}).status_code == 422
    assert requests.put(platform.url + "/_sandbox/webhook", json={"url": None}).status_code == 200
    assert platform.webhook_url is None
    record = platform.update("campaigns", "cp_00000002", {"status": "active"})
    assert record["status"] == "active"
    answer = requests.patch(platform.url + "/_sandbox/campaigns/cp_00000002", json={}).json()
    assert answer["webhook"]["status"] is None
    time.sleep(0.1)
    assert receiver.received == []


def test_signature_fails_with_another_secret(platform: PlatformSandbox, receiver: Receiver) -> None:
    platform.update("contacts", "ct_00000060", {"company": "Signed"})
    headers, body = receiver.wait_for(1)[0]
    assert verify([platform.webhook_secret], headers, body) == headers["webhook-id"]
    with pytest.raises(SignatureError):
        verify([new_secret()], headers, body)


def test_failed_delivery_is_retried_with_the_same_msg_id(platform: PlatformSandbox, receiver: Receiver) -> None:
    receiver.statuses.extend([500, 503])
    answer = requests.patch(platform.url + "/_sandbox/contacts/ct_00000070", json={"company": "R"})
    webhook = answer.json()["webhook"]
    assert webhook["status"] == 500
    deliveries = receiver.wait_for(3)
    assert {headers["webhook-id"] for headers, _ in deliveries} == {webhook["id"]}
    assert len({body for _, body in deliveries}) == 1
    for delivery in deliveries:
        verified(platform, delivery)
    logged = logged_attempts(lambda: requests.get(platform.url + "/_sandbox/deliveries").json(), webhook["id"], 3)
    assert [(d["attempt"], d["status"]) for d in logged] == [(1, 500), (2, 503), (3, 204)]
    assert {d["type"] for d in logged} == {"contact.updated"}


def test_delivery_gives_up_after_the_schedule(platform: PlatformSandbox, receiver: Receiver) -> None:
    receiver.statuses.extend([500] * 10)
    platform.retry_schedule = [0.02, 0.02]
    answer = requests.patch(platform.url + "/_sandbox/contacts/ct_00000080", json={})
    msg_id = answer.json()["webhook"]["id"]
    receiver.wait_for(3)
    logged_attempts(platform.deliveries, msg_id, 3)
    time.sleep(0.2)  # and no fourth
    assert len(receiver.received) == 3
    assert [d["status"] for d in platform.deliveries() if d["id"] == msg_id] == [500, 500, 500]


def test_unreachable_receiver_reports_status_0(platform: PlatformSandbox) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    platform.webhook_url = closed
    platform.retry_schedule = []
    answer = requests.patch(platform.url + "/_sandbox/contacts/ct_00000090", json={}).json()
    assert answer["webhook"]["status"] == 0
    logged = [d for d in platform.deliveries() if d["id"] == answer["webhook"]["id"]]
    assert [(d["status"], d["url"]) for d in logged] == [(0, closed)]
    assert logged[0]["error"]


def test_deliver_sends_a_duplicate_now(platform: PlatformSandbox, receiver: Receiver) -> None:
    body = platform.event("contact.updated", platform.get("contacts", "ct_00000100"))
    assert platform.deliver(body, msg_id="msg_duplicate") == 204
    assert platform.deliver(body, msg_id="msg_duplicate", url=receiver.url) == 204
    deliveries = receiver.wait_for(2)
    assert [verified(platform, delivery) for delivery in deliveries] == [body, body]
    assert {headers["webhook-id"] for headers, _ in deliveries} == {"msg_duplicate"}


# -- statistics -----------------------------------------------------------------------------------


def test_stats_count_calls_by_route_template(platform: PlatformSandbox, http: requests.Session) -> None:
    http.get(platform.url + "/v1/contacts")
    http.get(platform.url + "/v1/contacts", params={"page": 2})
    http.get(platform.url + "/v1/contacts/ct_00000001")
    http.get(platform.url + "/v1/contacts/ct_99999999")
    requests.get(platform.url + "/v1/calls")
    expected = {
        "GET /v1/contacts": {"200": 2},
        "GET /v1/contacts/<id>": {"200": 1, "404": 1},
        "GET /v1/calls": {"401": 1},
    }
    assert platform.stats() == expected
    assert requests.get(platform.url + "/_sandbox/stats").json() == expected
    assert requests.delete(platform.url + "/_sandbox/stats").status_code == 204
    assert platform.stats() == {}
