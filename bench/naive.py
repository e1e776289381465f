"""The naive pattern row 3 compares against: one Celery task per record, each reading the record from
the platform, searching ``res.partner`` by phone, then creating or writing it. No batching, no
external ids, no content hash. Under Vapi, whose people are only carried by calls, a task reads a
call and writes its person, then the call (:func:`sync_call`). A Celery app of its own (``celery -A
bench.naive worker -Q naive``) so that it shares nothing with voicesync's tasks but the clients and
the mappers."""

from __future__ import annotations

from functools import cache
from typing import Any

import redis
from celery import Celery

from shared.entities import ENTITIES
from shared.mappers.base import Ref
from shared.pagination import Record
from shared.services import Services
from shared.settings import get_settings

QUEUE = "naive"
DONE_KEY = "bench:naive:done"
CONTACTS = ENTITIES["contacts"]
CALLS = ENTITIES["calls"]

app = Celery("bench_naive", broker=get_settings().broker_url)
app.conf.update(task_serializer="json", accept_content=["json"], task_ignore_result=True, task_default_queue=QUEUE)


@cache
def _services() -> Services:
    return Services(get_settings())


@cache
def _counter() -> redis.Redis:
    return redis.Redis.from_url(get_settings().broker_url)


def _upsert(model: str, domain: list[Any], values: dict[str, Any], create_defaults: dict[str, Any]) -> int:
    """The naive upsert: one search, then a write or a create; the record's Odoo id."""
    odoo = _services().odoo
    found = odoo.call(model, "search", domain=domain, limit=1)
    if found:
        odoo.call(model, "write", ids=found, vals=values)
        return int(found[0])
    [made] = odoo.call(model, "create", vals_list=[{**create_defaults, **values}])
    return int(made)


def _partner(person: Record) -> int:
    """A person found by phone, then written or created (a name where the vendor gives none)."""
    values = CONTACTS.mapper.map(person)
    defaults = CONTACTS.mapper.defaults_for_create(values, str(person["id"]))
    return _upsert("res.partner", [("phone", "=", values["phone"])], values, defaults)


@app.task(name="naive.sync_contact")
def sync_contact(platform_id: str) -> None:
    _partner(_services().platform.get(CONTACTS.name, platform_id).record)
    _counter().incr(DONE_KEY)


@app.task(name="naive.sync_call")
def sync_call(platform_id: str) -> None:
    """Under Vapi a person cannot be read on their own: the call is read and carries them, so the
    naive pattern writes the person, then the call linked to them by Odoo id (the workload seeds
    no campaigns, so no other link is left to resolve)."""
    normalized = _services().platform.get(CALLS.name, platform_id)
    partner: int | bool = False
    for person in normalized.related.get(CONTACTS.name, []):
        partner = _partner(person)
    values = {
        name: False if isinstance(value, Ref) else value for name, value in CALLS.mapper.map(normalized.record).items()
    }
    values["x_partner_id"] = partner
    _upsert(CALLS.odoo_model, [("x_name", "=", values["x_name"])], values, {})
    _counter().incr(DONE_KEY)


TASKS = {CONTACTS.name: sync_contact, CALLS.name: sync_call}
"""The naive task per workload entity (:mod:`bench.workload`)."""


def done_count() -> int:
    return int(_counter().get(DONE_KEY) or 0)
