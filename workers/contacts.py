"""Tasks of the ``contacts`` queue, including Odoo -> platform pushes of partners."""

from shared.entities import ENTITIES
from shared.odoo_push import PartnerPusher
from workers.app import app
from workers.base import SyncTask
from workers.entity_tasks import register

tasks = register(ENTITIES["contacts"])
sync_one, sync_many, sync_page, reconcile = tasks.sync_one, tasks.sync_many, tasks.sync_page, tasks.reconcile


@app.task(name="contacts.push_from_odoo", base=SyncTask, bind=True)
def push_from_odoo(self: SyncTask, odoo_id: int, inbox_id: int | None = None) -> dict[str, str | None]:
    """A partner created or edited in Odoo becomes (or updates) a platform contact."""
    result = PartnerPusher(self.services).push(odoo_id)
    return {"outcome": result.outcome, "platform_id": result.platform_id, "reason": result.reason}
