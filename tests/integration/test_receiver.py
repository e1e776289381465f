"""The webhook receiver: every answer with the inbox checked after it, both directions, outages,
key rotation, operations endpoints, and hostile input thrown at it by hypothesis."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from cli.processes import ManagedProcess, wait_for
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.ledger.models import InboxEvent
from shared.services import Services
from shared.settings import Settings
from shared.signing import new_secret, sign_headers
from tests.queued import queued_records
from web import create_app

pytestmark = pytest.mark.both_ledgers
TOKEN = "odoo-hook-token-0123456789abcdef"
StartWorker = Callable[..., ManagedProcess]


def rows(services: Services) -> list[InboxEvent]:
    with services.ledger.session() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def signed(secret: str, body: dict[str, Any] | bytes, msg_id: str | None = None, **kw: Any) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        **sign_headers(secret, msg_id or f"msg_{uuid.uuid4().hex}", raw, **kw),
    }
    return {"data": raw, "headers": headers, "timeout": 5}


EVENT = {"type": "contact.updated", "timestamp": "2026-01-01T00:00:00Z", "data": {"id": "ct_00000001"}}


@pytest.fixture
def hook_env(env: dict[str, str], ledger_url: str) -> dict[str, str]:
    return {**env, "DATABASE_URL": ledger_url, "ODOO_WEBHOOK_TOKEN": TOKEN}


@pytest.fixture
def hook_settings(hook_env: dict[str, str]) -> Settings:
    return Settings.from_env(hook_env)


@pytest.fixture
def web(hook_settings: Settings, services: Services) -> Iterator[str]:
    with BackgroundServer(create_app(hook_settings)) as server:
        yield server.url


def test_answers_and_what_the_inbox_holds_after_each(web: str, services: Services, platform: PlatformSandbox) -> None:
    secret = platform.webhook_secret
    url = f"{web}/webhooks/voice"
    assert requests.post(url, data=b"{}", timeout=5).status_code == 401  # no signature headers
    forged = signed(new_secret(), EVENT)
    assert requests.post(url, **forged).status_code == 401
    stale = signed(secret, EVENT, timestamp=int(time.time()) - 3600)
    assert requests.post(url, **stale).status_code == 401
    future = signed(secret, EVENT, timestamp=int(time.time()) + 3600)
    assert requests.post(url, **future).status_code == 401
    assert requests.post(url, **signed(secret, b"not json")).status_code == 400
    assert requests.post(url, **signed(secret, {"data": {"id": "x"}})).status_code == 400
    assert requests.post(url, **signed(secret, {"type": "contact.updated", "data": {}})).status_code == 400
    huge = requests.post(url, data=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "application/json"}, timeout=5)
    assert huge.status_code == 413
    assert rows(services) == []  # nothing stored for any rejected request

    unknown = requests.post(url, **signed(secret, {"type": "lead.scored", "data": {"id": "ld_1"}}))
    assert unknown.status_code == 202
    first = signed(secret, EVENT, msg_id="msg_once")
    assert requests.post(url, **first).status_code == 202
    again = signed(secret, EVENT, msg_id="msg_once")  # a retry: fresh timestamp, same id
    assert requests.post(url, **again).status_code == 200
    stored = rows(services)
    assert [(r.event_type, r.status) for r in stored] == [("lead.scored", "ignored"), ("contact.updated", "enqueued")]
    assert stored[1].dedupe_key == "voice:msg_once"
    from shared.producer.operations import queue_length

    wait_for(lambda: queue_length("contacts") == 1, 5, what="the accepted event's task")  # the ignored one has none
    assert json.loads(stored[1].payload) == EVENT  # the raw body, as received


@pytest.mark.parametrize("platform", ["vapi"], indirect=True)
def test_vapi_s_older_header_is_refused_saying_which_setting_accepts_it(
    hook_env: dict[str, str], services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """A credential in X-Vapi-Secret, with VAPI_WEBHOOK_HEADER unset (Authorization), once got a
    bare 401. The answer and the receiver's log now name the headers and the setting, never the
    secret; the delivery is refused all the same and nothing is stored."""
    settings = Settings.from_env({**hook_env, "VAPI_WEBHOOK_AUTH": "bearer"})
    secret = settings.vendor_settings["VAPI_WEBHOOK_SECRET"]
    hint = (
        "Authorization is required; the request carries X-Vapi-Secret (Vapi's older header) instead: "
        "set VAPI_WEBHOOK_HEADER=X-Vapi-Secret to accept it"
    )
    body = json.dumps({"message": {"type": "status-update", "call": {"id": "call_1"}}})
    with BackgroundServer(create_app(settings)) as server, caplog.at_level("WARNING", logger="web.voice"):
        answer = requests.post(f"{server.url}/webhooks/voice", data=body, headers={"X-Vapi-Secret": secret}, timeout=5)
    assert (answer.status_code, answer.json()) == (401, {"error": hint})
    refused = [record.getMessage() for record in caplog.records if record.name == "web.voice"]
    assert refused == [f"voice webhook refused (missing_headers): {hint}"]
    assert secret not in answer.text + caplog.text and rows(services) == []


def test_every_event_type_routes_to_its_queue(
    web: str, services: Services, platform: PlatformSandbox, redis_url: str
) -> None:
    types = {
        "contacts": ["contact.created", "contact.updated", "contact.deleted"],
        "campaigns": ["campaign.created", "campaign.updated", "campaign.deleted"],
        "calls": ["call.created", "call.updated", "call.completed"],
    }
    for queue, names in types.items():
        for name in names:
            body = {"type": name, "data": {"id": f"{queue}-1"}}
            assert requests.post(f"{web}/webhooks/voice", **signed(platform.webhook_secret, body)).status_code == 202
    expected = {queue: sorted([f"{queue}-1"] * 3) for queue in types}
    wait_for(lambda: {queue: queued_records(redis_url, queue) for queue in types} == expected, 5, what="the tasks")
    assert {r.entity for r in rows(services)} == set(types)


def test_secret_rotation(hook_env: dict[str, str], services: Services) -> None:
    old, new, removed = new_secret(), new_secret(), new_secret()
    rotated = Settings.from_env({**hook_env, "VOICE_WEBHOOK_SECRET": f"{new} {old}"})
    with BackgroundServer(create_app(rotated)) as server:
        url = f"{server.url}/webhooks/voice"
        assert requests.post(url, **signed(old, EVENT)).status_code == 202
        assert requests.post(url, **signed(new, EVENT)).status_code == 202
        assert requests.post(url, **signed(removed, EVENT)).status_code == 401
    assert len(rows(services)) == 2


def test_odoo_notifications(web: str, services: Services) -> None:
    url = f"{web}/webhooks/odoo/{TOKEN}"
    note = {"_action": "Send Webhook Notification(#3)", "_id": 7, "_model": "res.partner", "id": 7,
            "name": "Ada", "write_date": "2026-01-01 10:00:00"}  # fmt: skip
    assert requests.post(f"{web}/webhooks/odoo/wrong-token", json=note, timeout=5).status_code == 404
    assert requests.post(url, data=b"[1, 2]", timeout=5).status_code == 400
    assert requests.post(url, json={"_model": "res.partner"}, timeout=5).status_code == 400
    assert requests.post(url, json=note, timeout=5).status_code == 202
    assert requests.post(url, json=note, timeout=5).status_code == 200  # the same change again
    later = {**note, "write_date": "2026-01-01 10:00:05"}
    assert requests.post(url, json=later, timeout=5).status_code == 202  # a new change, same values
    named = {k: v for k, v in note.items() if k != "_model"} | {"_name": "res.partner", "_id": 8}
    assert requests.post(url, json=named, timeout=5).status_code == 202  # some Odoo docs say _name
    other = {**note, "_model": "sale.order", "_id": 9}
    assert requests.post(url, json=other, timeout=5).status_code == 202
    stored = [(r.dedupe_key, r.status) for r in rows(services)]
    assert stored == [
        ("odoo:res.partner:7:2026-01-01 10:00:00", "enqueued"),
        ("odoo:res.partner:7:2026-01-01 10:00:05", "enqueued"),
        ("odoo:res.partner:8:2026-01-01 10:00:00", "enqueued"),
        ("odoo:sale.order:9:2026-01-01 10:00:00", "ignored"),
    ]


def test_health_readiness_and_metrics(web: str) -> None:
    assert requests.get(f"{web}/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{web}/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json() == {"database": True, "broker": True, "ready": True}
    requests.post(f"{web}/webhooks/voice", data=b"{}", timeout=5)
    text = requests.get(f"{web}/metrics", timeout=5).text
    assert 'voicesync_webhooks_rejected_total{reason="missing_headers",source="voice"}' in text
    for name in ("voicesync_webhooks_received_total", "voicesync_inbox_backlog", "voicesync_webhook_answer_seconds"):
        assert name in text


HEADER_NAMES = st.sampled_from(["webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "x-other"])


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    headers=st.dictionaries(
        HEADER_NAMES, st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
    ),
    body=st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda v: json.dumps(v).encode(),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(
                        st.sampled_from(["_model", "_id", "_name", "id", "type", "data", "write_date"]),
                        inner,
                        max_size=5,
                    )
                ),
                max_leaves=10,
            ),
        ),
    ),
    path=st.sampled_from(["/webhooks/voice", f"/webhooks/odoo/{TOKEN}", "/webhooks/odoo/nope"]),
)
def test_hostile_input_never_500_and_never_stored_when_rejected(
    hook_settings: Settings, services: Services, headers: dict[str, str], body: bytes, path: str
) -> None:
    """Through Flask's test client (the whole WSGI app, no socket) so hypothesis can try many."""
    client = create_app(hook_settings).test_client()
    before = len(rows(services))
    answer = client.post(path, data=body, headers=headers)
    assert answer.status_code < 500
    added = len(rows(services)) - before
    if answer.status_code >= 400:
        assert added == 0
    if path == "/webhooks/voice":
        assert answer.status_code == 401  # nothing unsigned gets past the signature check


