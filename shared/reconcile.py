"""Reconciliation of one entity: walk the platform's pages, upsert each, then close the run.

A run is planned from its first page. When the listing's paginator knows the remaining pages
(page numbers and a total), page tasks take them one at a time from a counter in Redis
(:mod:`shared.page_claims`), so every worker on the queue shares them and none waits between two;
otherwise the same walk goes on, page after page, in this task. Each page adds its
counts to the run in the ledger; the page that completes the run finalises it: archive what a
clean full run no longer saw (never a derived entity's records), move the bookmark, unlock.

One reconciliation per entity at a time: a Redis lock whose value is the run id, renewed by every
page that completes and released by the finaliser.
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from shared.entities import EntitySpec
from shared.errors import LockBusy
from shared.ledger.models import Binding, SyncRun
from shared.ledger.states import OPEN_RUN, RunStatus
from shared.locks import PREFIX, RedisLock
from shared.page_claims import PageClaims
from shared.pagination import Page
from shared.platforms.base import Walk
from shared.services import Services
from shared.timeutil import iso, parse_instant
from shared.upsert import Loaded, Prepared, UpsertResult

BOOKMARK_OVERLAP = timedelta(minutes=2)
SUCCEEDED, FAILED, SKIPPED = RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED
# A page task stops taking pages after this share of the broker's visibility timeout (and asks for
# a successor), so a long run never has a task running for so long that the broker hands it out again.
TAKING_SHARE = 0.25


def _lock(services: Services, spec: EntitySpec, run_id: int) -> RedisLock:
    lock = RedisLock(services.redis, f"reconcile:{spec.name}", services.settings.lock_ttl)
    lock.token = str(run_id)
    return lock


def running_run_id(services: Services, spec: EntitySpec) -> int | None:
    """The run that holds the entity's reconciliation lock, if any."""
    value = services.redis.get(f"{PREFIX}reconcile:{spec.name}")
    return int(value) if value else None


def choose_mode(services: Services, entity: str, *, full: bool, since: str | None) -> tuple[str, str | None]:
    """``("full", None)`` or ``("incremental", since)``; with no ``since``, the bookmark less an
    overlap (a record changed while the last run walked its pages is not missed), or less the
    lookback on a vendor whose records carry no ``updated_at`` (a call that started before the
    last run may have ended or been analysed since); with no bookmark either, a full run."""
    if not full and since is None:
        bookmark = services.runs.bookmark(entity)
        since = iso(parse_instant(bookmark) - _reach_back(services)) if bookmark else None
    return ("full", None) if full or since is None else ("incremental", since)


def _reach_back(services: Services) -> timedelta:
    if services.platform.capabilities.incremental == "lookback":
        return max(BOOKMARK_OVERLAP, timedelta(seconds=services.settings.lookback))
    return BOOKMARK_OVERLAP


@dataclass
class _Flight:
    """A page whose load is in flight: its records stay locked until it is bound."""

    number: int
    locks: ExitStack
    prepared: Prepared
    future: Future[Loaded]

    def wait(self) -> None:
        """Wait for the load; when it failed, release the page's records before raising."""
        try:
            self.future.result()
        except BaseException:
            self.locks.close()
            raise


