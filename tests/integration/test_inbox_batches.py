"""Group commit in the receiver: webhooks waiting together are stored in one transaction and become
one task per entity; a batch still deduplicates, and each webhook gets its own answer."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from cli.processes import wait_for
from shared.ledger.models import InboxEvent
from shared.producer.dispatch import publish
from shared.services import Services
from tests.queued import queued_tasks
from web.inbox_writer import InboxWriter

pytestmark = pytest.mark.both_ledgers


def event(key: str, entity: str = "contacts", record_id: str = "ct_1", status: str = "enqueued") -> InboxEvent:
    singular = entity.removesuffix("s")
    return InboxEvent(source="voice", dedupe_key=key, event_type=f"{singular}.updated", entity=entity,
                      record_id=record_id, payload="{}", status=status)  # fmt: skip


def stored(services: Services) -> list[InboxEvent]:
    with services.ledger.session() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def test_a_batch_is_one_statement_that_still_deduplicates(services: Services) -> None:
    services.inbox.accept([event("voice:a")])
    batch = [event("voice:b"), event("voice:a"), event("voice:c"), event("voice:b")]
    ids = services.inbox.accept(batch)
    assert ids[1] is None and ids[3] is None  # one already stored; one repeated inside the batch
    assert ids[0] is not None and ids[2] is not None and ids[0] != ids[2]
    assert [(row.dedupe_key, row.id) for row in stored(services)][1:] == [("voice:b", ids[0]), ("voice:c", ids[2])]


def test_webhooks_answered_together_become_one_task_per_entity(services: Services, redis_url: str) -> None:
    gate, first_publish = threading.Event(), threading.Event()

    def held_publish(rows: list[InboxEvent]) -> list[InboxEvent]:
        """The real publish, held on its first call so that committed rows pile up behind it."""
        first_publish.set()
        gate.wait(10)
        return publish(rows)

    writer = InboxWriter(services.inbox, held_publish)
    answers = [("voice:first", writer.accept(event("voice:first", "contacts", "ct_0")))]
    assert first_publish.wait(10)
    arrivals = [
        ("voice:c1", "contacts", "ct_1"), ("voice:k1", "calls", "cl_1"), ("voice:c2", "contacts", "ct_2"),
        ("voice:c1", "contacts", "ct_1"), ("voice:k2", "calls", "cl_2"), ("voice:c3", "contacts", "ct_3"),
        ("voice:ignored", "contacts", "ct_9", "ignored"),
    ]  # fmt: skip

    def deliver(key: str, entity: str, record_id: str, status: str = "enqueued") -> None:
        answers.append((key, writer.accept(event(key, entity, record_id, status))))

    threads = [threading.Thread(target=deliver, args=arrival) for arrival in arrivals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    rows = {row.dedupe_key: row for row in stored(services)}
    expected = [(key, row.id) for key, row in rows.items()] + [("voice:c1", None)]  # the repeat is a duplicate
    assert sorted(answers, key=str) == sorted(expected, key=str)  # every webhook answered...
    assert queued_tasks(redis_url, "contacts") == []  # ...while the publisher was still held
    assert {row.status for key, row in rows.items() if key != "voice:ignored"} == {"enqueued"}
    assert rows["voice:ignored"].status == "ignored"

    gate.set()
    wait_for(lambda: len(queued_tasks(redis_url, "contacts")) == 2, 10, what="the contacts tasks")
    batches = queued_tasks(redis_url, "contacts")
    assert {name for name, _ in batches} == {"contacts.sync_many"}
    assert [sorted(kwargs["platform_ids"]) for _, kwargs in batches] == [["ct_0"], ["ct_1", "ct_2", "ct_3"]]
    wait_for(lambda: len(queued_tasks(redis_url, "calls")) == 1, 10, what="the calls task")
    [(name, kwargs)] = queued_tasks(redis_url, "calls")
    together = sorted(zip(kwargs["platform_ids"], kwargs["inbox_ids"], kwargs["correlation_ids"], strict=True))
    assert name == "calls.sync_many"
    assert together == [("cl_1", rows["voice:k1"].id, "voice:k1"), ("cl_2", rows["voice:k2"].id, "voice:k2")]


def test_rows_the_broker_refuses_are_left_for_the_relay(services: Services) -> None:
    writer = InboxWriter(services.inbox, lambda rows: rows)  # a broker that takes nothing
    assert writer.accept(event("voice:refused")) is not None
    wait_for(lambda: stored(services)[0].status == "received", 10, what="the row to be marked for the relay")


def test_an_event_that_fails_its_batch_costs_no_other_event_its_row(services: Services) -> None:
    """An event the database refuses (a lone surrogate cannot be encoded; the receiver's checks keep
    such events out, this is the writer's own guard) fails alone: the batch is stored one by one."""
    writer = InboxWriter(services.inbox, lambda rows: [])
    from web.inbox_writer import _Pending

    batch = [_Pending(event("voice:good-1")), _Pending(event("voice:bad", record_id="ct_\ud800")),
             _Pending(event("voice:good-2"))]  # fmt: skip
    writer._write(batch)
    assert [item.done.is_set() for item in batch] == [True, True, True]
    assert batch[1].error is not None and batch[1].inbox_id is None
    assert batch[0].inbox_id is not None and batch[2].inbox_id is not None
    assert [row.dedupe_key for row in stored(services)] == ["voice:good-1", "voice:good-2"]