BAD_VOICE_EVENTS = {
    "NUL in the id": {"type": "contact.updated", "data": {"id": "a\u0000b"}},
    "lone surrogate in the type": {"type": "contact.updated\ud800", "data": {"id": "ct_1"}},
    "lone surrogate in the id": {"type": "contact.updated", "data": {"id": "\ud800"}},
    "a path in the id": {"type": "contact.updated", "data": {"id": "../campaigns/cp_00000001"}},
    "a query in the id": {"type": "contact.updated", "data": {"id": "ct_00000001?x=1"}},
    "a fragment in the id": {"type": "contact.updated", "data": {"id": "ct_00000001#frag"}},
    "no id": {"type": "contact.updated", "data": {}},
    "a list": [1, 2],
}


@pytest.mark.parametrize("bad", BAD_VOICE_EVENTS.values(), ids=BAD_VOICE_EVENTS.keys())
def test_a_bad_voice_event_is_refused_alone(web: str, services: Services, platform: PlatformSandbox, bad: Any) -> None:
    """Checked on its own before it joins a batch: a 400 that stores nothing, and the good event
    right after it is stored (a lone surrogate once failed every webhook sharing its commit)."""
    url = f"{web}/webhooks/voice"
    raw = json.dumps(bad).encode()  # json.dumps writes \ud800 as an escape, as a hostile sender would
    refused = requests.post(url, **signed(platform.webhook_secret, raw))
    assert refused.status_code == 400 and "error" in refused.json()
    assert requests.post(url, **signed(platform.webhook_secret, EVENT)).status_code == 202
    assert [row.record_id for row in rows(services)] == [EVENT["data"]["id"]]


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize("path", ["/webhooks/voice", f"/webhooks/odoo/{TOKEN}"])
def test_json_nested_too_deep_is_a_400(web: str, platform: PlatformSandbox, path: str) -> None:
    body = b'{"type": "contact.updated", "data": {"id": "ct_1", "x": ' + deep(20_000) + b"}}"
    answer = requests.post(f"{web}{path}", **signed(platform.webhook_secret, body))
    assert (answer.status_code, answer.json()) == (400, {"error": "body is nested too deeply"})


