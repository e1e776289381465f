"""Each vendor (``VOICE_PLATFORM=vapi|retell|bland``) against its emulator, through real workers
on Redis: full and incremental resyncs of campaigns, calls and the people they name; signed
webhooks under each credential kind; the partners Odoo already has, matched and never duplicated."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import Credential, PlatformSandbox
from sandbox.server import BackgroundServer
from shared.entities import ENTITIES
from shared.ledger.models import SyncRun
from shared.parity import check
from shared.platforms.base import contact_id
from shared.producer.operations import start_resync, status
from shared.services import Services
from shared.settings import Settings
from web import create_app

VENDORS = pytest.mark.parametrize("platform", ["vapi", "retell", "bland"], indirect=True)
ENDED = {"vapi": "ended", "retell": "ended", "bland": "completed"}
IGNORED = {"vapi": "speech-update", "retell": "transcript_updated"}
"""A webhook each vendor sends that voicesync answers and keeps as ignored (Bland sends only one kind)."""
FORGED = {
    "Authorization": "Bearer not-the-secret",
    "x-signature": "00",
    "x-timestamp": "1",
    "x-retell-signature": "v=1,d=" + "0" * 64,
    "X-Webhook-Signature": "0" * 64,
}
StartWorker = Callable[..., ManagedProcess]
QUEUES = "contacts,campaigns,calls"
FINISHED = {"succeeded", "failed", "skipped"}


def resync(services: Services, entity: str, full: bool = True) -> SyncRun:
    run_id = start_resync(services, entity, full=full)
    wait_for(lambda: services.runs.get(run_id).status in FINISHED, 90, what=f"the {entity} run")
    return services.runs.get(run_id)


def odoo_call(odoo: OdooSandbox, platform: PlatformSandbox, store_id: str) -> dict:
    [row] = odoo.records(
        "x_voicesync_call",
        [("x_platform_id", "=", platform.vendor_id(store_id))],
        [
            "x_partner_id",
            "x_campaign_id",
            "x_status",
            "x_summary",
            "x_ended_reason",
            "x_transcript",
            "x_cost",
            "x_duration_seconds",
            "x_name",
            "x_call_status",
            "x_outcome",
        ],
    )
    return row


@VENDORS
def test_a_full_resync_brings_campaigns_calls_and_the_people_they_name(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    start_worker(QUEUES, concurrency=2)
    for entity in ("campaigns", "calls", "contacts"):
        run = resync(bootstrapped, entity)
        assert run.status == "succeeded", run.error
    for entity in ("campaigns", "calls", "contacts"):
        report = check(ENTITIES[entity], bootstrapped.platform, bootstrapped.odoo)
        assert report.ok and report.platform_records > 0, report.summary()
    people = {c["phone"] for c in platform.records("contacts")}
    named = {platform.get("contacts", call["contact_id"])["phone"] for call in platform.records("calls")}
    partners = odoo.records("res.partner", [("phone", "in", sorted(people))], ["phone"])
    assert len(partners) == len({p["phone"] for p in partners}) >= len(named)  # one partner per person
    ended = next(c for c in platform.records("calls") if c["status"] == "completed" and c["summary"])
    row = odoo_call(odoo, platform, ended["id"])
    assert row["x_status"] == ENDED[platform.vendor] and row["x_ended_reason"] and row["x_transcript"]
    assert row["x_summary"] == ended["summary"] and row["x_duration_seconds"] == ended["duration_seconds"]
    # as people read it: labelled choices, a name saying what the call was
    assert row["x_call_status"] == "ended" and row["x_outcome"] in ("answered", "voicemail"), row
    assert row["x_name"].startswith(("Outbound call", "Inbound call", "Web call")), row["x_name"]
    in_campaign = next(c for c in platform.records("calls") if c["campaign_id"])
    [campaign] = odoo.records(
        "utm.campaign", [("id", "=", odoo_call(odoo, platform, in_campaign["id"])["x_campaign_id"][0])], ["title"]
    )
    assert campaign["title"] == platform.get("campaigns", in_campaign["campaign_id"])["name"]
    again = resync(bootstrapped, "calls")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(platform.records("calls")))


@pytest.mark.parametrize("platform", ["vapi"], indirect=True)
def test_an_incremental_resync_reads_only_what_changed_since(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    start_worker(QUEUES)
    assert resync(bootstrapped, "calls").status == "succeeded"
    call = next(c for c in platform.records("calls") if c["status"] == "completed")
    platform.update("calls", call["id"], {"summary": "Changed after the full run."}, emit=False)
    run = resync(bootstrapped, "calls", full=False)
    assert run.mode == "incremental" and run.status == "succeeded", run.error
    assert run.updated == 1 and run.created == 0
    assert odoo_call(odoo, platform, call["id"])["x_summary"] == "Changed after the full run."


@pytest.mark.parametrize("platform", ["retell", "bland"], indirect=True)
def test_an_incremental_resync_reads_back_the_lookback(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    """No ``updated_at``: an incremental run reads the calls started within the lookback before the
    last run, so one ongoing then and ended since is brought; an older call is not read again."""
    start_worker(QUEUES)
    started = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    ongoing = platform.create("calls", {"status": "in_progress", "started_at": started, "summary": None}, emit=False)
    assert resync(bootstrapped, "calls").status == "succeeded"
    assert odoo_call(odoo, platform, ongoing["id"])["x_summary"] is False
    platform.complete_call(ongoing["id"], {"summary": "Ended after the full run.", "duration_seconds": 70}, emit=False)
    new = platform.create("calls", {"status": "in_progress", "started_at": datetime.now(UTC).isoformat()}, emit=False)
    old = next(c for c in platform.records("calls") if c["status"] == "completed" and c["id"] != ongoing["id"])
    platform.update("calls", old["id"], {"summary": "A re-run analysis of an old call."}, emit=False)
    run = resync(bootstrapped, "calls", full=False)
    assert run.mode == "incremental" and run.status == "succeeded", run.error
    assert (run.created, run.updated) == (1, 1)
    row = odoo_call(odoo, platform, ongoing["id"])
    assert row["x_summary"] == "Ended after the full run." and row["x_duration_seconds"] == 70
    assert odoo_call(odoo, platform, new["id"])["x_status"]
    assert odoo_call(odoo, platform, old["id"])["x_summary"] != "A re-run analysis of an old call."


@pytest.mark.parametrize(
    ("platform", "kind"),
    [("vapi", "bearer"), ("vapi", "hmac"), ("retell", None), ("bland", "hmac")],
    indirect=["platform"],
)
def test_signed_webhooks_under_each_credential_reach_odoo(
    kind: str | None,
    bootstrapped: Services,
    start_worker: StartWorker,
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    env: dict[str, str],
    ledger_url: str,
) -> None:
    platform.webhook_credential = Credential(kind=kind, secret=secrets.token_urlsafe(24) if kind else None)
    settings = Settings.from_env({**env, **platform.vendor_settings(), "DATABASE_URL": ledger_url})
    start_worker("calls")
    with BackgroundServer(create_app(settings)) as receiver:
        platform.webhook_url = f"{receiver.url}/webhooks/voice"
        call = platform.create("calls", {"summary": None})
        platform.complete_call(call["id"], {"summary": "Booked a visit.", "duration_seconds": 95})
        wait_for(
            lambda: (
                odoo.records("x_voicesync_call", [("x_platform_id", "=", platform.vendor_id(call["id"]))], ["id"])
                and odoo_call(odoo, platform, call["id"])["x_summary"] == "Booked a visit."
            ),
            30,
            what="the call in Odoo",
        )
        row = odoo_call(odoo, platform, call["id"])
        person = platform.get("contacts", call["contact_id"])
        [partner] = odoo.records("res.partner", [("id", "=", row["x_partner_id"][0])], ["phone"])
        assert partner["phone"] == person["phone"] and row["x_duration_seconds"] == 95
        again = requests.post(
            f"{platform.url}/_sandbox/calls/{call['id']}/message", json={"type": IGNORED.get(platform.vendor)}
        )
        answered = again.json()["webhook"]["status"]
        assert again.status_code == 200 and answered == (202 if platform.vendor in IGNORED else 200)  # or a duplicate
        forged = requests.post(
            f"{receiver.url}/webhooks/voice",
            json=platform.event("call.completed", platform.get("calls", call["id"])),
            headers=FORGED,
        )
        assert forged.status_code == 401


@VENDORS
def test_the_partners_odoo_already_has_are_matched_never_duplicated(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    """Free-form phones match; a phone two partners share binds to neither (and the person's calls
    are still written, unlinked); a partner with only the email matches by email (where the vendor
    gives people's emails: Vapi). What the people in Odoo wrote stays as they wrote it."""
    people = [platform.get("contacts", c["contact_id"]) for c in platform.records("calls")]
    people = list({p["id"]: p for p in people if p["email"]}.values())
    emails = platform.vendor == "vapi"
    free_form, shared, by_email = people[0], people[1], people[2]
    digits = free_form["phone"][2:]

    def partner(values: dict) -> int:
        [made] = bootstrapped.odoo.call("res.partner", "create", vals_list=[values])
        return int(made)

    kept = partner({"name": "Ada (ours)", "phone": f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"})
    twins = [partner({"name": f"Twin {n}", "phone": shared["phone"]}) for n in (1, 2)]
    mailed = partner({"name": "Mail only", "email": by_email["email"].upper()})
    start_worker(QUEUES)
    run = resync(bootstrapped, "calls")
    assert run.status == "succeeded", run.error
    ids = bootstrapped.binder.get_many("contacts", [contact_id(p["phone"]) for p in (free_form, by_email)])
    assert ids[contact_id(free_form["phone"])].odoo_id == kept
    assert (ids[contact_id(by_email["phone"])].odoo_id == mailed) == emails  # else a partner of its own
    [ours] = odoo.records("res.partner", [("id", "=", kept)], ["name", "phone"])
    assert (ours["name"], ours["phone"]) == ("Ada (ours)", f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}")  # kept
    [by_mail] = odoo.records("res.partner", [("id", "=", mailed)], ["name", "email"])
    assert (by_mail["name"], by_mail["email"]) == ("Mail only", by_email["email"].upper())
    assert len(odoo.records("res.partner", [("phone", "=", shared["phone"])], ["id"])) == 2  # no third
    assert contact_id(shared["phone"]) in bootstrapped.binder.ambiguous("contacts")
    unlinked = [c for c in platform.records("calls") if c["contact_id"] == shared["id"]]
    assert unlinked and odoo_call(odoo, platform, unlinked[0]["id"])["x_partner_id"] is False
    assert run.failed == 0 and run.matched >= 1 and run.ambiguous >= 1  # per page that carried them
    reported = status(bootstrapped)["entities"]["contacts"]["ambiguous"]  # what `voicesync status` shows
    assert [row["platform_id"] for row in reported] == [contact_id(shared["phone"])]
    noted = bootstrapped.binder.ambiguous("contacts")[contact_id(shared["phone"])]
    assert sorted(twins) == sorted(int(i) for i in noted.partner_ids.split(",")) and noted.by == "phone"


@pytest.mark.parametrize("platform", ["retell"], indirect=True)
def test_retell_contacts_are_its_contacts_then_the_people_its_calls_name(
    bootstrapped: Services, start_worker: StartWorker, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    """An account that does not use Retell's contacts still gets its callers (by number, named by
    it); once it does, their names come from Retell's contacts, read one by one by number too."""
    start_worker(QUEUES)
    requests.put(f"{platform.url}/_sandbox/retell/contacts", json={"enabled": False}).raise_for_status()
    assert resync(bootstrapped, "contacts").status == "succeeded"
    named = {platform.get("contacts", call["contact_id"])["phone"] for call in platform.records("calls")}
    partners = odoo.records("res.partner", [("phone", "in", sorted(named))], ["name", "phone"])
    assert {p["phone"] for p in partners} == named and all(p["name"] == p["phone"] for p in partners)
    requests.put(f"{platform.url}/_sandbox/retell/contacts", json={"enabled": True}).raise_for_status()
    run = resync(bootstrapped, "contacts")
    assert run.status == "succeeded" and run.updated >= len(named), run.error
    person = next(c for c in platform.records("contacts") if c["first_name"] and c["last_name"])
    full_name = f"{person['first_name']} {person['last_name']}"
    [partner] = odoo.records("res.partner", [("phone", "=", person["phone"])], ["name"])
    assert partner["name"] == full_name
    assert bootstrapped.platform.get("contacts", contact_id(person["phone"])).record["name"] == full_name
