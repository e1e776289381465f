"""The whole system's metrics, computed when Prometheus scrapes the receiver's ``GET /metrics``.

What an on-call person alerts on is already kept somewhere every process shares: the ledger holds
the dead letters, each entity's runs and the inbox; Redis holds what the workers counted
(:mod:`shared.metrics`); the broker holds the queues. Reading them at scrape time gives one
truth whichever receiver process or replica answers, and nothing to keep in step in the workers.
A source that does not answer leaves its metrics out and reports
``voicesync_metrics_source_up{source} 0``, so the scrape itself never fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from shared import consumers, metrics
from shared.ledger.states import BACKLOG
from shared.producer.operations import queue_length
from shared.routing import QUEUE_BY_PREFIX
from shared.services import Services
from shared.timeutil import utc

log = logging.getLogger(__name__)
QUEUES = tuple(dict.fromkeys(QUEUE_BY_PREFIX.values()))

Families = dict[str, Metric]


def _families() -> Families:
    """Fresh, empty families: the one list of what this collector exposes."""
    families: list[Metric] = [
        GaugeMetricFamily("voicesync_dead_letters", "Dead letters waiting for a replay", labels=["entity", "task"]),
        GaugeMetricFamily(
            "voicesync_last_success_timestamp_seconds",
            "When the latest succeeded run of the entity in this mode finished (Unix time)",
            labels=["entity", "mode"],
        ),
        GaugeMetricFamily(
            "voicesync_last_success_duration_seconds",
            "How long the latest succeeded run of the entity in this mode took",
            labels=["entity", "mode"],
        ),
        GaugeMetricFamily(
            "voicesync_inbox_backlog",
            "Accepted webhooks not yet processed (received: waiting for the broker; enqueued: for a worker)",
            labels=["status"],
        ),
        GaugeMetricFamily(
            "voicesync_inbox_oldest_backlog_timestamp_seconds",
            "When the oldest webhook of the backlog was received (Unix time)",
            labels=["status"],
        ),
        CounterMetricFamily(
            "voicesync_api_errors",
            "Errors of the platform and of Odoo met by workers, by class",
            labels=["system", "vendor", "error"],
        ),
        GaugeMetricFamily(
            "voicesync_queue_consumers",
            f"Worker nodes consuming the queue (heard from within {consumers.STALE_SECONDS:.0f} s)",
            labels=["queue"],
        ),
        GaugeMetricFamily("voicesync_queue_length", "Messages waiting on the queue", labels=["queue"]),
        GaugeMetricFamily(
            "voicesync_metrics_source_up", "Whether a source of these metrics answered the scrape", labels=["source"]
        ),
    ]
    return {family.name: family for family in families}


class SystemCollector:
    """A prometheus_client collector over the ledger, Redis and the broker of ``services``."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def describe(self) -> Iterator[Metric]:
        """The families without samples: a registry learns the names without reading any source."""
        return iter(_families().values())

    def collect(self) -> Iterator[Metric]:
        families = _families()
        up = families["voicesync_metrics_source_up"]
        sources: dict[str, Callable[[Families], bool]] = {
            "ledger": self._ledger,
            "redis": self._redis,
            "broker": self._broker,
        }
        for source, fill in sources.items():
            try:
                answered = fill(families)
            except (SQLAlchemyError, RedisError) as exc:
                log.warning("metrics: the %s does not answer (%s)", source, type(exc).__name__)
                answered = False
            up.add_metric([source], 1 if answered else 0)
        return iter(families.values())

    def _ledger(self, families: Families) -> bool:
        services = self.services
        letters = services.dead_letters.count_by_task()
        successes = services.runs.last_successes()
        backlog = services.inbox.backlog()
        for (entity, task), count in sorted(letters.items()):
            families["voicesync_dead_letters"].add_metric([entity, task], count)
        for run in successes:
            if run.finished_at is None:
                continue
            finished, started = utc(run.finished_at).timestamp(), utc(run.started_at).timestamp()
            families["voicesync_last_success_timestamp_seconds"].add_metric([run.entity, run.mode], finished)
            families["voicesync_last_success_duration_seconds"].add_metric([run.entity, run.mode], finished - started)
        for status in BACKLOG:
            count, oldest = backlog.get(status, (0, None))
            families["voicesync_inbox_backlog"].add_metric([status], count)
            if oldest is not None:
                families["voicesync_inbox_oldest_backlog_timestamp_seconds"].add_metric([status], oldest.timestamp())
        return True

    def _redis(self, families: Families) -> bool:
        client = self.services.redis
        errors = metrics.error_counts(client)
        live = consumers.consumers(client, QUEUES)
        for labels, count in sorted(errors.items()):
            families["voicesync_api_errors"].add_metric(list(labels), count)
        for queue, nodes in live.items():
            families["voicesync_queue_consumers"].add_metric([queue], len(nodes))
        return True

    def _broker(self, families: Families) -> bool:
        """Queue lengths; a broker that does not answer is asked once, not once per queue."""
        for queue in QUEUES:
            length = queue_length(queue)
            if length is None:
                return False
            families["voicesync_queue_length"].add_metric([queue], length)
        return True
