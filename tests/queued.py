"""What waits on a Redis broker's queue, read the way a worker would take it."""

from __future__ import annotations

import base64
import json
from typing import Any

import redis


def queued_tasks(redis_url: str, queue: str) -> list[tuple[str, dict[str, Any]]]:
    """``(task name, kwargs)`` of every message waiting on ``queue``, in the order a worker takes them
    (kombu's Redis envelope; messages are pushed on the left and taken from the right)."""
    client = redis.Redis.from_url(redis_url)
    messages = [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]
    client.close()
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[1]) for m in messages]


def queued_records(redis_url: str, queue: str) -> list[str]:
    """The platform ids that the ``sync_many`` tasks waiting on ``queue`` will sync."""
    return [pid for _, kwargs in queued_tasks(redis_url, queue) for pid in kwargs.get("platform_ids", [])]
