"""Find the partner Odoo already has for a platform contact, before voicesync creates one.

People reach Odoo by many doors (the website, a salesperson, an import), so a contact the platform
sends may already be a partner that voicesync never wrote. Creating a second one splits that
person's history in two; binding to the wrong one merges two people. So the rule is narrow:

1. by phone, normalised to E.164 with ``phonenumbers`` (the library Odoo's own
   ``phone_validation`` uses), national forms read in the default region ``phone_region``;
2. failing any phone match, by email, case-insensitively;
3. exactly one partner: bind to it; none: create; two or more: *ambiguous*, bind to none and
   report (a person must decide). An ambiguous phone does not fall through to email: the phone
   already says "one of these", and an email match would only pick one of them by chance.

Odoo stores phones free-form (``+1 415-555-0123``, ``(415) 555 0123``, ``0044 20 7946 0018``)
and has no normalised phone column in ``base``, so no domain can compare E.164 numbers, and a
LIKE pattern per number ORed over every partner costs a scan of all of them per page (a first
sync then slows as partners pile up: 1.2 s a page of 200 against 10,000 partners). So each
process keeps a :class:`PartnerIndex`: the active partners' phones (by their last seven digits,
the subscriber part every written form keeps) and email addresses, read once and then kept
current with one ``search_read`` of the partners written since (``write_date``), at most every
``VOICESYNC_MATCH_FRESHNESS`` seconds (2): looking before every page cost a third Odoo call per
page of a first sync, and a partner a person writes in the very moment voicesync creates the
same person is a race whatever the interval. The index only narrows; the exact comparison is
made here, after normalising each partner's phone the same way the contact's was.

Odoo 19 facts this relies on (its source, ``odoo/odoo`` 19.0 at ca3afd65, 2025-11-14):

- ``odoo/addons/base/models/res_partner.py`` lines 271-275: ``email`` and ``phone`` are plain
  ``Char`` fields; ``mobile`` is gone from ``base`` since 18.0 (OCA's ``partner_mobile`` adds it
  back), so only ``phone`` is read unless a caller names more fields.
- ``write_date`` is the time of the writing transaction's start (``cr.now()``): a partner written
  by a transaction that began before the last look and committed after it carries an earlier
  time, so each look reaches back ``LOOK_BACK`` before the newest time it saw.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import getaddresses
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

from shared.odoo import OdooClient

PARTNER_MODEL = "res.partner"
PHONE_FIELDS: tuple[str, ...] = ("phone",)
# Seven digits: the subscriber part every written form of a number keeps, whatever happens to its
# country code, trunk prefix ("0", "1") or mobile markers (Argentina's "15" or "9").
KEY_DIGITS = 7
LOOK_BACK = timedelta(seconds=5)
_NOT_BARE = re.compile(r"[<>,;()\"\s]")
READ_PAGE = 5000
_LETTERS = re.compile(r"[A-Za-z]")
_NOT_DIALLED = re.compile(r"[^0-9A-Za-z]")
_EXTENSION = re.compile(r"[A-Za-z#;,]")  # "555 0123 ext 9", "555 0123 #9": the number ends before it


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    """Odoo's ``phone_validation.phone_parse``, but lenient: a *possible* number counts (Odoo
    then also demands a valid one), and a failure is ``None`` rather than a ``UserError``.

    Like Odoo, a number too long to be national is tried again as international: ``0044 20 7946
    0018`` read in the US is ``+44 20 7946 0018`` (the US dials ``011``, not ``00``), and
    ``14155550123`` read in GB is ``+1 415 555 0123``. A number possible only as a local number
    (``555-0123``: no area code) is refused, since it names no one line.
    """
    text = text.strip()
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.IS_POSSIBLE:
        return number
    if reason == ValidationResult.TOO_LONG and not text.startswith("+"):
        try:
            number = phonenumbers.parse("+" + text.removeprefix("00"), region)
        except NumberParseException:
            return None
        if phonenumbers.is_possible_number_with_reason(number) == ValidationResult.IS_POSSIBLE:
            return number
    return None


def _may_be_number(text: str | None) -> bool:
    """Whether ``text`` holds enough digits (or letters, ``1-800-FLOWERS``) to be a number matching
    could find: a cheap look, before any parsing."""
    return bool(text) and len(_NOT_DIALLED.sub("", text or "")) >= KEY_DIGITS


def _region(region: str | None) -> str | None:
    return (region or "").strip().upper() or None


def _e164(number: PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalize_phone(text: str | None, region: str) -> str | None:
    """``text`` as E.164 (``+14155550123``), national forms read in ``region`` (``"US"``).

    ``None`` for no text, text that is no phone number, and numbers that cannot exist (too short,
    too long, unknown country code, local-only). Possible numbers are kept even when
    ``phonenumbers`` doubts them (new ranges reach its metadata late, and Odoo users type what
    they have), so ``normalize_phone`` never rejects a number Odoo would store.
    """
    number = _Number.read(text, _region(region))
    return None if number is None else number.e164


@dataclass(frozen=True)
class _Number:
    """A contact's phone, parsed once: its E.164 form, the index key (its last seven national
    digits) and the main country of its calling code (``+44`` -> ``GB``). Parsing is most of
    matching's CPU, and the region of a single number (``region_code_for_number``) tries every
    country sharing its code: the calling code's main country reads a stored national form the
    same way (one numbering plan per code)."""

    e164: str
    key: str
    region: str

    @classmethod
    def read(cls, text: str | None, region: str | None) -> _Number | None:
        if not text or not text.strip():
            return None
        number = _parse(text, region)
        if number is None:
            return None
        national = phonenumbers.national_significant_number(number)
        main = phonenumbers.region_code_for_country_code(number.country_code or 0)
        return cls(_e164(number), national[-KEY_DIGITS:], main)


def email_addresses(text: str | None) -> list[str]:
    """The addresses in an email field, lower-cased: Odoo's ``email`` may hold ``Ada
    <ada@x.org>`` or several addresses separated by commas."""
    if not text:
        return []
    if not _NOT_BARE.search(text):  # nearly every stored email: one bare address, no parsing needed
        return [text.strip().lower()] if "@" in text else []
    return [address.strip().lower() for _, address in getaddresses([text]) if "@" in address]


def normalize_email(text: str | None) -> str | None:
    """The address a contact's email names (the first one), lower-cased; ``None`` if none."""
    addresses = email_addresses(text)
    return addresses[0] if addresses else None


