"""Which nodes consume which queue (:mod:`shared.consumers`), on the test run's own Redis."""

from __future__ import annotations

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from shared import consumers
from shared.ports import free_port

QUEUES = ("contacts", "campaigns", "calls")


def test_a_node_counts_until_it_goes_quiet_or_says_it_stopped(redis_client: redis.Redis) -> None:
    consumers.heard_from(redis_client, "contacts@a", ["contacts"], now=1000.0)
    consumers.heard_from(redis_client, "contacts@b", ["contacts", "calls"], now=1005.0)
    assert consumers.consumers(redis_client, QUEUES, now=1006.0) == {
        "contacts": ["contacts@a", "contacts@b"], "campaigns": [], "calls": ["contacts@b"],
    }  # fmt: skip
    quiet_a = 1000.0 + consumers.STALE_SECONDS + 1
    assert consumers.consumers(redis_client, QUEUES, now=quiet_a) == {
        "contacts": ["contacts@b"], "campaigns": [], "calls": ["contacts@b"],
    }  # fmt: skip
    consumers.heard_from(redis_client, "contacts@a", ["contacts"], now=quiet_a)  # back again
    assert consumers.consumers(redis_client, ["contacts"], now=quiet_a) == {"contacts": ["contacts@a", "contacts@b"]}
    consumers.gone(redis_client, "contacts@b", ["contacts", "calls"])  # a graceful stop: at once, not after the window
    stopped_b = consumers.consumers(redis_client, QUEUES, now=quiet_a)
    assert stopped_b == {"contacts": ["contacts@a"], "campaigns": [], "calls": []}


def test_a_heartbeat_clears_the_nodes_gone_quiet(redis_client: redis.Redis) -> None:
    """Nodes killed long ago (a container's name is new each time) do not pile up in Redis."""
    consumers.heard_from(redis_client, "contacts@old", ["contacts"], now=1000.0)
    consumers.heard_from(redis_client, "contacts@new", ["contacts"], now=1000.0 + consumers.STALE_SECONDS + 1)
    assert redis_client.zrange(consumers.KEY.format(queue="contacts"), 0, -1) == [b"contacts@new"]


def test_the_queues_nobody_consumes_and_what_to_start() -> None:
    assert consumers.unconsumed({"contacts": ["contacts@a"], "campaigns": [], "calls": []}) == ["campaigns", "calls"]
    assert consumers.no_worker("calls") == (
        "no worker consumes the calls queue: start one with `celery -A workers worker -Q calls -n calls@%h`"
    )


def test_a_redis_that_does_not_answer_costs_a_worker_nothing_and_a_reader_its_answer() -> None:
    gone = redis.Redis(host="127.0.0.1", port=free_port(), retry=Retry(NoBackoff(), 0))
    consumers.heard_from(gone, "contacts@host", ["contacts"])  # no exception: the worker works on
    consumers.gone(gone, "contacts@host", ["contacts"])
    with pytest.raises(redis.ConnectionError):
        consumers.consumers(gone, QUEUES)
