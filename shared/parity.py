"""Parity: does Odoo hold every platform record exactly once, with the platform's current values?

Used by the demo, the tests and the benchmarks, and useful to an operator after an incident. It
reads both systems over their APIs (pages of the platform, ``search_read`` on Odoo) and compares
through the same mapper the upsert engine writes with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.entities import ENTITIES, EntitySpec
from shared.mappers.base import XMLID_MODULE, Ref
from shared.odoo import OdooClient
from shared.platforms.base import Platform
from shared.timeutil import parse_instant

CHUNK = 1000


@dataclass
class ParityReport:
    entity: str
    platform_records: int = 0
    missing: list[str] = field(default_factory=list)
    mismatched: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatched or self.extra or self.duplicates)

    def summary(self) -> str:
        if self.ok:
            return f"{self.entity}: {self.platform_records} records, all in Odoo with current values"
        return (
            f"{self.entity}: {len(self.missing)} missing, {len(self.mismatched)} different, "
            f"{len(self.extra)} extra, {len(self.duplicates)} duplicated of {self.platform_records}"
        )


def _xmlids(odoo: OdooClient, models: set[str]) -> list[dict[str, Any]]:
    return odoo.call(
        "ir.model.data",
        "search_read",
        domain=[("module", "=", XMLID_MODULE), ("model", "in", sorted(models))],
        fields=["name", "model", "res_id"],
    )


def check(
    spec: EntitySpec, platform: Platform, odoo: OdooClient, on_page: Callable[[int], object] | None = None
) -> ParityReport:
    """Compare every platform record of ``spec`` with its Odoo record, field by field;
    ``on_page`` hears how many records have been read after each platform page (a vendor that
    lists calls without their details makes reading them all take a while)."""
    report = ParityReport(spec.name)
    newest: dict[str, dict[str, Any]] = {}  # a derived record (a person on many calls) comes often
    for page in platform.pages(spec.name):
        for record in page.records:
            seen = newest.get(str(record["id"]))
            if seen is None or parse_instant(str(seen["updated_at"])) <= parse_instant(str(record["updated_at"])):
                newest[str(record["id"])] = record
        if on_page is not None:
            on_page(len(newest))
    records = list(newest.values())
    report.platform_records = len(records)
    models = {spec.odoo_model, *(ENTITIES[d].odoo_model for d in spec.dependencies)}
    rows = _xmlids(odoo, models)
    by_name = {row["name"]: row["res_id"] for row in rows}
    per_record = Counter((row["model"], row["res_id"]) for row in rows)
    report.duplicates = [f"{model}#{res_id}" for (model, res_id), n in per_record.items() if n > 1]
    wanted = {spec.xmlid_name(str(r["id"])): r for r in records}
    report.missing = [str(r["id"]) for name, r in wanted.items() if name not in by_name]
    ids = [by_name[name] for name in wanted if name in by_name]
    # what this Odoo's model has, less what a process's cache names (an assistant's name)
    present = (spec.mapper.fields.keys() - spec.mapper.cached) & odoo.fields_of(spec.odoo_model)
    current: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        for row in odoo.call(
            spec.odoo_model,
            "search_read",
            domain=[("id", "in", ids[start : start + CHUNK])],
            fields=sorted(present),
            context={"active_test": False},
        ):
            current[row["id"]] = row
    for name, record in wanted.items():
        if name not in by_name:
            continue
        row = current.get(by_name[name])
        if row is None:
            report.missing.append(str(record["id"]))
            continue
        diff = {}
        for field_name, value in spec.mapper.map(record).items():
            if field_name not in present:
                continue
            if isinstance(value, Ref):
                value = by_name.get(ENTITIES[value.entity].xmlid_name(value.platform_id))
            have = row.get(field_name)
            if isinstance(have, list) and len(have) == 2:
                have = have[0]
            if have != value:
                diff[field_name] = (value, have)
        if diff:
            report.mismatched[str(record["id"])] = diff
    prefix = f"{spec.singular}_"
    live = {n for n in by_name if n.startswith(prefix)} - set(wanted)
    if live and spec.mapper.active_field in present:  # a model Odoo cannot archive keeps such records
        still_active = odoo.call(
            spec.odoo_model,
            "search_read",
            domain=[("id", "in", [by_name[n] for n in live])],
            fields=["id"],
        )
        active_ids = {row["id"] for row in still_active}
        report.extra = sorted(n for n in live if by_name[n] in active_ids)
    return report
