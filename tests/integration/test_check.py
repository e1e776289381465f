"""``voicesync check`` on a real deployment (the sandboxes, the broker, a worker per queue, beat), then
with each part broken in turn; and ``resync --wait`` and ``status`` telling the truth about the
workers and the broker."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from cli.check import check_platform
from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared import consumers, heartbeat, platforms
from shared.entities import ENTITIES
from shared.ports import free_port
from shared.services import Services
from shared.settings import Settings, child_environment
from tests.integration.test_brokers_and_beat import start_beat

StartWorker = Callable[..., ManagedProcess]
DEAD_BROKER = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens here
BROKER_DOWN = re.compile(
    rf"PROBLEM: the broker at {DEAD_BROKER.removesuffix('/0')} does not answer \(.*Connection refused.*\): start it "
    r"or fix BROKER_URL"
)
NO_CALLS_WORKER = (
    "PROBLEM: no worker consumes the calls queue: start one with `celery -A workers worker -Q calls -n calls@%h`"
)
BEAT_LOCK_TIMEOUT = "10"  # beat ticks every few seconds; silent longer than this, it counts as stopped


def voicesync(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", *args],
        env=child_environment(env), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def check_until(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``voicesync check`` run until ``line`` is among its findings: a worker killed without a word
    drops out once its heartbeats are overdue (:data:`shared.consumers.STALE_SECONDS`)."""
    runs: list[subprocess.CompletedProcess[str]] = []

    def told() -> bool:
        runs.append(voicesync(["check"], env))
        return line in runs[-1].stdout.splitlines()

    wait_for(told, consumers.STALE_SECONDS * 3, interval=1, what=line)
    return runs[-1]


