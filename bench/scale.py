"""How big each benchmark is: the full sizes of the issue, or a tenth of them for ``--quick``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    contacts: int
    naive_sample: int
    mixed_contacts: int
    mixed_campaigns: int
    mixed_calls: int
    wrk_seconds: int
    steady_seconds: int
    steady_rate: int = 50
    latency_ms: float = 20.0
    page_size: int = 200
    real_odoo_contacts: int = 10_000  # row 8: a real Odoo writes a few hundred records a second
    real_odoo_rounds: int = 5  # row 8: single runs on the shared machine vary by 20-50%

    @property
    def tenth(self) -> int:
        return self.contacts // 10


FULL = Scale(
    name="full",
    contacts=100_000,
    naive_sample=10_000,
    mixed_contacts=100_000,
    mixed_campaigns=1_000,
    mixed_calls=200_000,
    wrk_seconds=15,
    steady_seconds=60,
)
QUICK = Scale(
    name="quick",
    contacts=10_000,
    naive_sample=1_000,
    mixed_contacts=10_000,
    mixed_campaigns=100,
    mixed_calls=20_000,
    wrk_seconds=3,
    steady_seconds=6,
    real_odoo_contacts=2_000,
    real_odoo_rounds=3,
)
