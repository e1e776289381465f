"""The importer: the template every sync follows, as OCA connector's importer does.

lock the records -> read them from the platform (API first) -> map and upsert (dependencies
first, through the same path) -> or archive what the platform no longer has. A per-record lock
closes the race in which two workers create the same record at the same moment.
"""

from __future__ import annotations

from typing import Any

import redis

from shared.entities import EntitySpec
from shared.errors import NotFound
from shared.locks import record_locks
from shared.platform import PlatformClient
from shared.upsert import UpsertEngine, UpsertResult

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
        engine.resolve = self.sync_ids

    def _locked(self, spec: EntitySpec, ids: list[str]) -> Any:
        return record_locks(self.redis, [lock_name(spec, pid) for pid in ids], self.lock_ttl, LOCK_WAIT_SECONDS)

    def sync_one(self, spec: EntitySpec, platform_id: str) -> UpsertResult:
        """Bring one record to its current platform state; a record gone from the platform is archived."""
        with self._locked(spec, [platform_id]):
            try:
                record = self.platform.get(spec.path, platform_id)
            except NotFound:
                return UpsertResult(archived=self.engine.archive(spec, [platform_id]))
            return self.engine.upsert(spec, [record])

    def sync_ids(self, spec: EntitySpec, platform_ids: list[str]) -> None:
        """Resolver for linked records: read each from the platform, upsert them as one batch (one
        Odoo round trip for all of them), under their record locks. One the platform no longer
        has stays missing, and the records that link to it fail with that reason."""
        with self._locked(spec, platform_ids):
            records = []
            for platform_id in platform_ids:
                try:
                    records.append(self.platform.get(spec.path, platform_id))
                except NotFound:
                    continue
            if records:
                self.engine.upsert(spec, records)

    def sync_records(
        self, spec: EntitySpec, records: list[dict[str, Any]], *, check_drift: bool, run_id: int | None
    ) -> UpsertResult:
        """Upsert a page of records already read from the platform."""
        ids = [str(r["id"]) for r in records if isinstance(r, dict) and r.get("id")]
        with self._locked(spec, ids):
            return self.engine.upsert(spec, records, check_drift=check_drift, run_id=run_id)
