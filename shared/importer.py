"""The importer: the template every sync follows, as OCA connector's importer does.

lock the records -> read them from the platform (API first) -> map and upsert (dependencies
first, through the same path) -> or archive what the platform no longer has. A per-record lock
closes the race in which two workers create the same record at the same moment.
"""

from __future__ import annotations

from typing import Any

import redis

from shared.entities import EntitySpec
from shared.errors import DataError, NotFound
from shared.locks import record_locks
from shared.platform import PlatformClient
from shared.upsert import Failure, UpsertEngine, UpsertResult

LOCK_WAIT_SECONDS = 30.0


def lock_name(spec: EntitySpec, platform_id: str) -> str:
    return f"record:{spec.name}:{platform_id}"


class Importer:
    def __init__(
        self, platform: PlatformClient, engine: UpsertEngine, redis_client: redis.Redis, lock_ttl: float
    ) -> None:
        self.platform = platform
        self.engine = engine
        self.redis = redis_client
        self.lock_ttl = lock_ttl
        engine.resolve = self._resolve

    def _locked(self, spec: EntitySpec, ids: list[str]) -> Any:
        return record_locks(self.redis, [lock_name(spec, pid) for pid in ids], self.lock_ttl, LOCK_WAIT_SECONDS)

    def sync_many(self, spec: EntitySpec, platform_ids: list[str], *, archive_missing: bool = True) -> UpsertResult:
        """Bring records to their current platform state as one batch (one Odoo round trip for all of
        them), under their record locks. A record gone from the platform is archived; when linked
        records are being resolved (``archive_missing=False``) it stays missing instead, and the
        records that link to it fail with that reason."""
        ids = list(dict.fromkeys(platform_ids))
        with self._locked(spec, ids):
            records, gone, refused = [], [], []
            for platform_id in ids:
                try:
                    records.append(self.platform.get(spec.path, platform_id))
                except NotFound:
                    gone.append(platform_id)
                except DataError as exc:  # this record's own failure: the others go on
                    refused.append(Failure(platform_id, type(exc).__name__, str(exc)))
            result = self.engine.upsert(spec, records) if records else UpsertResult()
            result.failures.extend(refused)
            if gone and archive_missing:
                result.archived += self.engine.archive(spec, gone)
            return result

    def _resolve(self, spec: EntitySpec, platform_ids: list[str]) -> None:
        self.sync_many(spec, platform_ids, archive_missing=False)

    def sync_records(
        self, spec: EntitySpec, records: list[dict[str, Any]], *, check_drift: bool, run_id: int | None
    ) -> UpsertResult:
        """Upsert a page of records already read from the platform."""
        ids = [str(r["id"]) for r in records if isinstance(r, dict) and r.get("id")]
        with self._locked(spec, ids):
            return self.engine.upsert(spec, records, check_drift=check_drift, run_id=run_id)
