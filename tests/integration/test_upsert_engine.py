"""The upsert engine against the sandboxes over HTTP, ledger on SQLite and PostgreSQL.

No Celery here: the importer walks the platform's pages in this process, which is the path every
task takes, so parity, idempotence and round trips can be checked exactly.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared import upsert
from shared.entities import ENTITIES
from shared.parity import check
from shared.services import Services
from shared.settings import Settings
from shared.upsert import UpsertResult

pytestmark = pytest.mark.both_ledgers
CONTACTS = ENTITIES["contacts"]


@pytest.fixture
def services(settings: Settings) -> Services:
    services = Services(settings)
    services.ledger.upgrade()
    return services


def reconcile(services: Services) -> UpsertResult:
    total = UpsertResult()
    for page in services.platform.pages(CONTACTS.name):
        result = services.importer.sync_records(CONTACTS, page.records, check_drift=True, run_id=None)
        for name in ("created", "updated", "unchanged", "drift_repaired", "matched"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        total.failures += result.failures
    return total


def partners(odoo: OdooSandbox) -> list[dict]:
    return odoo.records("res.partner", [("email", "!=", False)], ["name", "email", "phone"])


def test_full_reconciliation_gives_exact_parity(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    result = reconcile(services)
    assert (result.created, result.updated, result.failures) == (60, 0, [])
    report = check(CONTACTS, services.platform, services.odoo)
    assert report.ok, report.summary()
    assert len(partners(odoo)) == 60
    assert services.binder.count("contacts") == 60


def test_second_run_writes_nothing(services: Services, odoo: OdooSandbox) -> None:
    reconcile(services)
    odoo.reset_call_counts()
    result = reconcile(services)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 60)
    calls = odoo.call_counts()
    writes = {k: v for k, v in calls.items() if k.rsplit(".", 1)[1] in {"load", "create", "write", "unlink"}}
    assert writes == {}
    assert sum(calls.values()) <= 3  # one drift read per page of 25


def test_first_sync_round_trips_per_page(services: Services, odoo: OdooSandbox) -> None:
    odoo.reset_call_counts()
    reconcile(services)
    calls = odoo.call_counts()
    assert calls.get("res.partner.load") == 3  # 60 records, pages of 25: one load per page
    # the partners Odoo has: read once by the process (its newest write, then all); the later
    # pages come within VOICESYNC_MATCH_FRESHNESS of that read, so they look for nothing new
    assert calls.get("res.partner.search_read") == 2
    assert sum(calls.values()) <= 3 + 2 + 1 + 1  # + one external-id count, + version probe


def test_the_partner_index_looks_again_once_its_freshness_has_passed(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    """With freshness 0 it looks for partners people wrote before every page that has contacts to
    create; a partner added by hand between two looks is matched, not duplicated."""
    eager = Services(replace(services.settings, match_freshness=0.0))
    odoo.reset_call_counts()
    reconcile(eager)
    assert odoo.call_counts().get("res.partner.search_read") == 2 + 2  # then one per later page
    newcomer = platform.create("contacts", {"first_name": "Hand", "last_name": "Made", "phone": "+14155550142"})
    [partner] = eager.odoo.call("res.partner", "create", vals_list=[{"name": "Hand Made", "phone": "+1 415 555 0142"}])
    odoo.write("res.partner", [partner], {"name": "Hand Made (by a person)"})  # last written by someone else
    result = reconcile(eager)
    assert (result.matched, result.created) == (1, 0), result
    binding = eager.binder.get_many("contacts", [newcomer["id"]])[newcomer["id"]]
    assert binding.odoo_id == partner


def test_a_changed_contact_is_updated_and_only_it(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    reconcile(services)
    target = platform.records("contacts")[7]
    platform.update("contacts", target["id"], {"email": "changed@example.org"}, emit=False)
    before = {p["id"]: p for p in odoo.records("res.partner", None, ["write_date", "email"])}
    result = reconcile(services)
    assert (result.updated, result.unchanged, result.created) == (1, 59, 0)
    after = {p["id"]: p for p in odoo.records("res.partner", None, ["write_date", "email"])}
    changed = [i for i in after if after[i] != before.get(i)]
    assert len(changed) == 1 and after[changed[0]]["email"] == "changed@example.org"
    assert check(CONTACTS, services.platform, services.odoo).ok


def test_a_hand_edit_in_odoo_is_repaired(services: Services, odoo: OdooSandbox) -> None:
    reconcile(services)
    victim = partners(odoo)[3]
    odoo.write("res.partner", [victim["id"]], {"phone": "+10000000000"})
    assert not check(CONTACTS, services.platform, services.odoo).ok
    result = reconcile(services)
    assert result.drift_repaired == 1
    assert check(CONTACTS, services.platform, services.odoo).ok


def test_an_older_record_never_overwrites_a_newer_one(services: Services, platform: PlatformSandbox) -> None:
    canonical = services.platform.normalize
    record = platform.records("contacts")[0]
    newer = platform.update("contacts", record["id"], {"last_name": "Newer"}, emit=False)
    services.engine.upsert(CONTACTS, [canonical("contacts", newer).record])
    late = canonical("contacts", record).record  # a late delivery of the old state
    result = services.engine.upsert(CONTACTS, [late])
    assert result.stale == 1 and result.updated == 0
    partner = services.odoo.call(
        "res.partner", "search_read", domain=[("phone", "=", record["phone"])], fields=["name"]
    )
    assert partner[0]["name"].endswith("Newer")


def test_bad_records_fail_alone(services: Services, platform: PlatformSandbox) -> None:
    good = [services.platform.normalize("contacts", r).record for r in platform.records("contacts")[:3]]
    bad = {**good[1], "updated_at": "not a date"}
    result = services.engine.upsert(CONTACTS, [good[0], bad, good[2]])
    assert result.created == 2
    assert [(f.platform_id, f.error_type) for f in result.failures] == [(good[1]["id"], "DataError")]


def test_a_first_sync_into_an_empty_odoo_skips_the_external_id_lookup(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox, tmp_path: Path
) -> None:
    odoo.reset_call_counts()
    assert reconcile(services).created == 60
    counts = odoo.call_counts()
    assert counts.get("ir.model.data.search_read") is None and counts.get("ir.model.data.search_count") == 1
    lost = Services(
        replace(services.settings, database_url=f"sqlite:///{tmp_path / 'lost-ledger.db'}", voice_page_size=20)
    )
    lost.ledger.upgrade()
    odoo.reset_call_counts()
    # a new ledger, a new process: Odoo holds voicesync's records already, written moments ago (so
    # not yet counted as settled): the first page's matching meets their ids, and the lookups begin
    result = reconcile(lost)
    assert (result.created, result.updated) == (0, 60)
    assert len(partners(odoo)) == 60
    counts = odoo.call_counts()  # three pages: a lookup each, and the question asked once, not per page
    assert (counts.get("ir.model.data.search_read"), counts.get("ir.model.data.search_count")) == (3, 1)


def test_a_ledger_lost_long_after_the_sync_is_noticed_by_count_and_looked_up_every_page(
    services: Services, odoo: OdooSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Odoo's settled voicesync ids outnumber the ledger's bindings: each page looks its records
    up (updates, not creates), and the count is asked once, not per page."""
    reconcile(services)
    monkeypatch.setattr(upsert, "IN_FLIGHT", timedelta(seconds=-60))  # every id counts as settled
    lost = Services(
        replace(services.settings, database_url=f"sqlite:///{tmp_path / 'lost-ledger.db'}", voice_page_size=20)
    )
    lost.ledger.upgrade()
    odoo.reset_call_counts()
    result = reconcile(lost)
    assert (result.created, result.updated, result.matched) == (0, 60, 0)
    counts = odoo.call_counts()
    assert (counts.get("ir.model.data.search_read"), counts.get("ir.model.data.search_count")) == (3, 1)
    assert counts.get("ir.model.data.create") is None  # no partner was matched to itself


