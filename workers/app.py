"""The Celery application as worker processes run it: ``celery -A workers worker -Q contacts``.

The app object itself lives in the producer room (:mod:`shared.producer.app`), so that the
receiver can send tasks without importing ``workers/``.
"""

import sys
from typing import Any

from celery.signals import celeryd_init, heartbeat_sent, setup_logging, worker_init, worker_shutdown

from shared import consumers, errors, logs, metrics, odoo, platforms
from shared.connections import redis_client
from shared.errors import ConfigError
from shared.settings import get_settings

try:  # refused here, in one line, before a worker, beat or Flower starts
    get_settings()
except ConfigError as exc:
    sys.exit(f"voicesync: {exc}")

from shared.producer.app import app  # its configuration reads the settings checked above

__all__ = ["app"]


@celeryd_init.connect
def _refuse_a_worker_without_its_credentials(**_kwargs: object) -> None:
    """A worker reads the platform and writes to Odoo for every task: without the platform's URL
    and key, or Odoo's key, each task would fail."""
    try:
        platforms.reading(get_settings())
        odoo.writing(get_settings())
    except ConfigError as exc:
        sys.exit(f"voicesync worker: {exc}")


@setup_logging.connect
def _json_logs(**_kwargs: object) -> None:
    """Workers and beat log JSON lines (``VOICESYNC_LOG_FORMAT``) instead of Celery's own format."""
    logs.configure(get_settings())


def _count_error(error: errors.ApiError) -> None:
    settings = get_settings()
    metrics.count_error(redis_client(settings), error, settings.voice_platform)


@worker_init.connect
def _count_outside_errors(**_kwargs: object) -> None:
    """Every platform and Odoo error a worker meets is counted (:mod:`shared.metrics`); set before
    the pool forks, so that each of its processes counts."""
    errors.observe(_count_error)


@heartbeat_sent.connect
def _report_consuming(sender: Any, **_kwargs: object) -> None:
    """Celery's worker heartbeat (every 2 s) also says which queues this node consumes."""
    consumers.heard_from(redis_client(get_settings()), sender.eventer.hostname, app.amqp.queues.consume_from)


@worker_shutdown.connect
def _report_stopped(sender: Any, **_kwargs: object) -> None:
    """A node that stops gracefully stops counting at once. Sent after the consumer stopped, so
    after the last heartbeat (Celery's "worker-offline" one also fires :func:`_report_consuming`)."""
    consumers.gone(redis_client(get_settings()), sender.hostname, app.amqp.queues.consume_from)
