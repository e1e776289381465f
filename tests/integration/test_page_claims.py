"""Pages handed out one at a time (:mod:`shared.page_claims`), on the run's real Redis and ledger:
each page once, a returning task's own pages first, never again after a retried plan, counted
pages skipped when Redis lost the counter, and a successor when a task's time is up."""

from __future__ import annotations

import pytest

from shared import reconcile
from shared.entities import ENTITIES
from shared.ledger.models import SyncRun
from shared.reconcile import Reconciliation
from shared.services import Services

PAGES = 6


def planned(services: Services) -> tuple[Reconciliation, SyncRun]:
    """A full run of six pages whose page 1 the planning task kept."""
    reconciliation = Reconciliation(services, ENTITIES["contacts"])
    run = services.runs.start("contacts", "full", None)
    services.runs.set_plan(run.id, PAGES, None)
    reconciliation._claims(run.id).open(handed_out=1)
    return reconciliation, services.runs.get(run.id)


def test_each_page_goes_to_one_task_in_order(services: Services) -> None:
    reconciliation, run = planned(services)
    alpha, beta = reconciliation.taken_pages(run, "alpha"), reconciliation.taken_pages(run, "beta")
    taken = [next(alpha), next(beta), next(alpha), next(alpha), next(beta)]
    assert taken == [2, 3, 4, 5, 6]
    assert list(alpha) == [] and list(beta) == []
    assert reconciliation.pages_taken_by(run.id, "alpha") == [2, 4, 5]
    assert not reconciliation.pages_left(run)


def test_a_task_that_comes_back_writes_its_own_uncounted_pages_first(services: Services) -> None:
    reconciliation, run = planned(services)
    first_try = reconciliation.taken_pages(run, "task-1")
    assert [next(first_try), next(first_try)] == [2, 3]
    reconciliation.count_page(run.id, 2, created=1)  # page 3 was being written when the worker died
    assert list(reconciliation.taken_pages(run, "task-1")) == [3, 4, 5, 6]


def test_a_retried_plan_hands_out_nothing_twice(services: Services) -> None:
    reconciliation, run = planned(services)
    assert next(reconciliation.taken_pages(run, "alpha")) == 2
    reconciliation._claims(run.id).open(handed_out=1)  # the planning task ran again
    assert list(reconciliation.taken_pages(run, "beta")) == [3, 4, 5, 6]


def test_a_lost_counter_starts_again_and_skips_the_counted_pages(services: Services) -> None:
    reconciliation, run = planned(services)
    for page in (1, 2, 3):
        reconciliation.count_page(run.id, page, created=1)
    services.redis.delete(f"voicesync:run:{run.id}:next")
    assert list(reconciliation.taken_pages(run, "alpha")) == [4, 5, 6]


def test_a_task_whose_time_is_up_leaves_the_rest_to_a_successor(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    reconciliation, run = planned(services)
    monkeypatch.setattr(reconcile, "TAKING_SHARE", 0.0)
    assert list(reconciliation.taken_pages(run, "alpha")) == []
    assert reconciliation.pages_left(run)


def test_a_finished_run_leaves_no_keys(services: Services) -> None:
    reconciliation, run = planned(services)
    list(reconciliation.taken_pages(run, "alpha"))
    reconciliation.fail(run.id, "given up")
    assert not services.redis.keys(f"voicesync:run:{run.id}:*")
