"""``voicesync odoo check``: whether a sync would work, one finding per line.

Each finding is proved against the live Odoo, not assumed: the server answers, the database
exists, the key signs in, Odoo's own access check (``ir.model.access.check``, the cache the
integration user's calls go through) grants each right voicesync uses, and a dry run of
bootstrap finds nothing left to create or update.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.entities import ENTITIES
from shared.errors import ApiError, AuthError, ConfigError, NotFound, RetryableError
from shared.odoo import OdooClient
from shared.odoo_owned import CALL_MODEL
from shared.odoo_setup import Bootstrap

RIGHTS: dict[str, tuple[str, ...]] = {
    **{spec.odoo_model: ("read", "write", "create") for spec in ENTITIES.values()},
    "ir.model.data": ("read", "create"),
}


@dataclass(frozen=True)
class Finding:
    """One line of a check: ``odoo check``'s, and ``voicesync check``'s, which names other parts."""

    ok: bool
    text: str
    part: str = "odoo"

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'PROBLEM'}: {self.text}"

    def as_json(self) -> dict[str, object]:
        return {"part": self.part, "ok": self.ok, "message": self.text}


def check(odoo: OdooClient, webhook_url: str | None = None) -> list[Finding]:
    """Every finding, stopping at the first one that makes the rest unanswerable."""
    try:
        answer = odoo.version()
        odoo.transport()
    except ConfigError as exc:
        return [Finding(False, str(exc))]
    except RetryableError as exc:
        return [Finding(False, f"Odoo at {odoo.url} cannot be reached ({exc.message}): check ODOO_URL")]
    except ApiError as exc:
        return [Finding(False, f"{odoo.url} does not answer as Odoo does ({exc}): check ODOO_URL")]
    findings = [Finding(True, f"Odoo {answer.get('version', '?')} at {odoo.url}, over {odoo.protocol}")]
    try:
        uid = odoo.uid()
    except NotFound:
        return [*findings, Finding(False, f"Odoo has no database {odoo.db!r}: check ODOO_DB")]
    except AuthError:
        return [
            *findings,
            Finding(False, f"Odoo refused the API key of {odoo.user!r}: check ODOO_API_KEY and ODOO_USER"),
        ]
    findings.append(Finding(True, f"signed in to database {odoo.db!r} as user id {uid}"))
    findings += _rights(odoo)
    report = Bootstrap(odoo).run(webhook_url, write=False)
    if any(c.owned.name == "call_model" and c.verb == "create" for c in report.changes):
        findings.append(Finding(False, f"the call model {CALL_MODEL} does not exist: run `voicesync odoo bootstrap`"))
    else:
        findings += [
            Finding(False, f"bootstrap would {change}: run `voicesync odoo bootstrap`") for change in report.changes
        ]
    findings += [Finding(False, note) for note in report.notes]
    findings += [Finding(True, skipped) for skipped in report.skipped]
    if not report.changes and not report.notes:
        findings.append(Finding(True, "bootstrap: everything voicesync needs is in place"))
    return findings


def _rights(odoo: OdooClient) -> list[Finding]:
    rows = odoo.call("ir.model", "search_read", domain=[("model", "in", list(RIGHTS))], fields=["model"])
    present = {row["model"] for row in rows}
    findings = []
    for model, modes in RIGHTS.items():
        if model not in present:
            if model != CALL_MODEL:
                findings.append(Finding(False, f"Odoo has no model {model}: install the app that provides it"))
            continue
        refused = [
            mode
            for mode in modes
            if not odoo.call("ir.model.access", "check", model=model, mode=mode, raise_exception=False)
        ]
        if refused:
            findings.append(Finding(False, f"user may not {'/'.join(refused)} {model}: grant it in Odoo's settings"))
        else:
            findings.append(Finding(True, f"user may {'/'.join(modes)} {model}"))
    return findings
