"""Tasks of the ``campaigns`` queue."""

from shared.entities import ENTITIES
from workers.entity_tasks import register

tasks = register(ENTITIES["campaigns"])
sync_one, sync_many, sync_page, reconcile = tasks.sync_one, tasks.sync_many, tasks.sync_page, tasks.reconcile
