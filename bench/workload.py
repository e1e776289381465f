"""What rows 2-4 sync under each vendor: the one place that chooses the workload per vendor.

Under ``generic`` the workload is the contacts listing, as the issue's figures were defined. Vapi,
Retell and Bland identify people by the numbers their calls name, so there the workload is calls,
each carrying its person, and a calls sync upserts (and matches to existing partners) those people
first. A figure "per record" is then per call, the people's writes and matching searches included
(and, on Retell and Bland, the read of each listed call whole). The calls are seeded without
campaigns: a call of a campaign voicesync has not bound yet makes it read the campaign first, a
one-off cost per campaign that is not what these rows measure.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from bench.context import BenchContext
from bench.report import Row
from bench.stack import Stack
from sandbox.platform.store import Record

CALLS_PER_PERSON = 5  # N calls over N / 5 people, so most pages also name people seen before


def _every(_record: Record) -> bool:
    return True


def _has_summary(record: Record) -> bool:
    """A summary the vendor shows: only a completed call carries its analysis."""
    return record["status"] == "completed" and bool(record["summary"])


@dataclass(frozen=True)
class Workload:
    """One vendor's workload for rows 2-4.

    - ``entity``: the listing a full reconciliation walks (and the naive pattern reads one by one);
    - ``parity``: the entities whose parity makes the figure count: the people too where the calls
      are all there is of them (Vapi, Bland); not under Retell, whose contacts also list the
      people no call names, with names that reach Odoo with a contacts run (not a calls one);
    - ``per_person``: records per person in the seeded data (1: the records are the people);
    - ``change_field`` and ``changeable``: row 4's 1% change, a field the vendor shows again.
    """

    vendor: str
    entity: str
    parity: tuple[str, ...]
    per_person: int
    change_field: str
    changeable: Callable[[Record], bool] = _every

    def key(self, row: str) -> str:
        """The row's key in the table: ``"2"`` for generic (as before), ``"2 vapi"`` beside it."""
        return row if self.vendor == "generic" else f"{row} {self.vendor}"

    def people(self, records: int) -> int:
        return max(1, records // self.per_person)

    def describe(self, records: int) -> str:
        """``100000 contacts`` or ``100000 calls over 20000 people (vapi)``."""
        if self.per_person == 1:
            return f"{records} {self.entity}"
        return f"{records} {self.entity} over {self.people(records)} people ({self.vendor})"

    def stack(self, ctx: BenchContext, records: int) -> Stack:
        """A stack seeded with ``records`` of this workload (Odoo bootstrapped for the call model)."""
        if self.entity == "contacts":
            return Stack(ctx, contacts=records, vendor=self.vendor)
        sizes = {"contacts": self.people(records), self.entity: records}
        return Stack(ctx, **sizes, vendor=self.vendor, bootstrap_odoo=True)

    def change(self, stack: Stack, share: float, seed: int = 4) -> int:
        """Change ``share`` of the records on the platform without a webhook (a full re-sync must find
        them); the number changed."""
        records = stack.api.records(self.entity)
        candidates = [record for record in records if self.changeable(record)]
        changed = random.Random(seed).sample(candidates, min(len(candidates), int(len(records) * share)))
        for record in changed:
            field = self.change_field
            stack.api.update(self.entity, record["id"], {field: f"{record[field]} Changed"}, emit=False)
        return len(changed)


GENERIC = Workload("generic", "contacts", ("contacts",), 1, "last_name")
WORKLOADS = (
    GENERIC,
    *(
        Workload(vendor, "calls", parity, CALLS_PER_PERSON, "summary", _has_summary)
        for vendor, parity in (
            ("vapi", ("calls", "contacts")),
            ("retell", ("calls",)),
            ("bland", ("calls", "contacts")),
        )
    ),
)


def per_vendor(ctx: BenchContext, rows: Callable[[BenchContext, Workload], list[Row]]) -> list[Row]:
    """A row module's rows for every vendor's workload, keyed by :meth:`Workload.key` (``"2"``,
    then ``"2 vapi"``), so that the modules measure one workload and never repeat the loop."""
    return [replace(row, number=workload.key(row.number)) for workload in WORKLOADS for row in rows(ctx, workload)]
