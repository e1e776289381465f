"""The one upsert engine: every entity's records reach Odoo through it, driven by their mapper.

Per batch of platform records it makes at most:

1. one ``ir.model.data`` search for the records voicesync has no binding for (found: update;
   not found: create), only while Odoo may hold voicesync ids the ledger does not know, and for
   contacts still to create, every few seconds one ``res.partner`` read of the partners written
   since (to find the one Odoo already has, by phone then email, in the process's
   :class:`~shared.matching.PartnerIndex`) and one ``ir.model.data`` create binding the ones found,
2. in a full run, one ``search_read`` of the bound records to find hand edits (drift),
3. for records Odoo's people made (a partner voicesync matched, or one pushed from Odoo), one
   ``search_read`` of what they hold now: voicesync fills their empty fields and writes nothing
   else, and writes nothing at all to the partner of an Odoo user,
4. one ``load`` that creates the missing records with their external ids and updates the changed
   ones, atomically, in a single round trip (Odoo's own import path; updates of a model whose
   changes are tracked on its chatter go in a load of their own, with tracking on),
5. what follows a page's write for its entity (:class:`AfterWrite`: for calls, one ``load`` of
   their notes on their contacts' chatter, :mod:`shared.call_notes`, and where CRM is installed
   their links, leads and callbacks in the pipeline, :mod:`shared.call_pipeline`),

and nothing at all for records whose mapped content hash is unchanged. A record older than what
voicesync last wrote is skipped (never backwards).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from shared.entities import ENTITIES, EntitySpec, ref_xmlid
from shared.errors import DataError, InvalidRequest, RetryableError
from shared.ledger.bindings import ODOO, PLATFORM, Binder, BindingRow
from shared.ledger.models import Binding
from shared.mappers.base import XMLID_MODULE, Ref, content_hash
from shared.matching import Candidate, PartnerMatcher
from shared.odoo import TRACKED_CONTEXT, OdooClient
from shared.timeutil import parse_instant

ALL_KNOWN_TRUSTED_SECONDS = 60.0
LOAD_MAX_BYTES = 8 * 1024 * 1024  # of text in one load; a page over it is split (README, "Caps")
IN_FLIGHT = timedelta(seconds=60)  # a load younger than this may not be bound in the ledger yet


@dataclass(frozen=True)
class Failure:
    """A record that could not be written, and why (it goes to the dead letters)."""

    platform_id: str
    error_type: str
    reason: str


@dataclass(frozen=True)
class Written:
    """A record a page just wrote: its platform id, its Odoo id, and the values written."""

    platform_id: str
    odoo_id: int
    values: dict[str, Any]


class AfterWrite(Protocol):
    """A step that follows the write of a page of one entity, given what was written (the calls'
    notes on their contacts' chatter): inside the page's record locks, before the ledger binds it."""

    def __call__(self, written: Sequence[Written]) -> Any: ...


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    drift_repaired: int = 0
    stale: int = 0
    archived: int = 0
    matched: int = 0
    ambiguous: list[str] = field(default_factory=list)  # bound to no partner: several could be them
    failures: list[Failure] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)  # platform id -> Odoo id, for the logs
    deferred: dict[str, RetryableError] = field(default_factory=dict)  # read failed for now: retried alone

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged + self.stale,
            "drift_repaired": self.drift_repaired,
            "archived": self.archived,
            "matched": self.matched,
            "ambiguous": len(self.ambiguous),
            "failed": len(self.failures),
        }


@dataclass(eq=False)
class _Planned:
    """One record on its way through a batch; compared by identity."""

    platform_id: str
    updated_at: str
    values: dict[str, Any]
    digest: str
    kind: str = "unchanged"
    owner: str = PLATFORM  # ODOO: fill its empty fields only (see Binding.owner)
    odoo_id: int | None = None  # known before the write for a bound or matched record


Loaded = dict[_Planned, int]  # a written batch: each record's Odoo id


@dataclass
class Prepared:
    """A batch :meth:`UpsertEngine.prepare` made ready to write: what to load, the unchanged
    records' bindings to refresh, and the counts so far."""

    spec: EntitySpec
    to_write: list[_Planned]
    unchanged: list[BindingRow]
    result: UpsertResult
    run_id: int | None


def _load_cell(value: Any, ttype: str) -> str:
    """A mapped value as Odoo's import converter reads it (strings; empty means False)."""
    if isinstance(value, Ref):
        return ref_xmlid(value)
    if value is False or value is None:
        return "0" if ttype == "boolean" else ""
    if value is True:
        return "1"
    return str(value)


class UpsertEngine:
    """Writes batches of platform records into Odoo idempotently, by external id."""

    def __init__(
        self,
        odoo: OdooClient,
        binder: Binder,
        matcher: PartnerMatcher | None = None,
        after_write: Mapping[str, Sequence[AfterWrite]] | None = None,
    ) -> None:
        self.odoo = odoo
        self.binder = binder
        self.matcher = matcher
        self.after_write = dict(after_write or {})  # entity name -> the steps that follow a page's write
        self._all_known: dict[str, tuple[bool, float]] = {}  # model -> (ledger knows all Odoo's ids, when asked)
        # Partners this process bound to a platform record: taken even before the ledger says so
        # (a pipelined page is matched while the page before it is still being written).
        self._matched: set[int] = set()

    def upsert(
        self, spec: EntitySpec, records: list[dict[str, Any]], *, check_drift: bool = False, run_id: int | None = None
    ) -> UpsertResult:
        return self.commit(self.prepare(spec, records, check_drift=check_drift, run_id=run_id))

    def prepare(
        self, spec: EntitySpec, records: list[dict[str, Any]], *, check_drift: bool = False, run_id: int | None = None
    ) -> Prepared:
        """Everything before the write: map, compare with the ledger, find drift, links, existing
        ids and partners. What it asks Odoo never depends on a write still in flight, so a page
        can be prepared while the one before it is being written (:meth:`commit`)."""
        result = UpsertResult()
        planned = self._plan(spec, records, result)
        bindings = self.binder.get_many(spec.name, [p.platform_id for p in planned])
        unchanged: list[_Planned] = []
        to_write: list[_Planned] = []
        for item in planned:
            bound = bindings.get(item.platform_id)
            if bound is not None:
                item.owner, item.odoo_id = bound.owner, bound.odoo_id
            stale = bound is not None and parse_instant(item.updated_at) < parse_instant(bound.source_updated_at)
            same = bound is not None and not bound.deleted and bound.content_hash == item.digest
            if bound is not None and run_id is not None and bound.last_seen_run == run_id and (stale or same):
                continue  # met earlier in this run (a person many calls name): a run counts a record once
            if stale:
                result.stale += 1
            elif same:
                unchanged.append(item)
            else:
                item.kind = "create" if bound is None else "fill" if bound.owner == ODOO else "update"
                to_write.append(item)
        platforms = [item for item in unchanged if item.owner != ODOO]  # Odoo's own records never drift
        if check_drift and platforms:
            drifted = self._drifted(spec, platforms, bindings)
            for item in drifted:
                item.kind = "drift"
            to_write += drifted
            unchanged = [item for item in unchanged if item.kind == "unchanged"]
        result.unchanged += len(unchanged)
        to_write = self._with_dependencies(spec, to_write, result)
        self._mark_existing(spec, [item for item in to_write if item.kind == "create"])
        if self.matcher is not None and spec.mapper.matches_partners:
            try:
                to_write = self._match_partners(spec, to_write, result)
            except InvalidRequest:
                # Odoo refused an external id it already holds: ids the ledger does not know after all
                # (a ledger lost moments ago). Look them up, as for the next minute, and match again.
                self._all_known[spec.odoo_model] = (False, time.monotonic())
                self._mark_existing(spec, [item for item in to_write if item.kind == "create"])
                to_write = self._match_partners(spec, to_write, result)
        self._keep_odoos_own(spec, to_write)
        kept = [BindingRow(u.platform_id, bindings[u.platform_id].odoo_id, u.digest, u.updated_at) for u in unchanged]
        return Prepared(spec, to_write, kept, result, run_id)

    def commit(self, prepared: Prepared) -> UpsertResult:
        """The write of a prepared batch: one ``load``, then the ledger's bindings."""
        return self.record(prepared, self.write(prepared))

    def write(self, prepared: Prepared) -> Loaded:
        """The ``load`` of a prepared batch: the Odoo id of each record written (or bound to a
        record of Odoo's that needed nothing)."""
        to_load = [item for item in prepared.to_write if item.values]
        written = self._load(prepared.spec, to_load, prepared.result)
        follows = self.after_write.get(prepared.spec.name, ())
        if follows and written:
            page = [Written(item.platform_id, odoo_id, item.values) for item, odoo_id in written.items()]
            for follow in follows:
                follow(page)
        for item in prepared.to_write:
            if not item.values and item.odoo_id is not None:  # Odoo's own record, nothing of it empty
                written[item] = item.odoo_id
        return written

    def record(self, prepared: Prepared, written: Loaded) -> UpsertResult:
        """Count a written batch and bind it in the ledger (the next batch's load may be in flight)."""
        result = prepared.result
        for item, odoo_id in written.items():
            counter = "unchanged" if item.kind == "fill" and not item.values else _COUNTER[item.kind]
            setattr(result, counter, getattr(result, counter) + 1)
            result.written[item.platform_id] = odoo_id
        rows = [BindingRow(i.platform_id, odoo_id, i.digest, i.updated_at, i.owner) for i, odoo_id in written.items()]
        self.binder.bind_many(prepared.spec.name, [*rows, *prepared.unchanged], prepared.run_id)
        return result

    def archive(self, spec: EntitySpec, platform_ids: list[str]) -> int:
        """Archive (never delete) the Odoo records of platform records that are gone; a model
        without an archive flag keeps its record, and only the binding is marked deleted."""
        bound = [b for b in self.binder.get_many(spec.name, platform_ids).values() if not b.deleted]
        ours = [b.odoo_id for b in bound if b.owner != ODOO]  # Odoo's own records stay as their people left them
        if ours and spec.mapper.active_field in self._fields(spec):
            self.odoo.write_quietly(spec.odoo_model, "write", ids=ours, vals={spec.mapper.active_field: False})
        self.binder.mark_deleted(spec.name, [b.platform_id for b in bound])
        return len(bound)

    def _plan(self, spec: EntitySpec, records: list[dict[str, Any]], result: UpsertResult) -> list[_Planned]:
        planned: dict[str, _Planned] = {}
        for record in records:
            try:
                values = spec.mapper.map(record)
                updated_at = str(record["updated_at"])
                parse_instant(updated_at)
            except (DataError, ValueError) as exc:
                result.failures.append(Failure(str(record.get("id", "?")), "DataError", str(exc)))
                continue
            except RecursionError:
                result.failures.append(Failure(str(record.get("id", "?")), "DataError", "nested too deeply to map"))
                continue
            item = _Planned(str(record["id"]), updated_at, values, content_hash(values, ref_xmlid))
            previous = planned.get(item.platform_id)
            if previous is None or parse_instant(previous.updated_at) <= parse_instant(item.updated_at):
                planned[item.platform_id] = item
        return list(planned.values())

    def _expected(self, spec: EntitySpec, items: list[_Planned]) -> dict[str, dict[str, Any]]:
        """Mapped values with links turned into the Odoo ids they point at, as ``read`` shows them."""
        refs: dict[str, set[str]] = {}
        for item in items:
            for ref in spec.mapper.dependencies(item.values):
                refs.setdefault(ref.entity, set()).add(ref.platform_id)
        linked = {entity: self.binder.get_many(entity, ids) for entity, ids in refs.items()}

        def plain(value: Any) -> Any:
            if isinstance(value, Ref):
                bound = linked[value.entity].get(value.platform_id)
                return bound.odoo_id if bound else None
            return value

        return {item.platform_id: {k: plain(v) for k, v in item.values.items()} for item in items}

    def _drifted(self, spec: EntitySpec, items: list[_Planned], bindings: dict[str, Binding]) -> list[_Planned]:
        """Bound, unchanged records whose Odoo values were edited (or removed) by hand."""
        by_odoo_id = {bindings[item.platform_id].odoo_id: item for item in items}
        current = self.odoo.call(
            spec.odoo_model,
            "search_read",
            domain=[("id", "in", list(by_odoo_id))],
            fields=sorted(self._fields(spec)),
            context={"active_test": False},
        )
        seen = {row["id"]: row for row in current}
        expected, present = self._expected(spec, items), self._fields(spec)
        drifted = []
        for odoo_id, item in by_odoo_id.items():
            row = seen.get(odoo_id)
            want = {name: value for name, value in expected[item.platform_id].items() if name in present}
            if row is None or any(_read_value(row.get(name)) != value for name, value in want.items()):
                drifted.append(item)
        return drifted

    def _with_dependencies(self, spec: EntitySpec, items: list[_Planned], result: UpsertResult) -> list[_Planned]:
        """Keep the records whose linked records are in Odoo (the importer brought them first);
        a link to a person several partners could be is left empty; the others fail, naming
        what they lack."""
        wanted: dict[str, set[str]] = {}
        for item in items:
            for ref in spec.mapper.dependencies(item.values):
                wanted.setdefault(ref.entity, set()).add(ref.platform_id)
        missing = {
            Ref(entity, pid) for entity, ids in wanted.items() for pid in ids - set(self.binder.get_many(entity, ids))
        }
        undecided = {
            Ref(entity, pid)
            for entity in {ref.entity for ref in missing}
            for pid in self.binder.ambiguous(entity, [ref.platform_id for ref in missing if ref.entity == entity])
        }
        kept = []
        for item in items:
            lacking = [ref for ref in spec.mapper.dependencies(item.values) if ref in missing]
            if lacking and all(ref in undecided for ref in lacking):
                # The person is one of several partners: the record is written, unlinked, and the
                # link is made by its next sync once a single partner remains.
                item.values = {name: False if value in lacking else value for name, value in item.values.items()}
                item.digest = content_hash(item.values, ref_xmlid)
                kept.append(item)
            elif lacking:
                names = ", ".join(f"{ENTITIES[r.entity].singular} {r.platform_id}" for r in lacking)
                result.failures.append(Failure(item.platform_id, "DataError", f"linked {names} could not be synced"))
            else:
                kept.append(item)
        return kept

    def _mark_existing(self, spec: EntitySpec, items: list[_Planned]) -> None:
        """Records with no binding may still exist in Odoo (a lost ledger): count them as updates,
        or, where the external id says the record is Odoo's own (``noupdate``, set by
        :meth:`name_in_odoo`), fill it as a matched record, so a lost ledger loses no one's edits."""
        if not items or self._ledger_knows_all(spec):
            return
        names = {spec.xmlid_name(item.platform_id): item for item in items}
        found = self.odoo.call(
            "ir.model.data",
            "search_read",
            domain=[("module", "=", XMLID_MODULE), ("model", "=", spec.odoo_model), ("name", "in", list(names))],
            fields=["name", "res_id", "noupdate"],
        )
        for row in found:
            item = names[row["name"]]
            if row["noupdate"]:
                item.kind, item.owner, item.odoo_id = "fill", ODOO, int(row["res_id"])
            else:
                item.kind = "update"

    def _match_partners(self, spec: EntitySpec, items: list[_Planned], result: UpsertResult) -> list[_Planned]:
        """Records about to be created, bound instead to the one partner Odoo already has for
        them (by phone, then email; :mod:`shared.matching`). A record that several partners
        could be is bound to none and not created either: it is kept for ``voicesync status``.
        A partner already bound to another platform record is not a candidate."""
        creates = [item for item in items if item.kind == "create"]
        if not creates or self.matcher is None:
            return items
        candidates = [
            Candidate(item.platform_id, item.values.get("phone") or None, item.values.get("email") or None)
            for item in creates
        ]
        matches = self.matcher.match(candidates)
        seen = {pid for m in matches.values() for pid in (m.partner_id, *m.ambiguous) if pid}
        taken = set(self.binder.by_odoo_ids(spec.name, seen)) | (seen & self._matched)
        if taken:
            matches = self.matcher.match(candidates, exclude=taken)
        found = {key: m.partner_id for key, m in matches.items() if m.partner_id}
        undecided = {key: (m.ambiguous, m.by or "") for key, m in matches.items() if m.ambiguous}
        self.name_in_odoo(spec, found)
        self._matched.update(found.values())
        for item in creates:
            if item.platform_id in found:
                item.kind, item.owner, item.odoo_id = "match", ODOO, found[item.platform_id]
        self.binder.note_ambiguous(spec.name, undecided)
        self.binder.clear_ambiguous(
            spec.name, [item.platform_id for item in creates if item.platform_id not in undecided]
        )
        result.ambiguous += sorted(undecided)
        return [item for item in items if item.platform_id not in undecided]

    def _keep_odoos_own(self, spec: EntitySpec, items: list[_Planned]) -> None:
        """Cut the values of records Odoo's people made down to the fields they left empty: a
        name, email or phone someone wrote is never replaced (whatever a caller says), the
        record is never re-activated, and the record of an Odoo user is not written at all.
        One ``search_read`` of what those records hold now."""
        theirs = {item.odoo_id: item for item in items if item.owner == ODOO and item.odoo_id is not None}
        if not theirs:
            return
        present = self._fields(spec)
        markers = [name for name in spec.mapper.never_written_if if name in self.odoo.fields_of(spec.odoo_model)]
        rows = self.odoo.call(
            spec.odoo_model,
            "search_read",
            domain=[("id", "in", list(theirs))],
            fields=sorted(present | set(markers)),
            context={"active_test": False},
        )
        current = {row["id"]: row for row in rows}
        for odoo_id, item in theirs.items():
            row = current.get(odoo_id)
            if row is None or any(row.get(name) for name in markers):
                item.values = {}
                continue
            item.values = {
                name: value
                for name, value in item.values.items()
                if name != spec.mapper.active_field and name in present and _read_value(row.get(name)) in _EMPTY
            }

    def name_in_odoo(self, spec: EntitySpec, records: dict[str, int]) -> None:
        """Give Odoo records voicesync did not create (platform id -> Odoo id) voicesync's external
        ids, so later syncs update them by that id instead of adding others. ``noupdate`` marks them
        Odoo's own in Odoo itself (``load`` keeps the flag), not only in the ledger."""
        if records:
            self.odoo.write_quietly(
                "ir.model.data",
                "create",
                vals_list=[
                    {
                        "module": XMLID_MODULE,
                        "name": spec.xmlid_name(pid),
                        "model": spec.odoo_model,
                        "res_id": odoo_id,
                        "noupdate": True,
                    }
                    for pid, odoo_id in records.items()
                ],
            )

    def _ledger_knows_all(self, spec: EntitySpec) -> bool:
        """Whether every voicesync id Odoo holds for the model is one the ledger has bound, asked at
        most once a minute; while it is, the per-page external-id lookup is skipped.

        Odoo's ids older than a minute are counted against the ledger's bindings (archived ones
        too: their ids stay): a first sync into an empty Odoo, and every sync after it with its
        ledger intact, makes no lookup, where asking "does Odoo hold any?" turned every page into
        two Odoo calls once the first page was in (bench row 8). Younger ids are loads other
        workers have not bound yet, not a lost ledger. A record whose id Odoo holds unknown to
        the ledger is otherwise written by ``load`` all the same (it upserts by external id);
        the lookup is what counts it as updated and keeps partner matching away from it."""
        seen = self._all_known.get(spec.odoo_model)
        if seen is not None and time.monotonic() - seen[1] < ALL_KNOWN_TRUSTED_SECONDS:
            return seen[0]
        settled = (datetime.now(UTC) - IN_FLIGHT).strftime("%Y-%m-%d %H:%M:%S")
        in_odoo = self.odoo.call(
            "ir.model.data",
            "search_count",
            domain=[("module", "=", XMLID_MODULE), ("model", "=", spec.odoo_model), ("create_date", "<", settled)],
        )
        known = int(in_odoo) <= self.binder.count(spec.name, deleted=True)
        self._all_known[spec.odoo_model] = (known, time.monotonic())
        return known

    def _fields(self, spec: EntitySpec) -> frozenset[str]:
        """The mapper's fields this Odoo's model has: one it lacks (Odoo 16's ``utm.campaign`` has
        no ``active``) is never written, read or compared."""
        return frozenset(spec.mapper.fields.keys() & self.odoo.fields_of(spec.odoo_model))

    def _load(self, spec: EntitySpec, items: list[_Planned], result: UpsertResult) -> dict[_Planned, int]:
        """``load`` the rows, one call per set of fields (nearly always one): a record whose vendor
        left a field unknown does not write it, and one voicesync creates gets what Odoo needs."""
        groups: dict[tuple[bool, tuple[str, ...]], list[tuple[_Planned, dict[str, Any]]]] = {}
        for item in items:
            row = item.values
            if item.kind == "create":
                row = {**spec.mapper.defaults_for_create(item.values, item.platform_id), **row}
            names = tuple(name for name in spec.mapper.fields if name in row and name in self._fields(spec))
            tracked = spec.mapper.tracks_updates and item.kind != "create"
            groups.setdefault((tracked, names), []).append((item, row))
        written: dict[_Planned, int] = {}
        for (tracked, names), rows in groups.items():
            context = TRACKED_CONTEXT if tracked else {}
            for chunk in _by_size(rows, LOAD_MAX_BYTES):
                written.update(self._load_rows(spec, names, chunk, result, context))
        return written

    def _load_rows(
        self,
        spec: EntitySpec,
        names: tuple[str, ...],
        rows: list[tuple[_Planned, dict[str, Any]]],
        result: UpsertResult,
        context: dict[str, Any],
    ) -> dict[_Planned, int]:
        """One ``load`` of rows with the same fields; when Odoo refuses it, halve it to find the bad rows."""
        types = spec.mapper.fields
        columns = ["id", *(f"{name}/id" if types[name] == "many2one" else name for name in names)]
        data = [[spec.xmlid(item.platform_id), *(_load_cell(row[n], types[n]) for n in names)] for item, row in rows]
        answer = self.odoo.write_quietly(spec.odoo_model, "load", fields=columns, data=data, context=context)
        ids = answer.get("ids")
        if ids:
            return {item: odoo_id for (item, _row), odoo_id in zip(rows, ids, strict=True)}
        if len(rows) == 1:
            messages = "; ".join(str(m.get("message")) for m in answer.get("messages") or []) or "refused by Odoo"
            result.failures.append(Failure(rows[0][0].platform_id, "OdooLoadError", messages))
            return {}
        half = len(rows) // 2
        return {
            **self._load_rows(spec, names, rows[:half], result, context),
            **self._load_rows(spec, names, rows[half:], result, context),
        }


_EMPTY = (False, None, "", 0, 0.0)
_COUNTER = {
    "create": "created",
    "update": "updated",
    "fill": "updated",
    "drift": "drift_repaired",
    "match": "matched",
}


def _by_size(rows: list[tuple[_Planned, dict[str, Any]]], limit: int) -> list[list[tuple[_Planned, dict[str, Any]]]]:
    """Consecutive runs of rows whose text adds up to at most ``limit`` characters (a row larger
    than that goes alone): one ``load`` never carries a page of long transcripts at once."""
    chunks: list[list[tuple[_Planned, dict[str, Any]]]] = [[]]
    size = 0
    for row in rows:
        length = sum(len(value) for value in row[1].values() if isinstance(value, str))
        if chunks[-1] and size + length > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += length
    return chunks


def _read_value(value: Any) -> Any:
    """A value as ``read`` returns it, with a many2one pair reduced to its id."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
        return value[0]
    return value
