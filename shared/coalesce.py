"""Pending syncs of one record coalesce: only the newest queued task for a record reads it.

A burst of updates to one record is as many webhooks and tasks, and each task read the record from
the platform, although only its latest state matters. Before the receiver sends a ``sync_many``,
it notes in Redis, per record, that this task is now the newest to sync it (one pipelined round
trip per send; noted before the send, so no task can start ahead of its note). A task that finds a
newer one noted leaves the record to it: that task is queued behind it and reads the platform
later, so it sees this change too. Notes expire with the broker's visibility timeout. When Redis
does not answer, nothing is noted or skipped, and every task reads, as before.
"""

from __future__ import annotations

import logging

import redis

log = logging.getLogger(__name__)
PREFIX = "voicesync:newest"


def _key(entity: str, platform_id: str) -> str:
    return f"{PREFIX}:{entity}:{platform_id}"


def note_newest(client: redis.Redis, entity: str, platform_ids: list[str], task_id: str, ttl: float) -> None:
    try:
        with client.pipeline(transaction=False) as pipe:
            for platform_id in platform_ids:
                pipe.set(_key(entity, platform_id), task_id, ex=max(1, int(ttl)))
            pipe.execute()
    except redis.RedisError as exc:
        log.warning("could not note the newest syncs (%s): this burst is not coalesced", type(exc).__name__)


def superseded(client: redis.Redis, entity: str, platform_ids: list[str], task_id: str) -> set[str]:
    """The ids among ``platform_ids`` that a newer queued task will sync."""
    if not platform_ids:
        return set()
    try:
        newest = client.mget([_key(entity, platform_id) for platform_id in platform_ids])
    except redis.RedisError:
        return set()
    return {
        platform_id
        for platform_id, owner in zip(platform_ids, newest, strict=True)
        if owner is not None and owner.decode() != task_id
    }
