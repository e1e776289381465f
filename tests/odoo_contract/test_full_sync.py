"""The core job on the Odoo under test: all three entities through real workers, with nothing
dead-lettered; a second full sync writes nothing; deletions archive partners and campaigns."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cli.processes import ManagedProcess, wait_for
from sandbox.platform import PlatformSandbox
from shared.entities import ENTITIES
from shared.ledger.models import SyncRun
from shared.odoo_setup import Bootstrap
from shared.parity import check
from shared.producer.operations import start_resync
from shared.services import Services

StartWorker = Callable[..., ManagedProcess]
FINISHED = {"succeeded", "failed", "skipped"}


def full_sync(services: Services) -> list[SyncRun]:
    run_ids = [start_resync(services, entity, full=True) for entity in ENTITIES]
    for run_id in run_ids:
        wait_for(lambda r=run_id: services.runs.get(r).status in FINISHED, 300, what=f"run {run_id}")
    return [services.runs.get(run_id) for run_id in run_ids]


def test_full_sync_then_nothing_to_write_then_deletions_archive(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox
) -> None:
    Bootstrap(services.odoo).run()
    for queue in ENTITIES:
        start_worker(queue)
    first = full_sync(services)
    assert [run.status for run in first] == ["succeeded"] * 3, [run.error for run in first]
    assert services.dead_letters.list(limit=10) == []
    for spec in ENTITIES.values():
        report = check(spec, services.platform, services.odoo)
        assert report.ok, report.summary()
    second = full_sync(services)
    assert [(run.created, run.updated, run.drift_repaired, run.archived) for run in second] == [(0, 0, 0, 0)] * 3

    gone_contact = next(
        c
        for c in platform.records("contacts")
        if not any(call["contact_id"] == c["id"] for call in platform.records("calls"))
    )
    gone_campaign = platform.records("campaigns")[0]
    platform.delete("contacts", gone_contact["id"], emit=False)
    platform.delete("campaigns", gone_campaign["id"], emit=False)
    third = {run.entity: run for run in full_sync(services)}
    assert (third["contacts"].archived, third["campaigns"].archived) == (1, 1)
    assert services.dead_letters.list(limit=10) == []
    for entity, record in (("contacts", gone_contact), ("campaigns", gone_campaign)):
        spec = ENTITIES[entity]
        binding = services.binder.get_many(entity, [record["id"]])[record["id"]]
        assert binding.deleted, entity
        if "active" in services.odoo.fields_of(spec.odoo_model):
            [row] = services.odoo.call(spec.odoo_model, "read", ids=[binding.odoo_id], fields=["active"])
            assert row["active"] is False, entity
        else:  # Odoo 16's utm.campaign cannot be archived: the record stays as it was
            assert services.odoo.call(spec.odoo_model, "search", domain=[("id", "=", binding.odoo_id)])
        assert check(spec, services.platform, services.odoo).ok


@pytest.mark.parametrize("platform", ["retell", "bland"], indirect=True)
def test_a_vendor_s_calls_campaigns_and_people_reach_odoo_once(
    services: Services, start_worker: StartWorker, platform: PlatformSandbox, newest_stand_in_only: None
) -> None:
    """Retell's and Bland's records (epoch-millisecond and offset instants, costs, transcripts, the
    structured analysis, people known by number) written to the Odoo under test, and nothing
    written again by a second full sync."""
    Bootstrap(services.odoo).run()
    start_worker(",".join(ENTITIES))
    first = full_sync(services)
    assert [run.status for run in first] == ["succeeded"] * 3, [run.error for run in first]
    for spec in ENTITIES.values():
        report = check(spec, services.platform, services.odoo)
        assert report.ok and report.platform_records > 0, report.summary()
    ended = next(c for c in platform.records("calls") if c["status"] == "completed" and c["summary"])
    binding = services.binder.get_many("calls", [platform.vendor_id(ended["id"])])[platform.vendor_id(ended["id"])]
    [row] = services.odoo.call(
        "x_voicesync_call", "read", ids=[binding.odoo_id], fields=["x_summary", "x_transcript", "x_cost", "x_ended_at"]
    )
    assert row["x_summary"] == ended["summary"] and row["x_transcript"] and row["x_cost"] > 0 and row["x_ended_at"]
    second = full_sync(services)
    assert [(run.created, run.updated, run.drift_repaired) for run in second] == [(0, 0, 0)] * 3
