"""The platform sandbox speaking Vapi over real HTTP, judged by the official SDK's models.

Every answer and every delivered server message goes through ``vapi_oracle.strict``: the SDK's
``model_validate`` plus no undeclared field, no enum value outside the SDK's literals, no value that
passes only by coercion.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.faults import FaultSettings
from sandbox.platform import Credential, PlatformSandbox
from sandbox.platform.vendors import generic, vapi
from tests.sandbox.conftest import sandbox_command
from tests.sandbox.receiver import Receiver
from tests.sandbox.vapi_oracle import (
    Assistant,
    Call,
    Campaign,
    CampaignPaginatedResponse,
    OracleError,
    server_message,
    strict,
)

CALLS, CAMPAIGNS, CONTACTS = 450, 7, 120
pytestmark = pytest.mark.usefixtures("restored")


@pytest.fixture(scope="module")
def platform(receiver: Receiver) -> Iterator[PlatformSandbox]:
    with PlatformSandbox(contacts=CONTACTS, campaigns=CAMPAIGNS, calls=CALLS, seed=5, vendor="vapi") as sandbox:
        yield sandbox


def calls(http: requests.Session, platform: PlatformSandbox, **params: Any) -> list[dict[str, Any]]:
    """``GET /call``: a bare array, each item a strict Call."""
    answer = http.get(platform.url + "/call", params=params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert isinstance(body, list)
    for item in body:
        strict(Call, item)
    return body


def campaign_page(http: requests.Session, platform: PlatformSandbox, **params: Any) -> dict[str, Any]:
    answer = http.get(platform.url + "/campaign", params=params)
    assert answer.status_code == 200, answer.text
    strict(CampaignPaginatedResponse, answer.json())
    return answer.json()


def messages(receiver: Receiver, count: int) -> list[tuple[dict[str, str], bytes, Any]]:
    """The first ``count`` deliveries, each body judged as a ServerMessage: (headers, raw, member)."""
    return [(headers, body, server_message(json.loads(body))) for headers, body in receiver.wait_for(count)]


def moment(text: str) -> datetime:
    assert text.endswith("Z") and len(text) == 24, f"{text!r} is not ISO 8601 in milliseconds with Z"
    return datetime.fromisoformat(text)


def nestjs_error(answer: requests.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"message", "error", "statusCode"}
    assert (body["statusCode"], isinstance(body["error"], str)) == (status, True)
    return body


def store_call(platform: PlatformSandbox, item: dict[str, Any]) -> dict[str, Any]:
    call_id = vapi.store_id(platform, "calls", item["id"])
    assert call_id is not None, f"{item['id']} maps to no store call"
    record = platform.get("calls", call_id)
    assert record is not None
    return record


# -- the oracle itself ----------------------------------------------------------------------------


def test_the_oracle_rejects_what_model_validate_lets_through(http: requests.Session, platform: PlatformSandbox) -> None:
    good = calls(http, platform, limit=1)[0]
    Call.model_validate({**good, "durationSeconds": 12, "status": "lost", "cost": "1.5"})  # the SDK alone: fine
    spoilt = [
        ({**good, "durationSeconds": 12}, "durationSeconds"),
        ({**good, "status": "lost"}, "'lost'"),
        ({**good, "cost": "1.5"}, "coercion"),
        ({**good, "customer": {**good["customer"], "first_name": "A"}}, "first_name"),
        ({**good, "costBreakdown": {**good["costBreakdown"], "total": "0.1"}}, "costBreakdown.total"),
        ({key: value for key, value in good.items() if key != "orgId"}, "orgId"),
    ]
    for body, problem in spoilt:
        with pytest.raises(OracleError, match=problem):
            strict(Call, body)
    report = {"type": "end-of-call-report", "endedReason": "no-such-reason", "artifact": {}, "analysis": {}}
    with pytest.raises(OracleError, match="no-such-reason"):
        server_message({"message": report})


# -- auth and faults ------------------------------------------------------------------------------


def test_every_vapi_route_needs_the_bearer_key(platform: PlatformSandbox) -> None:
    one = platform.vendor_id("cl_00000001")
    for path in ("/call", f"/call/{one}", "/campaign", f"/campaign/{platform.vendor_id('cp_00000001')}"):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": str(platform.api_key)}):
            body = nestjs_error(requests.get(platform.url + path, headers=headers), 401)
            assert body["error"] == "Unauthorized"
        ok = requests.get(platform.url + path, headers={"Authorization": f"Bearer {platform.api_key}"})
        assert ok.status_code == 200


def test_faults_apply_to_the_vapi_routes(platform: PlatformSandbox, http: requests.Session) -> None:
    platform.faults.update({"rate_429": 1.0, "retry_after": 9})
    limited = http.get(platform.url + "/call")
    assert limited.headers["Retry-After"] == "9"
    assert nestjs_error(limited, 429)["error"] == "Too Many Requests"
    platform.faults = FaultSettings(rate_5xx=1.0)
    statuses = sorted(http.get(platform.url + "/campaign").status_code for _ in range(4))
    assert statuses == [500, 500, 503, 503]
    platform.faults = FaultSettings(rate_timeout=1.0, timeout_seconds=0.2)
    started = time.monotonic()
    nestjs_error(http.get(platform.url + f"/call/{platform.vendor_id('cl_00000002')}"), 504)
    assert time.monotonic() - started >= 0.2
    assert requests.get(platform.url + "/_sandbox/stats").status_code == 200  # controls never fail
    assert platform.stats() == {
        "GET /call": {"429": 1},
        "GET /campaign": {"500": 2, "503": 2},
        "GET /call/<id>": {"504": 1},
    }


# -- calls ----------------------------------------------------------------------------------------


def test_call_list_is_newest_first_and_holds_store_calls(platform: PlatformSandbox, http: requests.Session) -> None:
    listed = calls(http, platform)
    assert len(listed) == vapi.DEFAULT_LIMIT
    keys = [(moment(item["createdAt"]), item["id"]) for item in listed]
    assert keys == sorted(keys, reverse=True)
    newest = max(platform.records("calls"), key=lambda record: (record["created_at"], record["id"]))
    assert listed[0]["id"] == platform.vendor_id(newest["id"])
    for item in listed:
        record = store_call(platform, item)
        assert item["orgId"] == vapi.ORG_ID
        assert item["createdAt"] == record["created_at"][:23] + "Z"
        assert item["status"] == vapi.CALL_STATUS[record["status"]]
        assert item["type"] == {"inbound": "inboundPhoneCall", "outbound": "outboundPhoneCall"}[record["direction"]]
        assert item.get("campaignId") == (record["campaign_id"] and platform.vendor_id(record["campaign_id"]))
        assert item["customer"]["number"] == platform.get("contacts", record["contact_id"])["phone"]
        assert item["assistantId"] in vapi.ASSISTANT_IDS and item["phoneNumberId"] in vapi.PHONE_NUMBER_IDS


def test_created_at_windows_reach_every_call_exactly_once(platform: PlatformSandbox, http: requests.Session) -> None:
    created = Counter(record["created_at"][:23] for record in platform.records("calls"))
    assert max(created.values()) == 1, "seeded calls share a millisecond: createdAtLt windows would skip one"
    seen: list[str] = []
    window: dict[str, Any] = {"limit": 37}
    while page := calls(http, platform, **window):
        assert len(page) <= 37
        seen += [item["id"] for item in page]
        window["createdAtLt"] = page[-1]["createdAt"]
    assert len(seen) == len(set(seen))
    assert {vapi.store_id(platform, "calls", id_) for id_ in seen} == {
        record["id"] for record in platform.records("calls")
    }


def test_time_filters_compare_the_milliseconds_shown(platform: PlatformSandbox, http: requests.Session) -> None:
    middle = calls(http, platform, limit=200)[100]
    at = middle["createdAt"]
    for bound, included in (("Ge", True), ("Le", True), ("Gt", False), ("Lt", False)):
        ids = {item["id"] for item in calls(http, platform, limit=1000, **{f"createdAt{bound}": at})}
        assert (middle["id"] in ids) is included, bound
    later = calls(http, platform, limit=1000, createdAtGt=at)
    assert len(later) == 100 and all(moment(item["createdAt"]) > moment(at) for item in later)
    as_offset = at.replace("Z", "+00:00")
    assert calls(http, platform, limit=1000, createdAtGt=as_offset) == later
    assert calls(http, platform, createdAtGe=at, createdAtLe=at) == [middle]


def test_updated_at_gt_keeps_calls_changed_since(platform: PlatformSandbox, http: requests.Session) -> None:
    changed = []
    for id_ in ("cl_00000010", "cl_00000300", "cl_00000005"):
        changed.append(platform.update("calls", id_, {"summary": f"Changed {id_}."}, emit=False))
        time.sleep(0.002)  # Vapi shows milliseconds: changes within one would tie
    first = platform.vendor_record("calls", changed[0]["id"])
    assert first is not None
    since = calls(http, platform, limit=1000, updatedAtGe=first["updatedAt"])
    assert {item["id"] for item in since} == {platform.vendor_id(record["id"]) for record in changed}
    after = calls(http, platform, limit=1000, updatedAtGt=first["updatedAt"])
    assert {item["id"] for item in after} == {platform.vendor_id(record["id"]) for record in changed[1:]}
    assert all(item["updatedAt"] > first["updatedAt"] for item in after)


def test_other_filters_and_unknown_parameters(platform: PlatformSandbox, http: requests.Session) -> None:
    everything = calls(http, platform, limit=1000)
    assert len(everything) == CALLS
    assert calls(http, platform, limit=1000, cursor="abc", sortOrder="ASC") == everything  # ignored
    assistant = vapi.ASSISTANT_IDS[1]
    by_assistant = calls(http, platform, limit=1000, assistantId=assistant)
    assert by_assistant == [item for item in everything if item["assistantId"] == assistant]
    assert 0 < len(by_assistant) < CALLS
    assert calls(http, platform, id=everything[7]["id"]) == [everything[7]]
    assert calls(http, platform, id=str(uuid.uuid4())) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": 2.5}, "limit"),
        ({"createdAtLt": "yesterday"}, "createdAtLt"),
        ({"updatedAtGt": "2024-01-01T00:00:00"}, "updatedAtGt"),
    ],
)
def test_bad_list_parameters_answer_400(
    platform: PlatformSandbox, http: requests.Session, params: dict[str, Any], field: str
) -> None:
    body = nestjs_error(http.get(platform.url + "/call", params=params), 400)
    assert body["error"] == "Bad Request"
    assert isinstance(body["message"], list) and body["message"][0].startswith(field + " ")


def test_limit_bounds_are_inclusive(platform: PlatformSandbox, http: requests.Session) -> None:
    assert len(calls(http, platform, limit=1)) == 1
    assert len(calls(http, platform, limit=1000)) == CALLS


def test_single_call_reads_and_404s(platform: PlatformSandbox, http: requests.Session) -> None:
    listed = calls(http, platform, limit=5)
    for item in listed:
        answer = http.get(f"{platform.url}/call/{item['id']}")
        assert answer.status_code == 200
        assert strict(Call, answer.json()).id == item["id"]
        assert answer.json() == item
    for missing in (
        str(uuid.uuid4()),
        "cl_00000001",
        platform.vendor_id("cp_00000001"),
        platform.vendor_id("cl_99999999"),
    ):
        body = nestjs_error(http.get(f"{platform.url}/call/{missing}"), 404)
        assert (body["error"], body["message"]) == ("Not Found", "Call not found")
    nestjs_error(http.get(platform.url + "/contact"), 404)  # Vapi has no contacts resource
    nestjs_error(http.get(platform.url + "/v1/calls"), 404)  # nor the generic API


def test_an_id_never_shown_in_this_process_is_found(platform: PlatformSandbox, http: requests.Session) -> None:
    record = platform.create("calls", {}, emit=False)
    never_shown = str(uuid.uuid5(vapi.NAMESPACE, record["id"]))
    answer = http.get(f"{platform.url}/call/{never_shown}")
    assert answer.status_code == 200
    assert strict(Call, answer.json()).status == "queued"
    assert vapi.store_id(platform, "calls", never_shown) == record["id"]
    assert uuid.UUID(never_shown).version == 5


def test_ended_calls_carry_what_vapi_reports(platform: PlatformSandbox, http: requests.Session) -> None:
    statuses: Counter[str] = Counter()
    for item in calls(http, platform, limit=1000):
        record = store_call(platform, item)
        contact = platform.get("contacts", record["contact_id"])
        statuses[record["status"]] += 1
        number = int(contact["id"].rsplit("_", 1)[1])
        assert ("name" in item["customer"]) is (number % 7 != 0)
        assert item["customer"].get("externalId") in (None, contact["id"])
        assert item["customer"]["email"] == contact["email"]
        if item["status"] != "ended":
            assert not {"endedAt", "endedReason", "artifact", "analysis"} & set(item)
            assert item["cost"] == 0
            continue
        duration = moment(item["endedAt"]) - moment(item["startedAt"])
        assert duration == timedelta(seconds=record["duration_seconds"])
        breakdown = item["costBreakdown"]
        parts = sum(breakdown[part] for part in ("transport", "stt", "llm", "tts", "vapi"))
        assert item["cost"] == breakdown["total"] == pytest.approx(parts)
        if record["status"] == "completed":
            assert item["endedReason"] in ("customer-ended-call", "assistant-ended-call")
            lines = item["artifact"]["transcript"].splitlines()
            assert len(lines) >= 4 and lines[0].startswith("AI: ") and lines[1].startswith("User: ")
            assert item["artifact"].get("recordingUrl") == record["recording_url"]
            assert item["analysis"]["summary"] == record["summary"]
            assert item["analysis"]["successEvaluation"] in ("true", "false")
            assert isinstance(item["analysis"]["structuredData"], dict)
            assert item["cost"] > 0
        else:
            expected = {
                "no_answer": {"customer-did-not-answer", "voicemail"},
                "failed": {"twilio-failed-to-connect-call"},
            }
            assert item["endedReason"] in expected[record["status"]]
            assert "transcript" not in item["artifact"]
    assert {"completed", "failed", "no_answer", "queued", "in_progress"} <= set(statuses)


# -- campaigns ------------------------------------------------------------------------------------


def test_campaign_pages_hold_every_campaign_once(platform: PlatformSandbox, http: requests.Session) -> None:
    first = campaign_page(http, platform, limit=3)
    assert first["metadata"] == {
        "itemsPerPage": 3,
        "totalItems": CAMPAIGNS,
        "currentPage": 1,
        "totalPages": 3,
        "sortOrder": "DESC",
    }
    pages = [first] + [campaign_page(http, platform, limit=3, page=page) for page in (2, 3)]
    assert [len(page["results"]) for page in pages] == [3, 3, 1]
    assert [page["metadata"]["currentPage"] for page in pages] == [1, 2, 3]
    walked = [item for page in pages for item in page["results"]]
    created = [moment(item["createdAt"]) for item in walked]
    assert created == sorted(created, reverse=True)
    assert {item["id"] for item in walked} == {
        platform.vendor_id(record["id"]) for record in platform.records("campaigns")
    }
    ascending = campaign_page(http, platform, limit=100, sortOrder="ASC")["results"]
    assert ascending == walked[::-1]
    beyond = campaign_page(http, platform, limit=3, page=4)
    assert (beyond["results"], beyond["metadata"]["totalItems"]) == ([], CAMPAIGNS)


def test_campaigns_sort_and_filter_by_updated_at(platform: PlatformSandbox, http: requests.Session) -> None:
    touched = platform.update("campaigns", "cp_00000003", {"name": "Touched"})
    by_update = campaign_page(http, platform, sortBy="updatedAt")["results"]
    assert by_update[0]["id"] == platform.vendor_id(touched["id"])
    assert [item["updatedAt"] for item in by_update] == sorted((item["updatedAt"] for item in by_update), reverse=True)
    since = campaign_page(http, platform, updatedAtGe=by_update[0]["updatedAt"])
    assert [item["name"] for item in since["results"]] == ["Touched"]
    assert since["metadata"]["totalItems"] == 1
    for params in ({"sortOrder": "down"}, {"sortBy": "cost"}, {"page": 0}, {"limit": 1001}):
        nestjs_error(http.get(platform.url + "/campaign", params=params), 400)


def test_campaign_counts_its_calls(platform: PlatformSandbox, http: requests.Session) -> None:
    for record in platform.records("campaigns"):
        answer = http.get(f"{platform.url}/campaign/{platform.vendor_id(record['id'])}")
        assert answer.status_code == 200
        item = answer.json()
        strict(Campaign, item)
        assert (item["name"], item["status"]) == (record["name"], vapi.CAMPAIGN_STATUS[record["status"]])
        assert ("endedReason" in item) is (record["status"] == "completed")
        own = [call for call in platform.records("calls") if call["campaign_id"] == record["id"]]
        statuses = Counter(vapi.CALL_STATUS[call["status"]] for call in own)
        assert item["callsCounterQueued"] == statuses["queued"]
        assert item["callsCounterInProgress"] == statuses["in-progress"]
        assert item["callsCounterEnded"] == statuses["ended"]
        assert item["callsCounterScheduled"] == 0
        assert 0 <= item["callsCounterEndedVoicemail"] <= statuses["ended"]
        phones = {platform.get("contacts", call["contact_id"])["phone"] for call in own}
        assert {customer["number"] for customer in item["customers"]} <= phones
        assert len(item["customers"]) == min(len(phones), vapi.SAMPLE_CAP)
        assert set(item["calls"]) <= {platform.vendor_id(call["id"]) for call in own}
        assert len(item["calls"]) == min(len(own), vapi.SAMPLE_CAP)
    missing = nestjs_error(http.get(f"{platform.url}/campaign/{platform.vendor_id('cl_00000001')}"), 404)
    assert missing["message"] == "Campaign not found"


# -- server messages ------------------------------------------------------------------------------


def test_a_call_s_life_sends_status_updates_then_a_report(platform: PlatformSandbox, receiver: Receiver) -> None:
    control = platform.url + "/_sandbox/calls"
    created = requests.post(control, json={"direction": "outbound"}).json()
    call_id = created["record"]["id"]
    assert created["webhook"]["status"] == 204
    requests.patch(f"{control}/{call_id}", json={"status": "in_progress", "started_at": "2025-01-01T10:00:00Z"})
    done = requests.post(f"{control}/{call_id}/complete", json={"summary": "Booked.", "duration_seconds": 75})
    assert done.status_code == 200
    delivered = messages(receiver, 4)
    kinds = [(type(member).__name__, getattr(member, "status", None)) for _, _, member in delivered]
    assert kinds == [
        ("ServerMessageStatusUpdate", "queued"),
        ("ServerMessageStatusUpdate", "in-progress"),
        ("ServerMessageStatusUpdate", "ended"),
        ("ServerMessageEndOfCallReport", None),
    ]
    for headers, _, member in delivered:
        assert headers["authorization"] == f"Bearer {platform.webhook_secret}"
        assert member.call is not None and member.call.id == platform.vendor_id(call_id)
        assert abs(member.timestamp / 1000 - time.time()) < 60
    report = json.loads(delivered[-1][1])["message"]
    assert report["call"] == platform.vendor_record("calls", call_id)
    assert report["endedReason"] == report["call"]["endedReason"]
    assert report["analysis"]["summary"] == "Booked."
    assert report["customer"] == report["call"]["customer"]
    assert (report["startedAt"], report["endedAt"]) == ("2025-01-01T10:00:00.000Z", "2025-01-01T10:01:15.000Z")
    assert report["cost"] == report["call"]["cost"] > 0
    assert [d["type"] for d in platform.deliveries()[-4:]] == ["status-update"] * 3 + ["end-of-call-report"]


def test_campaign_and_contact_changes_send_nothing(platform: PlatformSandbox, receiver: Receiver) -> None:
    control = platform.url + "/_sandbox"
    answers = [
        requests.patch(control + "/campaigns/cp_00000002", json={"status": "paused"}),
        requests.post(control + "/campaigns", json={}),
        requests.patch(control + "/contacts/ct_00000050", json={"company": "Quiet Ltd"}),
        requests.post(control + "/contacts", json={}),
    ]
    answers.append(requests.delete(f"{control}/contacts/{answers[-1].json()['record']['id']}"))
    assert [answer.status_code for answer in answers] == [200] * 5
    assert [answer.json()["webhook"] for answer in answers] == [None] * 5
    assert platform.messages("campaign.updated", platform.get("campaigns", "cp_00000002")) == []
    time.sleep(0.2)
    assert receiver.received == []
    assert platform.get("contacts", "ct_00000050")["company"] == "Quiet Ltd"


def test_hmac_credential_signs_timestamp_and_raw_body(platform: PlatformSandbox, receiver: Receiver) -> None:
    platform.webhook_credential = Credential(kind="hmac", secret="hmac-sandbox-secret")
    platform.update("calls", "cl_00000020", {"summary": "Signed."})
    [(headers, body, member)] = messages(receiver, 1)
    assert "authorization" not in headers
    timestamp = headers["x-timestamp"]
    assert abs(int(timestamp) / 1000 - time.time()) < 60
    expected = hmac.new(b"hmac-sandbox-secret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-signature"], expected)
    other = hmac.new(b"another-secret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["x-signature"] != other
    assert type(member).__name__ == "ServerMessageStatusUpdate"
    assert platform.vendor_settings() == {"VAPI_WEBHOOK_SECRET": "hmac-sandbox-secret", "VAPI_WEBHOOK_AUTH": "hmac"}


def test_bearer_credential_in_another_header(platform: PlatformSandbox, receiver: Receiver) -> None:
    platform.webhook_credential = Credential(kind="bearer", secret="legacy-secret", header="X-Vapi-Secret")
    platform.update("calls", "cl_00000021", {"summary": "Old style."})
    [(headers, _, _)] = messages(receiver, 1)
    assert headers["x-vapi-secret"] == "legacy-secret"
    assert "authorization" not in headers
    assert platform.vendor_settings()["VAPI_WEBHOOK_HEADER"] == "X-Vapi-Secret"


def test_credentials_given_to_the_constructor() -> None:
    hmac_sandbox = PlatformSandbox(
        calls=1, vendor="vapi", webhook_credential=Credential(kind="hmac"), webhook_secret="s"
    )
    bearer = PlatformSandbox(calls=1, vendor="vapi")
    for sandbox in (hmac_sandbox, bearer):
        sandbox.stop()  # never started: this only ends the delivery thread
    assert hmac_sandbox.webhook_credential == Credential("hmac", "s", "x-signature")
    assert (bearer.webhook_credential.kind, bearer.webhook_credential.header) == ("bearer", "Authorization")
    assert len(str(bearer.webhook_credential.secret)) >= 32
    assert bearer.retry_schedule == []  # Vapi does not redeliver
    with pytest.raises(ValueError, match="bearer or hmac"):
        PlatformSandbox(calls=1, vendor="vapi", webhook_credential=Credential(kind="basic"))
    with pytest.raises(ValueError, match="standard-webhooks"):
        PlatformSandbox(calls=1, webhook_credential=Credential(kind="hmac"))
    with pytest.raises(ValueError, match="known: bland, generic, retell, vapi"):
        PlatformSandbox(calls=1, vendor="bland-ish")


def test_a_failed_delivery_is_not_retried(platform: PlatformSandbox, receiver: Receiver) -> None:
    receiver.statuses.extend([500, 500])
    answer = requests.patch(platform.url + "/_sandbox/calls/cl_00000030", json={"summary": "Lost."}).json()
    assert answer["webhook"]["status"] == 500
    time.sleep(0.3)
    assert len(receiver.received) == 1
    attempts = [d for d in platform.deliveries() if d["id"] == answer["webhook"]["id"]]
    assert [(d["attempt"], d["status"], d["type"]) for d in attempts] == [(1, 500, "status-update")]


@pytest.mark.parametrize(
    ("type_", "member"),
    [
        ("speech-update", "ServerMessageSpeechUpdate"),
        ("conversation-update", "ServerMessageConversationUpdate"),
        ("status-update", "ServerMessageStatusUpdate"),
        ("end-of-call-report", "ServerMessageEndOfCallReport"),
    ],
)
def test_message_control_sends_one_message_now(
    platform: PlatformSandbox, receiver: Receiver, type_: str, member: str
) -> None:
    ended = next(record for record in platform.records("calls") if record["status"] == "completed")
    answer = requests.post(f"{platform.url}/_sandbox/calls/{ended['id']}/message", json={"type": type_})
    assert answer.status_code == 200
    assert answer.json()["webhook"]["status"] == 204
    [(_, body, message)] = messages(receiver, 1)
    assert type(message).__name__ == member
    assert json.loads(body)["message"]["call"] == platform.vendor_record("calls", ended["id"])


def test_message_control_refuses_what_vapi_would_not_send(platform: PlatformSandbox, receiver: Receiver) -> None:
    queued = next(record for record in platform.records("calls") if record["status"] == "queued")
    control = f"{platform.url}/_sandbox/calls/{queued['id']}/message"
    report = nestjs_error(requests.post(control, json={"type": "end-of-call-report"}), 422)
    assert "ended" in report["message"][0]
    nestjs_error(requests.post(control, json={"type": "contact.updated"}), 422)
    nestjs_error(requests.post(f"{platform.url}/_sandbox/calls/cl_99999999/message", json={}), 404)
    time.sleep(0.1)
    assert receiver.received == []


# -- the generic vendor, and the command line -----------------------------------------------------


def test_generic_is_still_the_default_and_unchanged() -> None:
    with PlatformSandbox(contacts=5, campaigns=2, calls=10, seed=1) as sandbox:
        key = {"Authorization": f"Bearer {sandbox.api_key}"}
        assert sandbox.vendor == "generic"
        page = requests.get(sandbox.url + "/v1/calls", headers=key).json()
        assert (len(page["data"]), page["next_page"], page["total"]) == (10, None, 10)
        assert page["data"] == sandbox.records("calls")
        assert requests.get(sandbox.url + "/call", headers=key).status_code == 404
        missing = requests.get(sandbox.url + "/v1/calls/cl_99999999", headers=key).json()
        assert missing == {"error": {"code": "not_found", "message": "no call cl_99999999"}}
        assert sandbox.retry_schedule == list(generic.RETRY_SCHEDULE) == [0.5, 1.0, 2.0, 4.0, 8.0]
        assert sandbox.webhook_secret.startswith("whsec_")
        assert sandbox.vendor_settings() == {"VOICE_WEBHOOK_SECRET": sandbox.webhook_secret}
        assert sandbox.vendor_id("cl_00000001") == "cl_00000001"
        assert [body["type"] for body in sandbox.messages("campaign.updated", sandbox.records("campaigns")[0])] == [
            "campaign.updated"
        ]


def test_voicesync_sandbox_speaks_vapi(tmp_path: Path) -> None:
    options = ("--platform", "vapi", "--calls", "30", "--contacts", "10", "--webhook-auth", "hmac")
    with sandbox_command(tmp_path, *options) as printed:
        assert printed["VOICE_PLATFORM"] == "vapi"
        assert printed["VAPI_WEBHOOK_AUTH"] == "hmac"
        assert printed["VAPI_WEBHOOK_SECRET"]
        assert "VOICE_WEBHOOK_SECRET" not in printed
        answer = requests.get(
            printed["VOICE_API_URL"] + "/call", headers={"Authorization": f"Bearer {printed['VOICE_API_KEY']}"}
        )
        assert len(answer.json()) == 30
        for item in answer.json():
            strict(Call, item)


def test_the_assistants_the_calls_name_are_listed_as_the_sdk_reads_them(
    platform: PlatformSandbox, http: requests.Session
) -> None:
    answer = http.get(platform.url + "/assistant")
    assert answer.status_code == 200, answer.text
    listed = [strict(Assistant, item) for item in answer.json()]
    assert {a.id: a.name for a in listed} == dict(zip(vapi.ASSISTANT_IDS, vapi.ASSISTANT_NAMES, strict=True))
    assert [a.created_at for a in listed] == sorted((a.created_at for a in listed), reverse=True)  # newest first
    assert [item["id"] for item in http.get(platform.url + "/assistant", params={"limit": 2}).json()] == [
        a.id for a in listed[:2]
    ]
    assert nestjs_error(http.get(platform.url + "/assistant", params={"limit": 0}), 400)["message"]
    assert {item["assistantId"] for item in calls(http, platform, limit=1000)} <= {a.id for a in listed}
