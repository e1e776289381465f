"""The metrics an on-call person alerts on, read from the receiver's ``GET /metrics`` after real work:
a worker subprocess, both sandboxes over HTTP, the ledger (SQLite and PostgreSQL), Redis, the broker.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.ledger.models import InboxEvent
from shared.ledger.states import InboxStatus
from shared.ports import free_port
from shared.producer.app import app
from shared.producer.operations import start_resync
from shared.services import Services
from shared.settings import Settings
from shared.timeutil import utc
from web import create_app

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
ALL_SOURCES_UP = {frozenset({"source": source}.items()): 1 for source in ("ledger", "redis", "broker")}


def scrape(url: str) -> Samples:
    answer = requests.get(f"{url}/metrics", timeout=30)
    assert answer.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def named(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (sample, labels), v in samples.items() if sample == name}


def dead_letter_after(services: Services, platform_id: str, letters: int, timeout: float = 60) -> None:
    app.send_task("contacts.sync_one", kwargs={"platform_id": platform_id}, queue="contacts")
    wait_for(lambda: services.dead_letters.count() == letters, timeout, what=f"dead letter {letters}")


@pytest.mark.both_ledgers
def test_the_metrics_tell_what_the_workers_did(
    services: Services,
    start_worker: Callable[..., ManagedProcess],
    receiver: BackgroundServer,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
) -> None:
    start_worker()
    run_id = start_resync(services, "contacts", full=True)
    wait_for(lambda: services.runs.get(run_id).status == "succeeded", 60, what="the full run")
    run = services.runs.get(run_id)
    first, second = (record["id"] for record in platform.records("contacts")[:2])

    good_key = platform.api_key
    platform.set_api_key("revoked")  # the platform refuses: one 401, one dead letter
    dead_letter_after(services, first, 1)
    platform.set_api_key(good_key)

    platform.update("contacts", second, {"first_name": "Changed"}, emit=False)  # a write to Odoo is due
    odoo.reset_call_counts()
    odoo.faults.update({"rate_5xx": 1.0})  # every Odoo call a 502, until the retries run out
    dead_letter_after(services, second, 2)
    odoo.faults.update({"rate_5xx": 0})
    odoo_failures = sum(odoo.call_counts().values())

    [pending_id] = services.inbox.accept([InboxEvent(
        source="voice", dedupe_key="voice:msg_waiting", event_type="contact.updated", entity="contacts",
        record_id=first, payload="{}", status=InboxStatus.RECEIVED,
    )])  # fmt: skip
    pending = services.inbox.get(pending_id)
    samples = scrape(receiver.url)

    assert named(samples, "voicesync_dead_letters") == {
        frozenset({"entity": "contacts", "task": "contacts.sync_one"}.items()): 2
    }
    finished, started = utc(run.finished_at).timestamp(), utc(run.started_at).timestamp()
    stamp = value(samples, "voicesync_last_success_timestamp_seconds", entity="contacts", mode="full")
    assert stamp == pytest.approx(finished, abs=1e-3)
    duration = value(samples, "voicesync_last_success_duration_seconds", entity="contacts", mode="full")
    assert duration == pytest.approx(finished - started, abs=1e-3)
    assert len(named(samples, "voicesync_last_success_timestamp_seconds")) == 1  # no other entity or mode ran

    assert odoo_failures >= 5  # the first try and four retries, each failing at its first Odoo call
    assert named(samples, "voicesync_api_errors_total") == {
        frozenset({"system": "platform", "vendor": "generic", "error": "AuthError"}.items()): 1,
        frozenset({"system": "odoo", "vendor": "odoo", "error": "RetryableError"}.items()): odoo_failures,
    }

    assert value(samples, "voicesync_inbox_backlog", status="received") == 1
    assert value(samples, "voicesync_inbox_backlog", status="enqueued") == 0
    oldest = value(samples, "voicesync_inbox_oldest_backlog_timestamp_seconds", status="received")
    assert oldest == pytest.approx(utc(pending.received_at).timestamp(), abs=1e-3)
    assert value(samples, "voicesync_inbox_oldest_backlog_timestamp_seconds", status="enqueued") is None

    assert [value(samples, "voicesync_queue_consumers", queue=q) for q in ("contacts", "campaigns", "calls")] == [
        1, 0, 0,
    ]  # fmt: skip
    assert [value(samples, "voicesync_queue_length", queue=q) for q in ("contacts", "campaigns", "calls")] == [0, 0, 0]
    assert named(samples, "voicesync_metrics_source_up") == ALL_SOURCES_UP


def test_the_receiver_counts_its_answers_by_route_and_code(receiver: BackgroundServer) -> None:
    before = scrape(receiver.url)
    assert requests.post(f"{receiver.url}/webhooks/voice", data=b"{}", timeout=5).status_code == 401
    assert requests.get(f"{receiver.url}/no/such/page", timeout=5).status_code == 404
    after = scrape(receiver.url)

    def grown(**labels: str) -> float:
        name = "voicesync_http_responses_total"
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert grown(handler="/webhooks/voice", code="401") == 1
    assert grown(handler="unmatched", code="404") == 1
    assert grown(handler="/metrics", code="200") == 1  # the first scrape, counted once it answered


def test_a_source_that_does_not_answer_is_reported_down_and_the_scrape_still_answers(
    env: dict[str, str], tmp_path: Path
) -> None:
    unreachable_redis = f"redis://127.0.0.1:{free_port()}/0"
    settings = Settings.from_env({**env, "DATABASE_URL": f"sqlite:///{tmp_path}/never-upgraded.db",
                                  "REDIS_URL": unreachable_redis})  # fmt: skip
    with BackgroundServer(create_app(settings)) as server:
        samples = scrape(server.url)
    assert value(samples, "voicesync_metrics_source_up", source="ledger") == 0
    assert value(samples, "voicesync_metrics_source_up", source="redis") == 0
    assert value(samples, "voicesync_metrics_source_up", source="broker") == 1
    assert named(samples, "voicesync_dead_letters") == {}
    assert named(samples, "voicesync_queue_consumers") == {}


def test_under_gunicorn_with_several_processes_one_scrape_has_both_kinds(
    env: dict[str, str], services: Services, start_receiver: Callable[[dict[str, str]], str], tmp_path: Path
) -> None:
    """With ``PROMETHEUS_MULTIPROC_DIR`` (as compose runs it), the receiver's counters of every
    process and the system's metrics come in one answer."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    url = start_receiver({**env, "DATABASE_URL": services.settings.ledger_url, "PROMETHEUS_MULTIPROC_DIR": str(folder)})
    assert requests.post(f"{url}/webhooks/voice", data=b"{}", timeout=5).status_code == 401
    samples = scrape(url)
    assert value(samples, "voicesync_http_responses_total", handler="/webhooks/voice", code="401") == 1
    assert value(samples, "voicesync_inbox_backlog", status="received") == 0
    assert named(samples, "voicesync_metrics_source_up") == ALL_SOURCES_UP