def problems(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The check's failing lines; every other line is an ok one."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = result.stdout.strip().splitlines()
    assert all(line.startswith(("ok: ", "PROBLEM: ")) for line in lines), result.stdout
    return [line for line in lines if line.startswith("PROBLEM: ")]


@pytest.fixture
def deployment(bootstrapped: Services, env: dict[str, str]) -> dict[str, str]:
    """The settings of a deployment whose ledger is upgraded and whose Odoo is bootstrapped."""
    return {**env, "DATABASE_URL": bootstrapped.settings.ledger_url, "VOICESYNC_BEAT_LOCK_TIMEOUT": BEAT_LOCK_TIMEOUT}


def test_check_passes_on_a_working_deployment_and_names_each_broken_part(
    deployment: dict[str, str],
    bootstrapped: Services,
    start_worker: StartWorker,
    odoo: OdooSandbox,
    tmp_path: Path,
) -> None:
    workers = {queue: start_worker(queue, concurrency=1, name=queue) for queue in ENTITIES}

    never = voicesync(["check"], deployment)
    assert never.returncode == 1
    assert problems(never) == ["PROBLEM: no beat has run in the last 24 hours: start it with `celery -A workers beat`"]

    beat = start_beat("beat", deployment, tmp_path / "logs")
    try:
        wait_for(lambda: heartbeat.age(bootstrapped.redis) is not None, 30, what="beat's first tick")
        working = voicesync(["check"], deployment)
        assert working.returncode == 0 and problems(working) == [], working.stdout
        lines = working.stdout.splitlines()
        assert lines[0] == "ok: settings are valid (VOICE_PLATFORM=generic)"
        for queue in ENTITIES:
            assert any(re.fullmatch(rf"ok: 1 worker on the {queue} queue: {queue}@\S+", line) for line in lines)
        assert any(re.fullmatch(r"ok: beat ticked \d+ s ago", line) for line in lines), working.stdout
        assert "ok: bootstrap: everything voicesync needs is in place" in lines  # odoo check's own finding
        assert f"ok: the generic API at {deployment['VOICE_API_URL']} takes VOICE_API_KEY" in lines

        as_json = voicesync(["check", "--json"], deployment)
        assert as_json.returncode == 0, as_json.stdout
        findings = json.loads(as_json.stdout)
        assert all(set(finding) == {"part", "ok", "message"} and finding["ok"] for finding in findings)
        told = [line.removeprefix("ok: ") for line in lines if not line.startswith("ok: beat ticked")]
        assert [finding["message"] for finding in findings if finding["part"] != "beat"] == told  # the same lines
        parts = ["settings", "ledger", "broker", "workers", "beat", "odoo", "platform"]
        assert list(dict.fromkeys(finding["part"] for finding in findings)) == parts

        shown = voicesync(["status"], deployment)
        assert shown.returncode == 0 and "calls: 0 bound, queue 0, workers 1, bookmark -" in shown.stdout

        odoo_key = voicesync(["check"], {**deployment, "ODOO_API_KEY": "0" * 40})
        assert odoo_key.returncode == 1
        assert problems(odoo_key) == [
            f"PROBLEM: Odoo refused the API key of {odoo.login!r}: check ODOO_API_KEY and ODOO_USER"
        ]
        wrong_key = voicesync(["check", "--json"], {**deployment, "VOICE_API_KEY": "vk_wrong"})
        assert wrong_key.returncode == 1
        assert [finding for finding in json.loads(wrong_key.stdout) if not finding["ok"]] == [
            {"part": "platform", "ok": False, "message": "VOICE_API_KEY refused by generic (HTTP 401): check it"}
        ]
        fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
        behind = voicesync(["check"], {**deployment, "DATABASE_URL": fresh})
        newest = bootstrapped.ledger.migration()[1]
        assert behind.returncode == 1
        assert problems(behind) == [
            f"PROBLEM: the ledger at {fresh} is at migration none (no tables yet), the newest is {newest}: "
            "run `voicesync db upgrade`"
        ]
        down = voicesync(["check"], {**deployment, "BROKER_URL": DEAD_BROKER})
        assert down.returncode == 1
        broker, beat_unknown = problems(down)
        assert BROKER_DOWN.fullmatch(broker), broker
        assert beat_unknown.startswith(f"PROBLEM: beat cannot be checked: Redis at {DEAD_BROKER} does not answer")
        no_redis = voicesync(["check"], {**deployment, "REDIS_URL": DEAD_BROKER})  # the broker answers
        assert no_redis.returncode == 1
        workers_unknown, beat_unknown = problems(no_redis)
        assert workers_unknown.startswith(f"PROBLEM: workers cannot be checked: Redis at {DEAD_BROKER} does not answer")
        assert beat_unknown.startswith(f"PROBLEM: beat cannot be checked: Redis at {DEAD_BROKER} does not answer")

        workers["calls"].kill()
        no_calls = check_until(NO_CALLS_WORKER, deployment)
        assert no_calls.returncode == 1
        assert problems(no_calls) == [NO_CALLS_WORKER]
    finally:
        beat.stop()
    stale = float(BEAT_LOCK_TIMEOUT) + 1
    wait_for(lambda: (heartbeat.age(bootstrapped.redis) or 0) > stale, 30, what="beat's heartbeat to go stale")
    stopped = voicesync(["check"], deployment)
    assert stopped.returncode == 1
    calls, beat_line = problems(stopped)
    assert calls == NO_CALLS_WORKER  # still killed
    assert re.fullmatch(r"PROBLEM: beat last ticked \d+ s ago: start it with `celery -A workers beat`", beat_line)


def test_a_bad_setting_is_the_one_finding() -> None:
    result = voicesync(["check", "--json"], {"VOICE_PAGE_SIZE": "many"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert json.loads(result.stdout) == [
        {"part": "settings", "ok": False, "message": "setting VOICE_PAGE_SIZE must be a whole number"}
    ]


@pytest.mark.parametrize("platform", ["vapi"], indirect=True)
def test_the_platform_key_is_proved_by_one_small_read(settings: Settings, platform: PlatformSandbox) -> None:
    """On a vendor's emulator: the credential, the key, and whether VOICE_API_URL is the vendor's own API."""
    warned = platforms.webhooks(settings).warnings
    assert warned  # the emulator's bearer token: weaker than Vapi's HMAC
    found = [(finding.ok, finding.text) for finding in check_platform(settings)]
    assert found == [
        (True, "VAPI_WEBHOOK_SECRET is set: vapi webhooks are verified"),
        *[(True, warning) for warning in warned],  # what the receiver logs as it starts, said here too
        (True, f"the vapi API at {platform.url} takes VOICE_API_KEY"),
        (True, f"VOICE_API_URL ({platform.url}) is not vapi's public API (https://api.vapi.ai): right for a sandbox "
               "or a proxy"),
    ]  # fmt: skip
    assert {finding.part for finding in check_platform(settings)} == {"platform"}
    platform.set_api_key("vk_rotated")
    refused = [finding.text for finding in check_platform(settings) if not finding.ok]
    assert refused == ["VOICE_API_KEY refused by vapi (HTTP 401): check it"]
    dead = f"http://127.0.0.1:{free_port()}"
    unreachable = [finding.text for finding in check_platform(replace(settings, voice_api_url=dead)) if not finding.ok]
    refused = f"the vapi API at {dead} cannot be reached (could not connect to {dead}): check VOICE_API_URL"
    assert unreachable == [refused]


def test_resync_wait_without_a_worker_says_what_to_start(
    services: Services, env: dict[str, str], start_worker: StartWorker
) -> None:
    settings = {**env, "DATABASE_URL": services.settings.ledger_url}
    alone = voicesync(["resync", "calls", "--wait"], settings)
    assert alone.returncode == 1 and alone.stdout == ""
    assert alone.stderr.strip() == (
        "Error: no worker consumes the calls queue: start one with `celery -A workers worker -Q calls -n calls@%h`; "
        "nothing was enqueued"
    )
    assert services.runs.recent("calls") == []  # no run left queued with nobody to start it
    contacts = start_worker("contacts")
    some = voicesync(["resync", "all", "--wait"], settings)
    assert some.returncode == 1
    assert some.stderr.strip() == (
        "Error: no worker consumes the campaigns queue: start one with "
        "`celery -A workers worker -Q campaigns -n campaigns@%h`; no worker consumes the calls queue: start one "
        "with `celery -A workers worker -Q calls -n calls@%h`; nothing was enqueued"
    )
    done = voicesync(["resync", "contacts", "--wait"], settings)
    assert done.returncode == 0 and "succeeded; 60 records: 60 created" in done.stdout, done.stdout + done.stderr
    contacts.stop()  # a graceful stop is known at once
    stopped = voicesync(["resync", "contacts", "--wait"], settings)
    assert stopped.returncode == 1 and stopped.stderr.strip() == (
        "Error: no worker consumes the contacts queue: start one with "
        "`celery -A workers worker -Q contacts -n contacts@%h`; nothing was enqueued"
    )


def test_status_with_the_broker_down_reports_the_ledger_and_exits_1(services: Services, env: dict[str, str]) -> None:
    settings = {**env, "DATABASE_URL": services.settings.ledger_url, "BROKER_URL": DEAD_BROKER}
    shown = voicesync(["status"], settings)
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert "contacts: 0 bound, queue ?, workers ?, bookmark -" in shown.stdout
    assert shown.stdout.strip().splitlines()[-1] == "dead letters: 0"
    [line] = shown.stderr.strip().splitlines()
    assert BROKER_DOWN.fullmatch(line.replace("Error: ", "PROBLEM: ", 1)), line
    as_json = voicesync(["status", "--json"], settings)
    assert as_json.returncode == 1 and as_json.stderr == shown.stderr
    report = json.loads(as_json.stdout)
    assert "Connection refused" in report["broker_error"]
    assert {entity["workers"] for entity in report["entities"].values()} == {None}
