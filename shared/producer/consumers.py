"""Who consumes which queue, asked of the workers themselves: the one answer that ``voicesync
check``, ``status`` and ``resync --wait`` give.

A queue nobody consumes takes work and never does it: a run sits at ``queued`` for as long as
one waits. The workers are asked over the broker (Celery's ``inspect().active_queues()``), so
the answer holds on Redis and RabbitMQ alike; a broker that does not answer raises its own
error, which :mod:`cli.failures` turns into the operator's line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shared.producer.app import app

REPLY_SECONDS = 1.0
"""How long the workers have to answer: Celery's own ``celery inspect`` default."""


def consumers(timeout: float = REPLY_SECONDS) -> dict[str, list[str]]:
    """Queue name -> the worker nodes consuming it now (a queue nobody consumes is absent).

    Raises the broker's ``OperationalError`` when it does not answer."""
    replies = app.control.inspect(timeout=timeout).active_queues() or {}
    by_queue: dict[str, list[str]] = {}
    for node, queues in sorted(replies.items()):
        for queue in queues:
            by_queue.setdefault(queue["name"], []).append(node)
    return by_queue


def start_command(queue: str) -> str:
    """How an operator starts a worker for ``queue``, as the README and the compose file do."""
    return f"celery -A workers worker -Q {queue} -n {queue}@%h"


def no_worker(queue: str) -> str:
    return f"no worker consumes the {queue} queue: start one with `{start_command(queue)}`"


def unconsumed(queues: Iterable[str], by_queue: Mapping[str, list[str]]) -> list[str]:
    """Those of ``queues`` no worker consumes, in order, once each."""
    return [queue for queue in dict.fromkeys(queues) if not by_queue.get(queue)]