def test_a_partner_matched_on_a_page_still_being_written_is_taken_for_the_next(
    services: Services, platform: PlatformSandbox, odoo: OdooSandbox
) -> None:
    """Pipelined pages: page 2 is prepared while page 1 is written, before the ledger binds page
    1's match. Another platform contact that could be the same partner (here by email) must not
    be bound to it too."""
    shared = {"name": "Shared line", "phone": "+1 415 555 0177", "email": "desk@corp.example"}
    [partner] = services.odoo.call("res.partner", "create", vals_list=[shared])
    odoo.write("res.partner", [partner], {"name": "Shared desk"})  # last written by a person
    first = platform.create("contacts", {"first_name": "Ann", "last_name": "One", "phone": "+14155550177"})
    second = platform.create(
        "contacts", {"first_name": "Bob", "last_name": "Two", "phone": "+14155550188", "email": "desk@corp.example"}
    )
    engine, read = services.engine, services.platform.get
    page_one = engine.prepare(CONTACTS, [read("contacts", first["id"]).record])
    page_two = engine.prepare(CONTACTS, [read("contacts", second["id"]).record])  # page one not written yet
    engine.commit(page_one)
    engine.commit(page_two)
    assert [i.kind for i in page_one.to_write] == ["match"] and [i.kind for i in page_two.to_write] == ["create"]
    bound = services.binder.get_many("contacts", [first["id"], second["id"]])
    assert bound[first["id"]].odoo_id == partner and bound[second["id"]].odoo_id != partner


def test_a_page_of_long_transcripts_is_split_into_loads_under_the_cap(
    bootstrapped: Services, odoo: OdooSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upsert, "LOAD_MAX_BYTES", 100_000)  # the cap at a test's scale (8 MiB in use)
    calls = [{"id": f"c{n}", "updated_at": "2026-12-07T10:00:00Z", "transcript": "x" * 30_000} for n in range(10)]
    odoo.reset_call_counts()
    result = bootstrapped.engine.upsert(ENTITIES["calls"], calls)
    assert (result.created, result.failures) == (10, [])
    assert odoo.call_counts()["x_voicesync_call.load"] == 4  # three rows of 30,000 characters a load
