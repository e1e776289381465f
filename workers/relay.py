"""The relay: inbox rows the receiver could not enqueue (broker down) or that got stuck are sent again.

A beat task (``inbox.relay``, on the contacts queue) and ``voicesync relay`` for a one-off. A
broker outage therefore delays work and loses none. It also prunes handled rows past retention.
"""

from __future__ import annotations

from datetime import timedelta

from shared.ledger.models import utcnow
from shared.ledger.states import InboxStatus
from shared.producer.dispatch import dispatch
from shared.services import Services
from workers.app import app
from workers.base import SyncTask


def relay_pending(services: Services, min_age: float | None = None) -> dict[str, int]:
    """Enqueue rows ``received`` for longer than ``min_age`` seconds or ``enqueued`` but stuck."""
    settings = services.settings
    now = utcnow()
    inbox = services.inbox
    pending = inbox.by_status(
        InboxStatus.RECEIVED, older_than=now - timedelta(seconds=settings.relay_after if min_age is None else min_age)
    )
    stuck = inbox.by_status(InboxStatus.ENQUEUED, older_than=now - timedelta(seconds=settings.relay_stuck_after))
    sent = dispatch(inbox, [*pending, *stuck])
    pruned = inbox.prune(
        now - timedelta(days=settings.inbox_retention_days), now - timedelta(days=settings.dedupe_days)
    )
    return {"pending": len(pending), "stuck": len(stuck), "sent": sent, "pruned": pruned}


@app.task(name="inbox.relay", base=SyncTask, bind=True)
def relay(self: SyncTask) -> dict[str, int]:
    return relay_pending(self.services)
