"""What only worker processes see, kept in Redis for Prometheus: the outside errors they meet.

Why Redis: Celery workers are prefork processes, several per container and several containers
per queue, each started and ended on its own. An HTTP exporter per process, or prometheus_client's
multiprocess folder per container, would need a port or a shared folder per worker and a scrape
target per replica. Here each worker instead does one cheap Redis command per fact, in the
coordination Redis every process already uses, and the receiver's ``GET /metrics``
(:mod:`web.system_metrics`) reads them back at scrape time beside what the ledger holds (dead
letters, runs, the inbox): one scrape target for the whole system, no state in any worker.

- Each error :mod:`shared.errors` classifies in a worker (platform or Odoo) is one ``HINCRBY`` on one
  hash, by system, vendor and class. The counts outlive worker restarts; a Redis that loses its data
  resets them, which ``rate()`` and ``increase()`` read as a counter reset.
- Which nodes consume which queue is kept the same way, by :mod:`shared.consumers`.
"""

from __future__ import annotations

import logging

import redis
from redis.exceptions import RedisError

from shared.errors import ApiError

log = logging.getLogger(__name__)
ERRORS_KEY = "voicesync:metrics:api_errors"
_SEPARATOR = "|"


def count_error(client: redis.Redis, error: ApiError, platform: str) -> None:
    """Count one classified error of ``error.system`` (the platform's labelled with its vendor).
    A Redis that does not answer loses the count, never the work."""
    vendor = platform if error.system == "platform" else error.system
    field = _SEPARATOR.join((error.system or "unknown", vendor or "unknown", type(error).__name__))
    try:
        client.hincrby(ERRORS_KEY, field, 1)
    except RedisError as exc:
        log.debug("error not counted: %s", type(exc).__name__)


def error_counts(client: redis.Redis) -> dict[tuple[str, str, str], int]:
    """``{(system, vendor, error class): count}`` since the counts began."""
    counts: dict[tuple[str, str, str], int] = {}
    for field, value in client.hgetall(ERRORS_KEY).items():
        system, vendor, error = field.decode().split(_SEPARATOR)
        counts[(system, vendor, error)] = int(value)
    return counts