def test_bad_odoo_notifications_are_refused_alone(web: str, services: Services) -> None:
    url = f"{web}/webhooks/odoo/{TOKEN}"
    good = {"_id": 7, "_model": "res.partner", "write_date": "2026-01-01 10:00:00"}
    for bad in ({**good, "_model": "res.partner\ud800"}, {**good, "_model": "../x"}, {**good, "write_date": "\ud800"},
                {**good, "_id": 2**70}):  # fmt: skip
        answer = requests.post(url, data=json.dumps(bad), headers={"Content-Type": "application/json"}, timeout=5)
        assert answer.status_code == 400, bad
    assert requests.post(url, json=good, timeout=5).status_code == 202
    assert [row.event_type for row in rows(services)] == ["res.partner.write"]


def test_ignored_events_are_stored_without_their_payload(
    web: str, services: Services, platform: PlatformSandbox
) -> None:
    url = f"{web}/webhooks/odoo/{TOKEN}"
    unknown = {"_id": 7, "_model": "x_other", "write_date": "2026-01-01 10:00:00", "blob": "x" * 60_000}
    assert requests.post(url, json=unknown, timeout=5).status_code == 202
    unknown_type = {"type": "assistant.speech", "data": {"id": "as_1", "blob": "y" * 500_000}}
    assert requests.post(f"{web}/webhooks/voice", **signed(platform.webhook_secret, unknown_type)).status_code == 202
    assert [(row.event_type, row.status, row.payload) for row in rows(services)] == [
        ("x_other.write", "ignored", ""),
        ("assistant.speech", "ignored", ""),
    ]


