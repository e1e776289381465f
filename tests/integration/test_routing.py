"""One routing table: every task lands on a queue that a worker reads, through Celery's routes,
the receiver's publish, the relay and ``dlq replay`` alike."""

from __future__ import annotations

import pytest

from shared.entities import ENTITIES
from shared.producer.operations import replay_dead_letter
from shared.routing import queue_for
from shared.services import Services
from tests.queued import queued_tasks
from workers.app import app

WORKER_QUEUES = {spec.queue for spec in ENTITIES.values()}


def test_every_task_has_a_queue_a_worker_reads_and_celery_agrees() -> None:
    app.loader.import_default_modules()  # the task modules a worker imports (``include``)
    names = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert "inbox.relay" in names and "contacts.push_from_odoo" in names
    for name in names:
        assert queue_for(name) in WORKER_QUEUES, name
        assert app.amqp.router.route({}, name)["queue"].name == queue_for(name), name
    with pytest.raises(ValueError, match="no queue"):
        queue_for("leads.sync_one")


def test_a_dead_relay_is_replayed_onto_the_queue_its_workers_read(services: Services, redis_url: str) -> None:
    """Replay once derived the queue from the task's name: ``inbox``, which no worker reads."""
    letter_id = services.dead_letters.add("inbox.relay", {}, error_type="RetryableError", reason="broker gone")
    replay_dead_letter(services, letter_id)
    assert [name for name, _ in queued_tasks(redis_url, "contacts")] == ["inbox.relay"]
    assert queued_tasks(redis_url, "inbox") == []