@dataclass(frozen=True)
class Candidate:
    """A platform contact to find a partner for; ``key`` is its platform id."""

    key: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Match:
    """What matching found for one candidate.

    ``partner_id`` set: bind to it (``by`` says whether ``"phone"`` or ``"email"`` found it).
    ``ambiguous`` non-empty: several partners share the phone (or, with no phone match, the
    email); bind to none, create none, report these ids. Neither: no partner, create one.
    """

    key: str
    partner_id: int | None = None
    ambiguous: tuple[int, ...] = ()
    by: str | None = None

    @property
    def found(self) -> bool:
        return self.partner_id is not None

    @property
    def is_ambiguous(self) -> bool:
        return bool(self.ambiguous)


def _stored_keys(text: Any) -> set[str]:
    """The index keys of a phone as Odoo holds it: the last seven digits, and those before an
    extension (``555 0123 ext 9``)."""
    if not isinstance(text, str):
        return set()
    keys = {re.sub(r"\D", "", part)[-KEY_DIGITS:] for part in (text, _EXTENSION.split(text, 1)[0])}
    return {key for key in keys if len(key) == KEY_DIGITS}


@dataclass
class PartnerIndex:
    """The active partners' phones and emails, read once and kept current by ``write_date``.

    One per process (through its matcher): the first look reads every partner with a phone or an
    email (pages of ``READ_PAGE``); each later look reads only the partners written since the
    newest ``write_date`` seen, less ``LOOK_BACK``, by anyone but the integration user, archived
    ones included so they leave the index.
    A partner deleted from Odoo stays until the process restarts; binding to it fails that
    record's ``load`` (a dead letter naming it), it never writes elsewhere.
    """

    odoo: OdooClient
    phone_fields: tuple[str, ...]
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, set[int]] = field(default_factory=dict)
    by_email: dict[str, set[int]] = field(default_factory=dict)
    seen: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # partner id -> what was last taken in
    newest: str | None = None
    freshness: float = 0.0
    looked: float = 0.0  # when it last looked (monotonic)

    def refresh(self) -> None:
        if self.newest is not None and time.monotonic() - self.looked < self.freshness:
            return
        self.looked = time.monotonic()
        if self.newest is None:
            latest = self._read([], limit=1, order="write_date desc", active_test=False)
            self.newest = latest[0]["write_date"] if latest else "1970-01-01 00:00:00"
            terms = [(name, "!=", False) for name in (*self.phone_fields, "email")]
            domain: list[Any] = ["|"] * (len(terms) - 1) + terms
            active_test = True
        else:
            since = (datetime.fromisoformat(self.newest) - LOOK_BACK).strftime("%Y-%m-%d %H:%M:%S")
            # voicesync's own writes are of partners it has bound: no candidates, and during a
            # first sync nearly every partner written since the last page
            domain = [("write_date", ">=", since), ("write_uid", "!=", self.odoo.uid())]
            active_test = False
        offset = 0
        while page := self._read(domain, limit=READ_PAGE, offset=offset, order="id", active_test=active_test):
            offset += len(page)
            for row in page:
                self._put(row)
                self.newest = max(self.newest, str(row["write_date"]))
            if len(page) < READ_PAGE:
                break

    def _read(self, domain: list[Any], *, active_test: bool, **options: Any) -> list[dict[str, Any]]:
        fields = ["id", "active", "email", "write_date", *self.phone_fields]
        return self.odoo.call(
            PARTNER_MODEL, "search_read", domain=domain, fields=fields, context={"active_test": active_test}, **options
        )

    def _put(self, row: dict[str, Any]) -> None:
        partner_id = int(row["id"])
        signature = (row.get("active", True), row.get("email"), *(row.get(name) for name in self.phone_fields))
        if self.seen.get(partner_id) == signature:
            return  # read again by the look-back, unchanged
        self.seen[partner_id] = signature
        old = self.rows.pop(partner_id, None)
        if old is not None:
            for key in self._keys(old):
                self.by_key.get(key, set()).discard(partner_id)
            for address in email_addresses(old.get("email") or None):
                self.by_email.get(address, set()).discard(partner_id)
        if not row.get("active", True) or not (self._keys(row) or email_addresses(row.get("email") or None)):
            return  # archived, or nothing to be found by
        self.rows[partner_id] = row
        for key in self._keys(row):
            self.by_key.setdefault(key, set()).add(partner_id)
        for address in email_addresses(row.get("email") or None):
            self.by_email.setdefault(address, set()).add(partner_id)

    def _keys(self, row: dict[str, Any]) -> set[str]:
        return {key for name in self.phone_fields for key in _stored_keys(row.get(name))}

    def by_phone_key(self, keys: set[str]) -> list[dict[str, Any]]:
        """The partners whose phone may be one of the numbers with these keys."""
        ids = {partner_id for key in keys for partner_id in self.by_key.get(key, ())}
        return [self.rows[partner_id] for partner_id in sorted(ids)]


