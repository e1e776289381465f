"""The two state machines the ledger keeps: an inbox row's and a run's.

Each status is a member of one enum (a ``StrEnum``: stored and compared as its text), and only
the ledger's named transitions (:class:`~shared.ledger.inbox.Inbox`'s ``mark_*``,
:class:`~shared.ledger.runs.Runs`'s ``start``/``mark_running``/``finish``) write one, so no other
module spells a status.

Inbox row: ``received`` (pending: the broker did not take it) -> ``enqueued`` -> ``processed`` or
``failed``; ``ignored`` from the start for events nobody acts on. The relay sends ``received``
rows, and ``enqueued`` ones that stayed so too long.

Run: ``queued`` (opened by an operator) -> ``running`` -> ``succeeded``, ``failed`` or
``skipped`` (another run of the entity held the lock).
"""

from __future__ import annotations

from enum import StrEnum


class InboxStatus(StrEnum):
    RECEIVED = "received"
    ENQUEUED = "enqueued"
    PROCESSED = "processed"
    FAILED = "failed"
    IGNORED = "ignored"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


OPEN_RUN = (RunStatus.QUEUED, RunStatus.RUNNING)
FINISHED_RUN = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED})
HANDLED_ROW = (InboxStatus.PROCESSED, InboxStatus.IGNORED)
BACKLOG = (InboxStatus.RECEIVED, InboxStatus.ENQUEUED)
