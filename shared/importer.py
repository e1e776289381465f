"""The importer: the template every sync follows, as OCA connector's importer does.

lock the records -> read them from the platform (API first) -> bring the records they link to
into Odoo first (those they carry, then those read by id) -> map and upsert -> or archive what the
platform no longer has. A per-record lock closes the race in which two workers create the same
record at the same moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import redis

from shared.entities import ENTITIES, EntitySpec
from shared.errors import DataError, NotFound, RetryableError
from shared.locks import record_locks
from shared.pagination import Record
from shared.platforms.base import Platform
from shared.upsert import Failure, Prepared, UpsertEngine, UpsertResult

LOCK_WAIT_SECONDS = 30.0


def lock_name(spec: EntitySpec, platform_id: str) -> str:
    return f"record:{spec.name}:{platform_id}"


def _ids(records: Iterable[Any]) -> list[str]:
    return [str(r["id"]) for r in records if isinstance(r, dict) and r.get("id")]


class Importer:
    def __init__(self, platform: Platform, engine: UpsertEngine, redis_client: redis.Redis, lock_ttl: float) -> None:
        self.platform = platform
        self.engine = engine
        self.redis = redis_client
        self.lock_ttl = lock_ttl

    def _locked(self, ids: dict[str, list[str]]) -> Any:
        names = [lock_name(ENTITIES[entity], pid) for entity, pids in ids.items() for pid in pids]
        return record_locks(self.redis, names, self.lock_ttl, LOCK_WAIT_SECONDS)

    def sync_many(self, spec: EntitySpec, platform_ids: list[str], *, archive_missing: bool = True) -> UpsertResult:
        """Bring records to their current platform state as one batch (one Odoo round trip for all of
        them), under their record locks. A record gone from the platform is archived; when linked
        records are being resolved (``archive_missing=False``) it stays missing instead, and the
        records that link to it fail with that reason."""
        ids = list(dict.fromkeys(platform_ids))
        with self._locked({spec.name: ids}):
            records: list[Record] = []
            related: dict[str, list[Record]] = {}
            gone, refused, deferred = [], [], {}
            for platform_id in ids:
                try:
                    normalized = self.platform.get(spec.name, platform_id)
                except NotFound:
                    gone.append(platform_id)
                    continue
                except DataError as exc:  # this record's own failure: the others go on
                    refused.append(Failure(platform_id, type(exc).__name__, str(exc)))
                    continue
                except RecursionError:
                    refused.append(Failure(platform_id, "DataError", "the record is nested too deeply to read"))
                    continue
                except RetryableError as exc:  # this record's read may work later: the others go on now
                    deferred[platform_id] = exc
                    continue
                records.append(normalized.record)
                for entity, rows in normalized.related.items():
                    related.setdefault(entity, []).extend(rows)
            result = self._upsert(spec, records, related) if records else UpsertResult()
            result.failures.extend(refused)
            result.deferred.update(deferred)
            if gone and archive_missing:
                result.archived += self.engine.archive(spec, gone)
            return result

    def sync_records(self, spec: EntitySpec, records: list[Record], **options: Any) -> UpsertResult:
        """Upsert a page of records already read from the platform (and the records they carry);
        ``options`` are :meth:`preparing`'s."""
        with self.preparing(spec, records, **options) as prepared:
            return self.engine.commit(prepared)

    @contextmanager
    def preparing(
        self,
        spec: EntitySpec,
        records: list[Record],
        *,
        related: dict[str, list[Record]] | None = None,
        check_drift: bool = False,
        run_id: int | None = None,
    ) -> Iterator[Prepared]:
        """A page made ready to write, under its records' locks until the block ends: the write
        (:meth:`UpsertEngine.commit`) belongs inside it, on this thread or another."""
        with self._locked({spec.name: _ids(records)}):
            yield self._prepare(spec, records, related or {}, check_drift=check_drift, run_id=run_id)

    def _upsert(self, spec: EntitySpec, records: list[Record], related: dict[str, list[Record]]) -> UpsertResult:
        return self.engine.commit(self._prepare(spec, records, related))

    def _prepare(
        self, spec: EntitySpec, records: list[Record], related: dict[str, list[Record]], **options: Any
    ) -> Prepared:
        """The records they carry first, under their own locks; then those they link to by id and
        voicesync has not bound yet; then the records themselves, prepared."""
        people = UpsertResult()
        for entity, rows in related.items():
            if rows and entity != spec.name:
                with self._locked({entity: _ids(rows)}):
                    carried = self.engine.upsert(ENTITIES[entity], rows)
                people.matched += carried.matched
                people.ambiguous += carried.ambiguous
        for entity, ids in self._unbound_links(spec, records, related).items():
            linked = self.sync_many(ENTITIES[entity], ids, archive_missing=False)
            if linked.deferred:  # a linked record that may be read later: the whole batch waits for it
                raise next(iter(linked.deferred.values()))
        prepared = self.engine.prepare(spec, records, **options)
        prepared.result.matched += people.matched  # the run says how its people were matched
        prepared.result.ambiguous += people.ambiguous
        return prepared

    def _unbound_links(
        self, spec: EntitySpec, records: list[Record], related: dict[str, list[Record]]
    ) -> dict[str, list[str]]:
        """Linked ids, by entity, that neither the ledger nor the records' own cargo accounts for."""
        wanted: dict[str, set[str]] = {}
        for key, entity in spec.mapper.references.values():
            if entity in self.platform.capabilities.derived:
                continue  # carried by the records themselves, never read by id
            carried = set(_ids(related.get(entity, [])))
            linked = {str(r[key]) for r in records if isinstance(r, dict) and r.get(key)} - carried
            if linked:
                wanted.setdefault(entity, set()).update(linked)
        missing = {}
        for entity, ids in wanted.items():
            absent = sorted(ids - set(self.engine.binder.get_many(entity, ids)))
            if absent:
                missing[entity] = absent
        return missing
