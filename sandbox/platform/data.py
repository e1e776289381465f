"""Seeded, repeatable records for the platform sandbox: the initial data set and fresh records.

Everything comes from one ``random.Random(seed)`` and a fixed base time, so the same seed gives the
same ids, values and timestamps on every run. Phones and emails are derived from the record's
number, which makes them unique without remembering the ones already handed out.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from sandbox.platform.clock import BASE_US, iso
from sandbox.platform.schema import CAMPAIGN_STATUSES, record_id

FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Ana", "Ben", "Carla", "Chen", "Dara", "David", "Elena", "Emeka", "Eva",
    "Farah", "Grace", "Hana", "Ivan", "Jamal", "Jonas", "Kai", "Lena", "Liam", "Lucia", "Maya",
    "Mateo", "Nadia", "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sam", "Sofia", "Tariq",
    "Tomas", "Uma", "Victor", "Wei", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Khan", "Larsen", "Martin", "Nguyen", "Okafor", "Patel", "Quinn", "Rossi", "Silva", "Tanaka",
    "Urban", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
)  # fmt: skip
COMPANIES = (
    "Acme Corp", "Blue Harbor", "Cedar Labs", "Delta Freight", "Evergreen Dental", "Fjord Energy",
    "Granite Insurance", "Helix Health", "Ironwood Realty", "Juniper Travel", "Kestrel Logistics",
    "Lumen Solar",
)  # fmt: skip
CAMPAIGN_WORDS = (
    "Spring Renewal", "Winback", "Onboarding", "Upsell", "Appointment Reminder", "Survey",
    "Payment Reminder", "Event Invite", "Feedback", "Reactivation",
)  # fmt: skip
SUMMARIES = (
    "Customer confirmed the appointment.",
    "Asked for a call back next week.",
    "Interested; sent pricing by email.",
    "Not interested at this time.",
    "Updated billing address.",
    "Left a voicemail.",
    "Requested to be removed from the list.",
    "Renewed the subscription.",
)
RECORDINGS = "https://recordings.example.com"
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
AREA_CODES = (
    "201", "212", "305", "312", "404", "415", "503", "512", "617", "646", "702", "713", "720",
    "808", "917", "949",
)  # fmt: skip

_LINES = 8_000_000  # 7-digit local numbers 2000000..9999999 (an exchange cannot start with 0 or 1)
_PHONE_SPACE = len(AREA_CODES) * _LINES
_PHONE_STRIDE = 7_919_993  # coprime with _PHONE_SPACE: number -> phone is a bijection
_DAY_US = 86_400 * 1_000_000
_CALL_STATUSES = ("completed", "no_answer", "failed", "in_progress", "queued")
_CALL_STATUS_CUM_WEIGHTS = (70, 82, 88, 92, 100)


class Generator:
    """Produces record values; not thread-safe (the store calls it under its lock)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._phone_offset = self._rng.randrange(_PHONE_SPACE)

    def dataset(self, contacts: int, campaigns: int, calls: int) -> dict[str, list[dict[str, Any]]]:
        """The initial records, in id order, with ids and timestamps.

        Campaigns start in the first 90 days after the base time, contacts in the first 180 and
        calls after that, so every call comes after its contact and campaign.
        """
        if calls and not contacts:
            raise ValueError("calls need at least one contact")
        contact_rows = self._rows("contacts", contacts, 0, 180, self.contact)
        campaign_rows = self._rows("campaigns", campaigns, 0, 90, self.campaign)
        contact_ids = [row["id"] for row in contact_rows]
        campaign_ids = [row["id"] for row in campaign_rows]
        call_rows = self._rows("calls", calls, 180, 180, lambda n: self.call(n, contact_ids, campaign_ids))
        for row in call_rows:
            if row["status"] != "queued":
                row["started_at"] = row["created_at"]
        return {"contacts": contact_rows, "campaigns": campaign_rows, "calls": call_rows}

    def _rows(
        self,
        entity: str,
        count: int,
        start_day: int,
        span_days: int,
        values: Callable[[int], dict[str, Any]],
    ) -> list[dict[str, Any]]:
        rng = self._rng
        step = span_days * _DAY_US // max(count, 1)
        rows = []
        for index in range(count):
            number = index + 1
            created = BASE_US + start_day * _DAY_US + index * step + rng.randrange(max(step, 1))
            created_at = iso(created)
            updated_at = created_at if rng.random() < 0.6 else iso(created + rng.randrange(_DAY_US))
            rows.append(
                {
                    "id": record_id(entity, number),
                    **values(number),
                    "created_at": created_at,
                    "updated_at": updated_at,
                }
            )
        return rows

    def contact(self, number: int) -> dict[str, Any]:
        rng = self._rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        line = (number * _PHONE_STRIDE + self._phone_offset) % _PHONE_SPACE
        area, local = divmod(line, _LINES)
        return {
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}.{number}@{rng.choice(EMAIL_DOMAINS)}".lower(),
            "phone": f"+1{AREA_CODES[area]}{2_000_000 + local}",
            "company": rng.choice(COMPANIES) if rng.random() < 0.7 else None,
        }

    def campaign(self, number: int) -> dict[str, Any]:
        return {
            "name": f"{self._rng.choice(CAMPAIGN_WORDS)} {number}",
            "status": self._rng.choice(CAMPAIGN_STATUSES),
        }

    def call(
        self,
        number: int,
        contact_ids: Sequence[str],
        campaign_ids: Sequence[str],
        status: str | None = None,
    ) -> dict[str, Any]:
        """A call of a random contact, in ``status`` or a random one; inbound ones have no campaign.

        ``started_at`` is left null: the caller knows when the call happened (a queued one has not).
        """
        rng = self._rng
        inbound = rng.random() < 0.3 or not campaign_ids
        if status is None:
            (status,) = rng.choices(_CALL_STATUSES, cum_weights=_CALL_STATUS_CUM_WEIGHTS)
        completed = status == "completed"
        recorded = completed and rng.random() < 0.9
        return {
            "contact_id": rng.choice(contact_ids) if contact_ids else None,
            "campaign_id": None if inbound else rng.choice(campaign_ids),
            "direction": "inbound" if inbound else "outbound",
            "status": status,
            "started_at": None,
            "duration_seconds": rng.randint(20, 900) if completed else 0,
            "recording_url": f"{RECORDINGS}/{record_id('calls', number)}.mp3" if recorded else None,
            "summary": rng.choice(SUMMARIES) if completed else None,
        }
