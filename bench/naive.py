"""The naive pattern row 3 compares against: one Celery task per record, each reading the record from
the platform, searching ``res.partner`` by phone, then creating or writing it. No batching, no
external ids, no content hash. A Celery app of its own (``celery -A bench.naive worker -Q naive``)
so that it shares nothing with voicesync's tasks but the clients and the mapper."""

from __future__ import annotations

from functools import cache

import redis
from celery import Celery

from shared.entities import ENTITIES
from shared.services import Services
from shared.settings import get_settings

QUEUE = "naive"
DONE_KEY = "bench:naive:done"
CONTACTS = ENTITIES["contacts"]

app = Celery("bench_naive", broker=get_settings().broker_url)
app.conf.update(task_serializer="json", accept_content=["json"], task_ignore_result=True, task_default_queue=QUEUE)


@cache
def _services() -> Services:
    return Services(get_settings())


@cache
def _counter() -> redis.Redis:
    return redis.Redis.from_url(get_settings().broker_url)


@app.task(name="naive.sync_contact")
def sync_contact(platform_id: str) -> None:
    services = _services()
    values = CONTACTS.mapper.map(services.platform.get(CONTACTS.name, platform_id).record)
    found = services.odoo.call("res.partner", "search", domain=[("phone", "=", values["phone"])], limit=1)
    if found:
        services.odoo.call("res.partner", "write", ids=found, vals=values)
    else:
        services.odoo.call("res.partner", "create", vals_list=[values])
    _counter().incr(DONE_KEY)


def done_count() -> int:
    return int(_counter().get(DONE_KEY) or 0)