class Reconciliation:
    """The steps of one entity's reconciliation, each small enough to be one task's body."""

    def __init__(self, services: Services, spec: EntitySpec) -> None:
        self.services = services
        self.spec = spec

    def begin(self, *, full: bool, since: str | None, run_id: int | None = None) -> SyncRun:
        """Open the run (or resume ``run_id`` if it is still open) and take the entity's lock.

        Raises :class:`LockBusy` when another run of the entity holds the lock.
        """
        runs = self.services.runs
        run = runs.get(run_id) if run_id is not None else None
        if run is not None and run.status not in OPEN_RUN:
            run = None  # a replayed or repeated task of a finished run starts a new run
        if run is None:
            run = runs.start(self.spec.name, *choose_mode(self.services, self.spec.name, full=full, since=since))
        holder = running_run_id(self.services, self.spec)
        if holder != run.id and not _lock(self.services, self.spec, run.id).acquire():
            holder = running_run_id(self.services, self.spec)
            runs.finish(run.id, SKIPPED, f"run {holder} of {self.spec.name} is still running")
            raise LockBusy(f"a reconciliation of {self.spec.name} is already running (run {holder})")
        runs.mark_running(run.id)
        runs.abandon_others(self.spec.name, run.id)
        return run

    def catch_up_odoo(self) -> int:
        """Contacts only, and only when Odoo -> platform is switched on (``ODOO_WEBHOOK_TOKEN``):
        push partners changed in Odoo that no webhook brought, before the platform's pages are
        applied, so an edit made in Odoo is sent on rather than undone as drift. Only where the
        vendor takes contact writes."""
        settings, capabilities = self.services.settings, self.services.platform.capabilities
        if self.spec.name != "contacts" or not settings.odoo_webhook_token or not capabilities.contact_writes:
            return 0
        from shared.odoo_push import push_changed_partners

        return push_changed_partners(self.services)

    def open_walk(self, run: SyncRun) -> Walk:
        """The run's walk of the listing: from the start, or from where a failed try of it stopped."""
        walk = self.services.platform.pages(self.spec.name, since=run.since)
        if run.cursor:
            walk.resume(json.loads(run.cursor))
        return walk

    def fetch(self, run: SyncRun, number: int) -> Page:
        """One of the pages handed out by :meth:`plan`."""
        return self.services.platform.page(self.spec.name, number, since=run.since)

    def upsert_page(self, run: SyncRun, page: Page) -> bool:
        """Upsert one page and count it; True when this page completed the run."""
        result = self.services.importer.sync_records(
            self.spec, page.records, related=page.related, check_drift=run.mode == "full", run_id=run.id
        )
        return self._counted(run, page.number, result)

    def upsert_pages(self, run: SyncRun, numbers: Iterable[int]) -> bool:
        """Fetch, upsert and count several of the run's pages, as a pipeline: while
        ``VOICESYNC_LOADS_IN_FLIGHT`` pages are being loaded into Odoo, the next is read from the
        platform and prepared, and the page whose load came back is bound in the ledger and
        counted. Odoo never waits on voicesync between two loads: with one load at a time it
        sat idle 15-60 ms before each (bench row 8). True when they completed the run. A page
        that fails lets the loads in flight finish and be counted, then fails."""
        complete = False
        engine, depth = self.services.engine, max(1, self.services.settings.loads_in_flight)
        flights: deque[_Flight] = deque()
        with ThreadPoolExecutor(depth, thread_name_prefix="odoo-write") as writer:
            try:
                for number in numbers:
                    page = self.fetch(run, number)
                    landed = None
                    with ExitStack() as locks:
                        prepared = locks.enter_context(
                            self.services.importer.preparing(
                                self.spec, page.records, related=page.related, check_drift=run.mode == "full",
                                run_id=run.id,
                            )
                        )  # fmt: skip
                        if len(flights) >= depth:
                            landed = flights.popleft()
                            landed.wait()
                        flights.append(
                            _Flight(number, locks.pop_all(), prepared, writer.submit(engine.write, prepared))
                        )
                    if landed is not None:
                        complete |= self._settle(run, landed)
            finally:
                complete |= self._settle_all(run, flights)
        return complete

    def _settle_all(self, run: SyncRun, flights: deque[_Flight]) -> bool:
        """Settle every page still in flight, even when one of them fails (then raise the first)."""
        complete, failure = False, None
        while flights:
            try:
                complete |= self._settle(run, flights.popleft())
            except Exception as exc:  # the other pages are settled before it is raised
                failure = failure or exc
        if failure is not None:
            raise failure
        return complete

    def _settle(self, run: SyncRun, flight: _Flight) -> bool:
        """Bind a loaded page in the ledger, release its records, count it."""
        with flight.locks:
            result = self.services.engine.record(flight.prepared, flight.future.result())
        return self._counted(run, flight.number, result)

    def _counted(self, run: SyncRun, number: int, result: UpsertResult) -> bool:
        for failure in result.failures:
            self.services.dead_letters.add_record(self.spec.name, failure)
        return self.count_page(run.id, number, **result.counts())

    def count_page(self, run_id: int, page: int, **counts: int) -> bool:
        """Count a page (once, however often its task runs); True when the run is complete."""
        done, total = self.services.runs.count_page(run_id, page, **counts)
        _lock(self.services, self.spec, run_id).extend()
        return total is not None and done >= total

    def plan(self, run: SyncRun, walk: Walk, first: Page) -> int:
        """After page 1: how many page tasks to ask for, one for every ``VOICESYNC_PAGES_PER_TASK``
        of the pages left (none: this task walks on). The pages are handed out by
        :meth:`taken_pages`; page 1 is this task's."""
        rest = walk.remaining()
        if not rest:
            return 0
        self.services.runs.set_plan(run.id, len(rest) + 1, first.total)
        self._claims(run.id).open(handed_out=1)
        return math.ceil(len(rest) / max(1, self.services.settings.pages_per_task))

    def taken_pages(self, run: SyncRun, taker: str) -> Iterator[int]:
        """The pages ``taker`` writes, each taken when it is about to be read: first those it took
        before it was interrupted and did not count, then new ones until none is left or its time
        is up (see :meth:`pages_left`). A page already counted (a Redis that lost the counter
        starts it again) is skipped."""
        claims, total = self._claims(run.id), run.pages_total or 0
        runs = self.services.runs
        own = claims.taken_by(taker)
        counted = runs.counted(run.id, own)
        yield from (page for page in own if page not in counted)
        deadline = time.monotonic() + TAKING_SHARE * self.services.settings.visibility_timeout
        while time.monotonic() < deadline and (page := claims.take(total, taker)) is not None:
            if not runs.counted(run.id, [page]):
                yield page

    def pages_taken_by(self, run_id: int, taker: str) -> list[int]:
        """The pages ``taker`` took (a page task that gives up counts them failed)."""
        return self._claims(run_id).taken_by(taker)

    def pages_left(self, run: SyncRun) -> bool:
        """Whether pages of the run are still to be handed out: a page task whose time was up
        leaves them to a successor."""
        return self._claims(run.id).left(run.pages_total or 0)

    def _claims(self, run_id: int) -> PageClaims:
        return PageClaims(self.services.redis, run_id, 2 * self.services.settings.visibility_timeout)

    def walk(self, run: SyncRun, walk: Walk, first: Page | None) -> None:
        """Upsert page after page of the same walk, keeping where it stands after each: a page that
        fails retries the task, which goes on from there (one bad page must not restart a long
        walk, which under steady faults would never end). The plan is known at its end."""
        if first is not None:
            self._walked(run, walk, first)
        for page in walk:
            self._walked(run, walk, page)
        self.services.runs.set_plan(run.id, walk.number, None)

    def _walked(self, run: SyncRun, walk: Walk, page: Page) -> None:
        self.upsert_page(run, page)
        self.services.runs.save_cursor(run.id, json.dumps(walk.checkpoint()))

    def finalize(self, run_id: int) -> str:
        """Close the run: archive what a clean full run did not see, move the bookmark, unlock."""
        run = self.services.runs.get(run_id)
        if run is None or run.status != RunStatus.RUNNING:
            return run.status if run else FAILED
        status = SUCCEEDED if run.failed == 0 else FAILED
        derived = self.spec.name in self.services.platform.capabilities.derived
        if status == SUCCEEDED and run.mode == "full" and not derived:
            archived = self._repair_unseen(run.id)
            if archived:
                self.services.runs.add(run.id, archived=archived)
        if status == SUCCEEDED:
            self.services.runs.move_bookmark(self.spec.name, iso(run.started_at))
        self.services.runs.finish(run.id, status, None if status == SUCCEEDED else f"{run.failed} records failed")
        self._claims(run.id).close()
        _lock(self.services, self.spec, run.id).release()
        return status

    def fail(self, run_id: int, reason: str) -> None:
        """A run that cannot go on (its page could not be read): close it and free the lock."""
        self.services.runs.add(run_id, failed=1)
        self.services.runs.finish(run_id, FAILED, reason)
        self._claims(run_id).close()
        _lock(self.services, self.spec, run_id).release()

    def _repair_unseen(self, run_id: int) -> int:
        """Bindings a full run did not meet: each is read again (pages may shift while a run
        walks them) and archived only when the platform confirms it is gone."""
        with self.services.ledger.session() as session:
            unseen = list(
                session.scalars(
                    select(Binding.platform_id).where(
                        Binding.entity == self.spec.name,
                        Binding.deleted.is_(False),
                        or_(Binding.last_seen_run.is_(None), Binding.last_seen_run != run_id),
                    )
                )
            )
        importer, size = self.services.importer, self.services.platform.page_size
        return sum(importer.sync_many(self.spec, unseen[n : n + size]).archived for n in range(0, len(unseen), size))
