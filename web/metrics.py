"""Prometheus metrics (``GET /metrics``): the receiver's own, and the whole system's.

The receiver counts what it answers; :class:`~web.system_metrics.SystemCollector` adds, at each
scrape, what the ledger, Redis and the broker say about the workers. Under gunicorn with several
workers, set ``PROMETHEUS_MULTIPROC_DIR`` (the compose file does) and the endpoint aggregates
every worker process's counters.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from web.system_metrics import SystemCollector

blueprint = Blueprint("metrics", __name__)

RECEIVED = Counter("voicesync_webhooks_received_total", "Webhooks received", ["source"])
REJECTED = Counter("voicesync_webhooks_rejected_total", "Webhooks rejected", ["source", "reason"])
DUPLICATES = Counter("voicesync_webhooks_duplicate_total", "Repeated deliveries answered 200", ["source"])
ENQUEUE_FAILURES = Counter("voicesync_enqueue_failures_total", "Inbox rows the broker did not take")
RESPONSES = Counter("voicesync_http_responses_total", "Answers of the receiver", ["handler", "code"])
LATENCY = Histogram(
    "voicesync_webhook_answer_seconds",
    "Time to answer a webhook",
    ["source"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)


@blueprint.after_app_request
def count_response(response: Response) -> Response:
    """Every answer by route (its pattern, never the path: the Odoo hook's token stays out) and code;
    Flask runs this for answers to unhandled errors too, so a 500 is counted."""
    handler = request.url_rule.rule if request.url_rule is not None else "unmatched"
    RESPONSES.labels(handler, str(response.status_code)).inc()
    return response


@blueprint.get("/metrics")
def metrics() -> Response:
    services = current_app.extensions["voicesync"]
    registry = CollectorRegistry()
    if services.settings.prometheus_multiproc_dir:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    registry.register(SystemCollector(services))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
