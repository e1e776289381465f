"""The platform sandbox's records and every change to them, thread-safe.

Records are never mutated once stored: a change stores a new dict. A reader can therefore take
references under the lock and serialise them after releasing it. Each entity keeps its live ids in
a sorted list, so an unfiltered page is a slice; an ``updated_since`` filter scans once and the
result is cached until that entity changes.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sandbox.platform.clock import Clock
from sandbox.platform.data import Generator
from sandbox.platform.schema import (
    DELETABLE,
    FIELDS,
    REFERENCES,
    SINGULAR,
    UNIQUE,
    NotFoundError,
    ValidationError,
    check_complete,
    check_entity,
    clean,
    record_id,
)

Record = dict[str, Any]
_FILTER_CACHE_SIZE = 32


class Change(NamedTuple):
    """What a change did: the webhook type (``contact.updated``) and the record after it (before it,
    for a deletion)."""

    type: str
    record: Record


class Page(NamedTuple):
    records: list[Record]
    next_page: int | None
    total: int


@dataclass
class _Table:
    rows: dict[str, Record]
    ids: list[str]
    next_number: int
    unique: dict[str, dict[Any, str]]
    version: int = 0
    filtered: OrderedDict[tuple[str, int], list[str]] = field(default_factory=OrderedDict)


class Store:
    """Live records by entity; ``generator`` fills in what a control-made record leaves out."""

    def __init__(self, data: Mapping[str, list[Record]], clock: Clock, generator: Generator) -> None:
        self._clock = clock
        self._generator = generator
        self._lock = threading.RLock()
        self._tables = {entity: self._table(entity, data.get(entity, [])) for entity in FIELDS}

    @staticmethod
    def _table(entity: str, rows: list[Record]) -> _Table:
        ids = sorted(row["id"] for row in rows)
        unique = {name: {row[name]: row["id"] for row in rows if row[name] is not None} for name in UNIQUE[entity]}
        return _Table({row["id"]: row for row in rows}, ids, len(rows) + 1, unique)

    def _get_table(self, entity: str) -> _Table:
        return self._tables[check_entity(entity)]

    def _row(self, table: _Table, entity: str, id_: str) -> Record:
        row = table.rows.get(id_)
        if row is None:
            raise NotFoundError(f"no {SINGULAR[entity]} {id_}")
        return row

    def records(self, entity: str) -> list[Record]:
        """Copies of the live records in id order."""
        with self._lock:
            table = self._get_table(entity)
            return [dict(table.rows[id_]) for id_ in table.ids]

    def get(self, entity: str, id_: str) -> Record | None:
        with self._lock:
            row = self._get_table(entity).rows.get(id_)
        return None if row is None else dict(row)

    def page(self, entity: str, page: int, per_page: int, since: str | None = None) -> Page:
        """One page (1-based) of the live records in id order, those with ``updated_at >= since``
        when ``since`` (canonical form) is given. The records are shared: do not mutate them."""
        with self._lock:
            table = self._get_table(entity)
            ids = table.ids if since is None else self._since(table, since)
            start = (page - 1) * per_page
            records = [table.rows[id_] for id_ in ids[start : start + per_page]]
            more = start + per_page < len(ids)
            return Page(records, page + 1 if more else None, len(ids))

    @staticmethod
    def _since(table: _Table, since: str) -> list[str]:
        key = (since, table.version)
        ids = table.filtered.get(key)
        if ids is None:
            ids = [id_ for id_ in table.ids if table.rows[id_]["updated_at"] >= since]
            table.filtered[key] = ids
            if len(table.filtered) > _FILTER_CACHE_SIZE:
                table.filtered.popitem(last=False)
        return ids

    def create(self, entity: str, values: Mapping[str, Any], fill: bool = False) -> Change:
        """Store a new record; with ``fill`` generated values stand in for the fields not given
        (a control-made call is queued, of a random contact), else they are null."""
        with self._lock:
            table = self._get_table(entity)
            number = table.next_number
            given = clean(entity, values)
            filled = self._generated(entity, number) if fill else {}
            stamp = self._clock.stamp()
            record = {
                "id": record_id(entity, number),
                **dict.fromkeys(FIELDS[entity]),
                **filled,
                **given,
                "created_at": stamp,
                "updated_at": stamp,
            }
            self._check(entity, table, record, record.keys())
            table.next_number += 1
            table.ids.append(record["id"])  # numbers only grow, so the list stays sorted
            self._store(table, None, record)
            return Change(f"{SINGULAR[entity]}.created", dict(record))

    def _generated(self, entity: str, number: int) -> Record:
        if entity == "contacts":
            return self._generator.contact(number)
        if entity == "campaigns":
            return self._generator.campaign(number)
        contacts, campaigns = self._tables["contacts"].ids, self._tables["campaigns"].ids
        return self._generator.call(number, contacts, campaigns, status="queued")

    def update(self, entity: str, id_: str, changes: Mapping[str, Any], verb: str = "updated") -> Change:
        """Apply ``changes``; ``updated_at`` moves forward even when nothing else differs."""
        with self._lock:
            table = self._get_table(entity)
            old = self._row(table, entity, id_)
            cleaned = clean(entity, changes)
            record = {**old, **cleaned, "updated_at": self._clock.stamp(after=old["updated_at"])}
            self._check(entity, table, record, cleaned.keys())
            self._store(table, old, record)
            return Change(f"{SINGULAR[entity]}.{verb}", dict(record))

    def complete_call(self, id_: str, changes: Mapping[str, Any] | None = None) -> Change:
        """Mark a call completed; one that never started is taken to start now."""
        with self._lock:
            call = self._row(self._tables["calls"], "calls", id_)
            start = {} if call["started_at"] else {"started_at": self._clock.stamp()}
            changes = {"status": "completed", **start, **(changes or {})}
            return self.update("calls", id_, changes, verb="completed")

    def delete(self, entity: str, id_: str) -> Change:
        if check_entity(entity) not in DELETABLE:
            raise ValueError(f"{entity} cannot be deleted")
        with self._lock:
            table = self._tables[entity]
            old = self._row(table, entity, id_)
            del table.rows[id_]
            del table.ids[bisect.bisect_left(table.ids, id_)]
            for name, index in table.unique.items():
                index.pop(old[name], None)
            table.version += 1
            return Change(f"{SINGULAR[entity]}.deleted", dict(old))

    def _check(self, entity: str, table: _Table, record: Record, changed: Iterable[str]) -> None:
        """Required and unique fields of a record about to be stored, and its ``changed`` references
        (a call keeps pointing at a contact deleted since, as on the real platform)."""
        check_complete(entity, record)
        errors = {}
        for name, index in table.unique.items():
            owner = index.get(record[name])
            if owner is not None and owner != record["id"]:
                errors[name] = f"is already used by {owner}"
        for name in changed:
            target = REFERENCES[entity].get(name)
            value = record[name]
            if target and value is not None and value not in self._tables[target].rows:
                errors[name] = f"no {SINGULAR[target]} {value}"
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _store(table: _Table, old: Record | None, record: Record) -> None:
        for name, index in table.unique.items():
            if old is not None:
                index.pop(old[name], None)
            if record[name] is not None:
                index[record[name]] = record["id"]
        table.rows[record["id"]] = record
        table.version += 1
