"""Which queue a task runs on: the one table that Celery's routes, the receiver's publish, the
relay and ``dlq replay`` all read.

Each entity's tasks (``contacts.sync_one``, ``calls.reconcile``...) run on that entity's queue;
the relay (``inbox.*``) runs on any contacts worker. A task name outside the table is refused
rather than sent to a queue that no worker reads.
"""

from __future__ import annotations

from shared.entities import ENTITIES

RELAY_QUEUE = ENTITIES["contacts"].queue
QUEUE_BY_PREFIX: dict[str, str] = {**{name: spec.queue for name, spec in ENTITIES.items()}, "inbox": RELAY_QUEUE}


def queue_for(task_name: str) -> str:
    prefix = task_name.partition(".")[0]
    try:
        return QUEUE_BY_PREFIX[prefix]
    except KeyError:
        raise ValueError(f"no queue for task {task_name!r}") from None


def celery_routes() -> dict[str, dict[str, str]]:
    """The table as Celery's ``task_routes``."""
    return {f"{prefix}.*": {"queue": queue} for prefix, queue in QUEUE_BY_PREFIX.items()}
