"""What workers keep in Redis for Prometheus (:mod:`shared.metrics`), on the test run's own Redis."""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from shared import errors, metrics
from shared.ports import free_port


def test_errors_are_counted_by_system_vendor_and_class(redis_client: redis.Redis) -> None:
    for error in (
        errors.error_for_status(401, "no", system="platform"),
        errors.error_for_status(429, "slow", system="platform"),
        errors.error_for_status(429, "slow", system="platform"),
        errors.error_for_odoo("odoo.exceptions.ValidationError", "bad"),
    ):
        metrics.count_error(redis_client, error, "vapi")
    assert metrics.error_counts(redis_client) == {
        ("platform", "vapi", "AuthError"): 1,
        ("platform", "vapi", "RateLimited"): 2,
        ("odoo", "odoo", "InvalidRequest"): 1,
    }


def test_a_redis_that_does_not_answer_loses_the_count_not_the_work() -> None:
    gone = redis.Redis(host="127.0.0.1", port=free_port(), retry=Retry(NoBackoff(), 0))
    metrics.count_error(gone, errors.error_for_status(500, "x", system="odoo"), "generic")  # no exception
