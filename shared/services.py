"""The services a unit of work needs, built once per process from :class:`Settings`.

Tasks, the receiver and the CLI take what they need from here instead of building clients
themselves, so tests and the sandbox swap endpoints by settings alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import redis

from shared import platforms
from shared.call_notes import CallNotes
from shared.call_pipeline import CallPipeline
from shared.connections import redis_client
from shared.importer import Importer
from shared.ledger.bindings import Binder
from shared.ledger.db import Ledger
from shared.ledger.dead_letters import DeadLetters
from shared.ledger.inbox import Inbox
from shared.ledger.runs import Runs
from shared.matching import PartnerMatcher
from shared.odoo import OdooClient
from shared.platforms.base import Platform
from shared.ratelimit import RedisRateGate
from shared.settings import Settings
from shared.upsert import UpsertEngine


@dataclass
class Services:
    settings: Settings

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.settings.ledger_url)

    @cached_property
    def redis(self) -> redis.Redis:
        return redis_client(self.settings)

    @cached_property
    def platform(self) -> Platform:
        rate = self.settings.voice_rate_limit
        gate = RedisRateGate(self.redis, "platform", rate, self.settings.voice_rate_burst) if rate > 0 else None
        return platforms.adapter(self.settings, gate)

    @cached_property
    def odoo(self) -> OdooClient:
        return OdooClient.from_settings(self.settings)

    @cached_property
    def binder(self) -> Binder:
        return Binder(self.ledger)

    @cached_property
    def inbox(self) -> Inbox:
        return Inbox(self.ledger)

    @cached_property
    def runs(self) -> Runs:
        return Runs(self.ledger)

    @cached_property
    def dead_letters(self) -> DeadLetters:
        return DeadLetters(self.ledger)

    @cached_property
    def engine(self) -> UpsertEngine:
        settings = self.settings
        matcher = PartnerMatcher(self.odoo, settings.phone_region, freshness=settings.match_freshness)
        pipeline = CallPipeline(self.odoo, self.binder, settings.crm_leads, settings.crm_callbacks)
        notes = [CallNotes(self.odoo, self.binder)] if settings.call_notes else []
        return UpsertEngine(self.odoo, self.binder, matcher, {"calls": [*notes, pipeline]})

    @cached_property
    def importer(self) -> Importer:
        return Importer(self.platform, self.engine, self.redis, self.settings.record_lock_ttl)