class PartnerMatcher:
    """Matches pages of candidates against the active partners Odoo holds, in at most one call a
    page once its process has read them (:class:`PartnerIndex`); ``freshness``: how long the index
    may go without looking again."""

    def __init__(
        self, odoo: OdooClient, region: str, *, phone_fields: Sequence[str] = PHONE_FIELDS, freshness: float = 0.0
    ) -> None:
        self.odoo = odoo
        self.region = _region(region)
        self.phone_fields = tuple(phone_fields)
        self.index = PartnerIndex(odoo, self.phone_fields, freshness=freshness)

    def match(self, candidates: Iterable[Candidate], exclude: Collection[int] = frozenset()) -> dict[str, Match]:
        """A :class:`Match` per candidate key (the first candidate of a repeated key counts).

        Partners in ``exclude`` (bound to another platform contact already) are no candidates
        and do not make a match ambiguous. Within the page, too, a partner goes to one contact
        only: to the first that matched it by phone, else to the first by email; later
        contacts see it as excluded, as they would in a later page. Phones are settled for the
        whole page before any email is looked at, so a phone match beats an email match.
        """
        unique: dict[str, Candidate] = {}
        for candidate in candidates:
            unique.setdefault(candidate.key, candidate)
        if any(_may_be_number(c.phone) or normalize_email(c.email) for c in unique.values()):
            self.index.refresh()  # nothing to look for, nothing to read
        numbers = {key: self._number(c.phone) for key, c in unique.items()}
        taken = set(exclude)
        results: dict[str, Match] = {}

        by_phone = self._partners_by_phone({number for number in numbers.values() if number})
        rest: list[Candidate] = []
        for key, candidate in unique.items():
            number = numbers[key]
            found = self._decide(key, by_phone.get(number.e164, ()) if number else (), taken, "phone")
            if found is None:
                rest.append(candidate)
            else:
                results[key] = found

        emails = {c.key: normalize_email(c.email) for c in rest}
        by_email = self._partners_by_email({email for email in emails.values() if email})
        for candidate in rest:
            key = candidate.key
            results[key] = self._decide(key, by_email.get(emails[key] or "", ()), taken, "email") or Match(key)
        return results

    def _number(self, text: str | None) -> _Number | None:
        """The contact's phone, parsed only when a partner's stored phone could be it: parsing
        is most of matching's CPU, and on a first sync into an Odoo with few phones nearly no
        number has a partner to compare with. A stored phone's keys hold the last seven digits of
        every number it may be, so a text whose keys are in no partner's is nobody's number;
        letters (``1-800-FLOWERS``) are digits to ``phonenumbers``, so such a text is parsed."""
        if not text or (not _LETTERS.search(text) and self.index.by_key.keys().isdisjoint(_stored_keys(text))):
            return None
        return _Number.read(text, self.region)

    @staticmethod
    def _decide(key: str, partner_ids: Iterable[int], taken: set[int], by: str) -> Match | None:
        """One partner left once ``taken`` is set aside: bound (and taken); several: ambiguous;
        none: ``None``, so the next criterion is tried."""
        left = tuple(sorted(set(partner_ids) - taken))
        if len(left) == 1:
            taken.add(left[0])
            return Match(key, left[0], by=by)
        if left:
            return Match(key, None, ambiguous=left, by=by)
        return None

    def _partners_by_phone(self, numbers: set[_Number]) -> dict[str, list[int]]:
        """E.164 number -> ids of the active partners whose phone is that number."""
        regions = tuple(sorted({n.region for n in numbers if n.region != self.region}))
        wanted = {n.e164 for n in numbers}
        found: dict[str, list[int]] = {}
        for row in self.index.by_phone_key({n.key for n in numbers}):
            readings: set[str] = set()
            for name in self.phone_fields:
                text = row.get(name)
                if isinstance(text, str) and text.strip():
                    readings |= _readings(text, self.region, regions)
            for e164 in readings & wanted:
                found.setdefault(e164, []).append(int(row["id"]))
        return found

    def _partners_by_email(self, emails: set[str]) -> dict[str, list[int]]:
        """Lower-cased address -> ids of the active partners whose email field holds it (``Ada
        <ada@x.org>`` and lists of addresses count)."""
        return {email: sorted(ids) for email in emails if (ids := self.index.by_email.get(email))}


@lru_cache(maxsize=65536)
def _readings(text: str, region: str | None, regions: tuple[str, ...]) -> frozenset[str]:
    """What a partner's stored phone may mean: its reading in the default region; and when that
    is no valid number (``020 7946 0018`` read in the US), its reading in the countries of the
    page's numbers, as Odoo would read it with the partner's own country. Cached: the same
    partners come up page after page."""
    number = _parse(text, region)
    if number is not None and phonenumbers.is_valid_number(number):
        return frozenset({_e164(number)})
    readings = {_e164(number)} if number is not None else set()
    for other_region in regions:
        other = _parse(text, other_region)
        if other is not None:
            readings.add(_e164(other))
    return frozenset(readings)
