"""Prometheus metrics of the receiver (``GET /metrics``).

Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (the compose file does) and
the endpoint aggregates every worker process's counters.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

blueprint = Blueprint("metrics", __name__)

RECEIVED = Counter("voicesync_webhooks_received_total", "Webhooks received", ["source"])
REJECTED = Counter("voicesync_webhooks_rejected_total", "Webhooks rejected", ["source", "reason"])
DUPLICATES = Counter("voicesync_webhooks_duplicate_total", "Repeated deliveries answered 200", ["source"])
ENQUEUE_FAILURES = Counter("voicesync_enqueue_failures_total", "Inbox rows the broker did not take")
LATENCY = Histogram(
    "voicesync_webhook_answer_seconds",
    "Time to answer a webhook",
    ["source"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
INBOX_PENDING = Gauge("voicesync_inbox_pending", "Inbox rows not yet handed to the broker", multiprocess_mode="livemax")


@blueprint.get("/metrics")
def metrics() -> Response:
    services = current_app.extensions["voicesync"]
    INBOX_PENDING.set(services.inbox.pending_count())
    if services.settings.prometheus_multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
