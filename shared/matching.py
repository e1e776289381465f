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
and has no normalised phone column in ``base``, so no domain can compare E.164 numbers. Instead
one ``search_read`` per page ORs a LIKE pattern per number that every written form of it matches
(its last seven national digits with ``%`` between them), and the exact comparison is made here,
after normalising each partner's phone the same way: the pattern only narrows, the check decides.
A page of contacts costs at most two ``search_read`` calls (phones, then the emails of those the
phones did not settle), never one per contact.

Odoo 19 facts this relies on (its source, ``odoo/odoo`` 19.0 at ca3afd65, 2025-11-14):

- ``odoo/orm/fields.py`` lines 1309-1326, ``Field._condition_to_sql``: ``like``/``ilike`` send
  ``f"%{value}%"`` and ``=like``/``=ilike`` send ``str(value)`` to SQL ``LIKE``/``ILIKE``
  **without escaping anything**: ``%`` and ``_`` in the value are wildcards. PostgreSQL's LIKE
  escape character is the backslash, so ``\\%``, ``\\_`` and ``\\\\`` are literals; Odoo's own
  helper for that is ``escape_psql`` (``odoo/tools/sql.py`` lines 634-635). ``ilike`` also wraps
  both sides in ``unaccent()`` when the database has that extension.
- ``odoo/orm/domains.py`` lines 1386-1403, ``_optimize_like_str``: an empty value makes
  ``ilike`` match everything and ``=ilike`` mean ``= False``, so an empty pattern is never sent.
- ``odoo/addons/base/models/res_partner.py`` lines 271-275: ``email`` and ``phone`` are plain
  ``Char`` fields; ``mobile`` is gone from ``base`` since 18.0 (OCA's ``partner_mobile`` adds it
  back), so only ``phone`` is searched unless a caller names more fields.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

from shared.odoo import OdooClient

PARTNER_MODEL = "res.partner"
PHONE_FIELDS: tuple[str, ...] = ("phone",)
# Seven digits: the subscriber part every written form of a number keeps, whatever happens to its
# country code, trunk prefix ("0", "1") or mobile markers (Argentina's "15" or "9").
PATTERN_DIGITS = 7


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
    if not text or not text.strip():
        return None
    number = _parse(text, _region(region))
    return None if number is None else _e164(number)


def phone_pattern(e164: str) -> str:
    """The ``=like`` pattern every written form of ``e164`` matches: its last seven national
    digits, ``%`` around and between them (``+14155550123`` -> ``%5%5%5%0%1%2%3%``).

    Separators, country code, trunk prefix and an extension may stand anywhere around or between
    the digits. Digits are no LIKE wildcards and have no case, so nothing needs escaping and
    ``=like`` (no ``lower()``/``unaccent()`` per row) finds what ``=ilike`` would.
    """
    number = phonenumbers.parse(e164, None)
    digits = phonenumbers.national_significant_number(number)[-PATTERN_DIGITS:]
    return "%" + "%".join(digits) + "%"


def escape_like(text: str) -> str:
    """``text`` as a literal inside an Odoo LIKE pattern, as Odoo's ``escape_psql`` does: Odoo
    passes ``%`` and ``_`` through as wildcards and PostgreSQL escapes with a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def email_addresses(text: str | None) -> list[str]:
    """The addresses in an email field, lower-cased: Odoo's ``email`` may hold ``Ada
    <ada@x.org>`` or several addresses separated by commas."""
    if not text:
        return []
    return [address.strip().lower() for _, address in getaddresses([text]) if "@" in address]


def normalize_email(text: str | None) -> str | None:
    """The address a contact's email names (the first one), lower-cased; ``None`` if none."""
    addresses = email_addresses(text)
    return addresses[0] if addresses else None


def any_of(terms: Sequence[Any]) -> list[Any]:
    """The terms ORed in Odoo's prefix notation (``['|', t1, '|', t2, t3]`` flattened to
    ``['|', '|', t1, t2, t3]``, the same tree read left to right)."""
    return ["|"] * (len(terms) - 1) + list(terms)


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


class PartnerMatcher:
    """Matches pages of candidates against the active partners Odoo holds, in two calls at most."""

    def __init__(self, odoo: OdooClient, region: str, *, phone_fields: Sequence[str] = PHONE_FIELDS) -> None:
        self.odoo = odoo
        self.region = _region(region)
        self.phone_fields = tuple(phone_fields)

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
        taken = set(exclude)
        results: dict[str, Match] = {}

        phones = {key: normalize_phone(c.phone, self.region or "") for key, c in unique.items()}
        by_phone = self._partners_by_phone({e164 for e164 in phones.values() if e164})
        rest: list[Candidate] = []
        for key, candidate in unique.items():
            found = self._decide(key, by_phone.get(phones[key] or "", ()), taken, "phone")
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

    def _search(self, terms: list[Any]) -> list[dict[str, Any]]:
        """One ``search_read`` of the active partners matching any of ``terms``."""
        fields = ["id", "name", "email", *self.phone_fields]
        domain = [("active", "=", True), *any_of(terms)]
        return self.odoo.call(PARTNER_MODEL, "search_read", domain=domain, fields=fields)

    def _partners_by_phone(self, numbers: set[str]) -> dict[str, list[int]]:
        """E.164 number -> ids of the active partners whose phone is that number (one call)."""
        if not numbers:
            return {}
        patterns = sorted({phone_pattern(n) for n in numbers})
        terms = [(name, "=like", pattern) for pattern in patterns for name in self.phone_fields]
        regions = sorted({r for n in numbers if (r := _region_of(n)) and r != self.region})
        found: dict[str, list[int]] = {}
        for row in self._search(terms):
            readings: set[str] = set()
            for name in self.phone_fields:
                readings |= self._readings(row.get(name), regions)
            for e164 in readings & numbers:
                found.setdefault(e164, []).append(int(row["id"]))
        return found

    def _readings(self, text: Any, regions: list[str]) -> set[str]:
        """What a partner's stored phone may mean: its reading in the default region; and when
        that is no valid number (``020 7946 0018`` read in the US), its reading in the countries
        of the page's numbers, as Odoo would read it with the partner's own country."""
        if not isinstance(text, str) or not text.strip():
            return set()
        number = _parse(text, self.region)
        if number is not None and phonenumbers.is_valid_number(number):
            return {_e164(number)}
        readings = {_e164(number)} if number is not None else set()
        for region in regions:
            other = _parse(text, region)
            if other is not None:
                readings.add(_e164(other))
        return readings

    def _partners_by_email(self, emails: set[str]) -> dict[str, list[int]]:
        """Lower-cased address -> ids of the active partners whose email field holds it (one call).

        ``ilike`` with the address escaped finds it anywhere in the field (``Ada <ada@x.org>``),
        case-insensitively; the exact comparison of whole addresses is made here."""
        if not emails:
            return {}
        terms = [("email", "ilike", escape_like(email)) for email in sorted(emails)]
        found: dict[str, list[int]] = {}
        for row in self._search(terms):
            for address in set(email_addresses(row.get("email") or None)) & emails:
                found.setdefault(address, []).append(int(row["id"]))
        return found


def _region_of(e164: str) -> str | None:
    """The country an E.164 number belongs to (``+44...`` -> ``GB``)."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
