"""Which worker nodes consume which queue: the one answer ``voicesync check``, ``status``,
``resync --wait`` and the ``voicesync_queue_consumers`` gauge give.

A queue nobody consumes takes work and never does it: a run sits at ``queued`` for as long as one
waits. Each worker node says which queues it consumes on Celery's worker heartbeat (every 2 s, sent
whether or not ``-E`` is given; only ``--without-heartbeat`` stops it) by stamping itself in a
sorted set per queue in the coordination Redis (:func:`shared.connections.redis_client`: the
broker's Redis, ``REDIS_URL`` or the embedded one, so every process finds the same one with Redis
and RabbitMQ brokers alike). A graceful stop removes the node's stamps at once; a node killed hard
no longer counts once it has missed :data:`STALE_SECONDS` of heartbeats.

Why not ask the workers over the broker (``inspect().active_queues()``): that is a broadcast and a
wait of a whole reply timeout for every question, too heavy for every Prometheus scrape; a read of
a few sorted sets answers at once, the same for every caller.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
KEY = "voicesync:consumers:{queue}"
STALE_SECONDS = 10.0
"""Five missed heartbeats: a node silent this long is gone (killed, or cut off from the broker)."""


def heard_from(client: redis.Redis, node: str, queues: Iterable[str], now: float | None = None) -> None:
    """A worker node is alive and consuming ``queues``; nodes gone quiet leave the sets here.
    A Redis that does not answer loses the stamp, never the worker's work."""
    stamp = time.time() if now is None else now
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.zadd(KEY.format(queue=queue), {node: stamp})
        pipe.zremrangebyscore(KEY.format(queue=queue), "-inf", f"({stamp - STALE_SECONDS}")
    _send(pipe, "heartbeat not recorded")


def gone(client: redis.Redis, node: str, queues: Iterable[str]) -> None:
    """A worker node stopped consuming ``queues`` (a graceful shutdown)."""
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.zrem(KEY.format(queue=queue), node)
    _send(pipe, "shutdown not recorded")


def _send(pipe: redis.client.Pipeline, lost: str) -> None:
    try:
        pipe.execute()
    except RedisError as exc:
        log.debug("%s: %s", lost, type(exc).__name__)


def consumers(client: redis.Redis, queues: Iterable[str], now: float | None = None) -> dict[str, list[str]]:
    """Each of ``queues`` -> the worker nodes heard from within :data:`STALE_SECONDS`, sorted (empty:
    nobody consumes it). Raises the ``RedisError`` of a Redis that does not answer."""
    names = list(dict.fromkeys(queues))
    cutoff = (time.time() if now is None else now) - STALE_SECONDS
    pipe = client.pipeline(transaction=False)
    for queue in names:
        pipe.zrangebyscore(KEY.format(queue=queue), cutoff, "+inf")
    answers = pipe.execute()
    return {queue: sorted(node.decode() for node in nodes) for queue, nodes in zip(names, answers, strict=True)}


def no_worker(queue: str) -> str:
    """What to do about ``queue``: start a worker as the README and the compose file do."""
    return f"no worker consumes the {queue} queue: start one with `celery -A workers worker -Q {queue} -n {queue}@%h`"


def unconsumed(by_queue: Mapping[str, list[str]]) -> list[str]:
    """The queues of a :func:`consumers` answer that no worker consumes, in order."""
    return [queue for queue, nodes in by_queue.items() if not nodes]