@pytest.mark.parametrize(("path", "limit"), [("/webhooks/voice", 1024 * 1024), (f"/webhooks/odoo/{TOKEN}", 64 * 1024)])
def test_an_oversized_body_is_a_413_chunked_or_not(web: str, services: Services, path: str, limit: int) -> None:
    body = b'{"_id": 1, "_model": "res.partner", "pad": "' + b"x" * limit + b'"}'
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))  # a generator: sent chunked
    for data in (body, chunks):
        answer = requests.post(f"{web}{path}", data=data, headers={"Content-Type": "application/json"}, timeout=10)
        assert answer.status_code == 413, answer.text
    assert rows(services) == []


def test_a_flood_from_one_source_is_throttled(hook_env: dict[str, str], services: Services) -> None:
    settings = Settings.from_env({**hook_env, "VOICESYNC_ODOO_HOOK_RATE": "1", "VOICESYNC_ODOO_HOOK_BURST": "5"})
    client = create_app(settings).test_client()
    url = f"/webhooks/odoo/{TOKEN}"
    answers = [
        client.post(url, json={"_id": n, "_model": "x_other", "write_date": "2026-01-01 10:00:00"}).status_code
        for n in range(1, 21)
    ]
    assert answers[:5] == [202] * 5 and set(answers[5:]) == {429}
    assert len(rows(services)) == 5
    other = client.post(url, json={"_id": 1, "_model": "x_other"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 202  # the limit is per source


def test_a_field_longer_than_its_column_is_refused_alone(web: str, services: Services) -> None:
    """A 64-character Odoo model makes a 70-character event type: a 400, not a failed batch."""
    url = f"{web}/webhooks/odoo/{TOKEN}"
    long_model = {"_id": 7, "_model": "x_" + "m" * 62, "write_date": "2026-01-01 10:00:00"}
    answer = requests.post(url, json=long_model, timeout=5)
    assert (answer.status_code, answer.json()) == (400, {"error": "event_type longer than the inbox holds"})
    assert requests.post(url, json={**long_model, "_model": "res.partner"}, timeout=5).status_code == 202
    assert [row.event_type for row in rows(services)] == ["res.partner.write"]


def test_relay_empties_handled_rows_past_retention_and_forgets_them_past_the_dedupe_window(
    services: Services,
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from shared.ledger.models import utcnow
    from workers.relay import relay_pending

    statuses = {"old-done": "processed", "old-ignored": "ignored", "new-done": "processed", "old-failed": "failed"}
    events = [
        InboxEvent(
            source="voice",
            dedupe_key=key,
            event_type="contact.updated",
            entity="contacts",
            record_id="ct_1",
            payload="{}",
            status=status,
        )
        for key, status in statuses.items()
    ]
    services.inbox.accept(events)
    with services.ledger.session() as session:
        session.execute(
            update(InboxEvent)
            .where(InboxEvent.dedupe_key.like("old-%"))
            .values(updated_at=utcnow() - timedelta(days=30))
        )
    assert relay_pending(services)["pruned"] == 2
    kept = {r.dedupe_key: r.payload for r in rows(services)}
    assert kept == {"old-done": "", "old-ignored": "", "new-done": "{}", "old-failed": "{}"}  # failures are kept
    replayed = InboxEvent(
        source="voice", dedupe_key="old-done", event_type="contact.updated", entity="contacts", record_id="ct_1",
        payload="{}", status="enqueued",
    )  # fmt: skip
    assert services.inbox.accept([replayed]) == [None]  # a week-old delivery again: still a duplicate
    with services.ledger.session() as session:
        session.execute(update(InboxEvent).values(received_at=utcnow() - timedelta(days=91)))
    assert relay_pending(services)["pruned"] == 3  # every handled row, past VOICESYNC_DEDUPE_DAYS
    assert sorted(r.dedupe_key for r in rows(services)) == ["old-failed"]


def test_the_receiver_imports_the_producer_room_and_nothing_of_workers(hook_env: dict[str, str]) -> None:
    """Every endpoint exercised in a fresh process: not one ``workers`` module gets imported."""
    import subprocess
    import sys

    from shared.settings import child_environment

    script = """
import sys
from web import create_app
client = create_app().test_client()
client.get("/readyz")
client.post("/admin/resync", json={"entity": "contacts"}, headers={"Authorization": "Bearer " + "a" * 30})
client.post("/webhooks/voice", data=b"{}")
client.post("/webhooks/odoo/TOKEN", json={"_id": 1, "_model": "res.partner"})
print(sorted(name for name in sys.modules if name == "workers" or name.startswith("workers.")))
""".replace("TOKEN", TOKEN)
    env = child_environment({**hook_env, "ADMIN_TOKEN": "a" * 30})
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_behind_the_proxy_the_limit_is_per_forwarded_client(hook_env: dict[str, str], services: Services) -> None:
    """With ``VOICESYNC_WEB_PROXIES=1`` (compose: its nginx) each client's address comes from
    ``X-Forwarded-For``, so one flooding client does not get every other one throttled."""
    settings = Settings.from_env({**hook_env, "VOICESYNC_ODOO_HOOK_RATE": "1", "VOICESYNC_ODOO_HOOK_BURST": "2",
                                  "VOICESYNC_WEB_PROXIES": "1"})  # fmt: skip
    client = create_app(settings).test_client()
    url = f"/webhooks/odoo/{TOKEN}"

    def post(n: int, source: str) -> int:
        note = {"_id": n, "_model": "x_other", "write_date": "2026-01-01 10:00:00"}
        return client.post(url, json=note, headers={"X-Forwarded-For": source}).status_code

    assert [post(n, "203.0.113.7") for n in range(1, 5)] == [202, 202, 429, 429]
    assert post(9, "198.51.100.2") == 202
