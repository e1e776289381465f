"""Operator actions shared by the CLI and the admin API: start a resync, replay dead letters."""

from __future__ import annotations

from typing import Any

from amqp.exceptions import AMQPError
from amqp.exceptions import ChannelError as AmqpChannelError
from kombu.exceptions import ChannelError, KombuError
from redis import RedisError

from shared.connections import broker_trouble
from shared.consumers import consumers
from shared.entities import ENTITIES
from shared.errors import InvalidInput, RetryableError
from shared.ledger.models import SyncRun
from shared.ledger.runs import COUNTERS
from shared.ledger.states import RunStatus
from shared.producer.app import app
from shared.reconcile import choose_mode
from shared.routing import queue_for
from shared.services import Services
from shared.timeutil import iso, parse_instant


def start_resync(services: Services, entity: str, *, full: bool = False, since: str | None = None) -> int:
    """Open a queued run for ``entity`` and enqueue its reconciliation; returns the run id."""
    if entity not in ENTITIES:
        raise InvalidInput(f"unknown entity {entity!r}; one of {', '.join(ENTITIES)}")
    if since is not None:
        try:
            since = iso(parse_instant(since))
        except ValueError:
            raise InvalidInput(f"since is not an ISO 8601 instant: {since!r}") from None
    mode, since = choose_mode(services, entity, full=full, since=since)
    run = services.runs.start(entity, mode, since, status=RunStatus.QUEUED)
    try:
        app.send_task(
            f"{entity}.reconcile",
            kwargs={"full": mode == "full", "since": since, "run_id": run.id},
            queue=queue_for(f"{entity}.reconcile"),
            retry=False,
        )
    except (KombuError, AMQPError, RedisError, OSError) as exc:
        reason = f"the broker did not take the run: {type(exc).__name__}"
        services.runs.finish(run.id, RunStatus.FAILED, reason)  # never a run left queued that nothing will start
        raise RetryableError(f"run {run.id} is marked failed: {broker_trouble(exc, services.settings)}") from None
    return run.id


def replay_dead_letter(services: Services, letter_id: int) -> str:
    """Send a dead letter's task again; the letter leaves the table when that run succeeds."""
    letter = services.dead_letters.get(letter_id)
    if letter is None:
        raise InvalidInput(f"no dead letter {letter_id}")
    result = app.send_task(
        letter.task_name,
        kwargs=letter.task_kwargs,
        headers={"dead_letter_id": letter.id},
        queue=queue_for(letter.task_name),
    )
    return str(result.id)


def queue_length(queue: str) -> int | None:
    """Messages waiting on a queue (Redis and RabbitMQ alike); None when the broker is down.

    A queue the broker does not know holds nothing: Redis keeps no key for an empty queue.
    """
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
            return int(connection.default_channel.queue_declare(queue=queue, passive=True).message_count)
    except (ChannelError, AmqpChannelError):
        return 0
    except (KombuError, AMQPError, RedisError, OSError):
        return None


def reach_broker() -> None:
    """Connect to the broker once, no retries; raises the broker's own error when it does not answer."""
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


def broker_answers() -> bool:
    """Whether the broker accepts a connection now."""
    try:
        reach_broker()
        return True
    except (KombuError, AMQPError, RedisError, OSError):
        return False


def status(services: Services, runs_per_entity: int = 3) -> dict[str, Any]:
    """Per entity: the last runs, the bookmark, bindings, queue length and the workers consuming
    it; the dead letters; and ``broker_error``, the operator's line when the broker does not answer.
    Unknown is None, not zero: queue lengths when the broker does not answer, workers when the
    coordination Redis does not (:mod:`shared.consumers`)."""
    try:
        reach_broker()
        broker_error = None
    except (KombuError, AMQPError, RedisError, OSError) as exc:
        broker_error = broker_trouble(exc, services.settings)
    try:
        by_queue: dict[str, list[str]] | None = consumers(services.redis, (spec.queue for spec in ENTITIES.values()))
    except RedisError:
        by_queue = None
    entities = {}
    for name, spec in ENTITIES.items():
        entities[name] = {
            "runs": [run_summary(run) for run in services.runs.recent(name, runs_per_entity)],
            "bookmark": services.runs.bookmark(name),
            "bindings": services.binder.count(name),
            "queue_length": None if broker_error is not None else queue_length(spec.queue),
            "workers": None if by_queue is None else by_queue[spec.queue],
            "ambiguous": [
                {"platform_id": row.platform_id, "partner_ids": row.partner_ids, "by": row.by}
                for row in services.binder.ambiguous(name).values()
            ],
        }
    return {"entities": entities, "dead_letters": services.dead_letters.count(), "broker_error": broker_error}


def run_summary(run: SyncRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "mode": run.mode,
        "status": run.status,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at) if run.finished_at else None,
        "pages": [run.pages_done, run.pages_total],
        "records_total": run.records_total,
        **{name: getattr(run, name) for name in COUNTERS},
        "error": run.error,
    }
