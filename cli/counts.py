"""A run's counts in one line that adds up, and the words of those counts, explained once.

Each record a run reads is counted once, in exactly one of created, updated, unchanged, drift
repaired, matched, ambiguous or failed; so the line's total is their sum. What is not one of the
run's own records is said apart: archived (gone from the platform, so not read) and, for calls
and campaigns, the people they name who were matched to existing partners.
"""

from __future__ import annotations

from shared.entities import ENTITIES
from shared.ledger.models import SyncRun

RECORD_COUNTS = ("created", "updated", "unchanged", "drift_repaired", "matched", "ambiguous", "failed")
PEOPLE_COUNTS = ("matched", "ambiguous")

COUNT_WORDS = (
    "created: new in Odoo; updated: changed on the platform since voicesync last wrote it; "
    "unchanged: already in Odoo as the platform has it (written earlier, by a webhook or another run); "
    "drift repaired: edited in Odoo by hand, put back; matched: linked to a partner Odoo already had; "
    "ambiguous: several partners could be them, so linked to none; failed: in the dead letters "
    "(voicesync dlq list); each record counts once per run, "
    "however many calls name it."
)


def _own_counts(run: SyncRun) -> tuple[str, ...]:
    """The counters that are the run's own records (matching partners is the contacts' job; for
    calls and campaigns it counts the people they name)."""
    spec = ENTITIES.get(run.entity)
    if spec is not None and spec.mapper.matches_partners:
        return RECORD_COUNTS
    return tuple(name for name in RECORD_COUNTS if name not in PEOPLE_COUNTS)


def records(run: SyncRun) -> int:
    """How many of its records the run has read so far (each once)."""
    return sum(getattr(run, name) for name in _own_counts(run))


def _words(run: SyncRun, names: tuple[str, ...]) -> str:
    return ", ".join(f"{getattr(run, name)} {name.replace('_', ' ')}" for name in names if getattr(run, name))


def counts(run: SyncRun) -> str:
    """``run 3 contacts (full): succeeded; 500 records: 342 created, 158 unchanged; 2 archived``."""
    own = _words(run, _own_counts(run))
    line = f"run {run.id} {run.entity} ({run.mode}): {run.status}; {records(run)} records" + (f": {own}" if own else "")
    people = "" if _own_counts(run) == RECORD_COUNTS else _words(run, PEOPLE_COUNTS)
    extras = [
        f"{run.archived} archived (gone from the platform)" if run.archived else "",
        f"the people they name: {people}" if people else "",
        f"{run.retries} retries" if run.retries else "",
        run.error or "",
    ]
    return "; ".join([line, *(extra for extra in extras if extra)])
