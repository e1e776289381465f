"""Odoo's cache of the models each user may use, kept as faithfully as its bugs need.

``ir.model.access._get_allowed_models(mode)`` is an ``ormcache`` keyed by ``(uid, mode)``, filled
by the first access check of a mode and read by every later one, until something clears the
registry's caches. ``ir.model.access.create`` clears it *before* inserting its rows and then
checks the caller's own ``create`` right, which refills ``(uid, "create")`` without the new rows:
the caller is refused the model it just opened until the next clearing (see the README for what
clears it). A rolled-back transaction that cleared the cache clears it again, as Odoo's
``registry.reset_changes`` does, so nothing read from uncommitted rows survives.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

from .errors import AccessError

MODES = ("read", "write", "create", "unlink")
VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}
# What the integration bot may not do on built-in models: only administrators manage users.
BUILTIN_DENIED = {
    ("res.users", "create"): "Administration/Access Rights",
    ("res.users", "write"): "Administration/Access Rights",
    ("res.users", "unlink"): "Administration/Access Rights",
}


class AllowedModels:
    """``{(uid, mode): frozenset(model names)}``, shared by every transaction of a store."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], frozenset[str]] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, uid: int, mode: str, compute: Callable[[], frozenset[str]]) -> frozenset[str]:
        """The cached set, computed (and kept, unless a clear came meanwhile) on a miss."""
        with self._lock:
            found, generation = self._entries.get((uid, mode)), self.generation
        if found is not None:
            return found
        found = compute()
        with self._lock:
            if self.generation == generation:
                self._entries.setdefault((uid, mode), found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1

    def cached(self, uid: int, mode: str) -> frozenset[str] | None:
        """What the cache holds now (for tests and debugging)."""
        with self._lock:
            return self._entries.get((uid, mode))


def check_mode(mode: str) -> None:
    """Odoo asserts the mode before anything else (``AssertionError: Invalid access mode``)."""
    assert mode in MODES, "Invalid access mode"


def allowed_models(cr: sqlite3.Connection, uid: int, mode: str) -> frozenset[str]:
    """What ``_get_allowed_models`` selects: models with an active row granting ``mode`` to
    everyone or to a group of ``uid``'s, read on the caller's own (uncommitted) transaction."""
    check_mode(mode)
    rows = cr.execute(
        "SELECT m.model FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id"
        f" WHERE a.perm_{mode} AND a.active AND (a.group_id IS NULL OR a.group_id IN"
        " (SELECT gid FROM res_groups_users_rel WHERE uid = ?)) GROUP BY m.model",
        [uid],
    )
    return frozenset(row[0] for row in rows)


def groups_with_access(cr: sqlite3.Connection, model: str, mode: str) -> list[str]:
    """``group_names_with_access``: the groups an active row grants ``mode`` on ``model``."""
    rows = cr.execute(
        "SELECT g.name FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id"
        " JOIN res_groups g ON g.id = a.group_id"
        f" WHERE m.model = ? AND a.active AND a.perm_{mode} ORDER BY g.name",
        [model],
    )
    return [row[0] for row in rows]


def access_error(description: str, model: str, operation: str, detail: str) -> AccessError:
    """Worded as Odoo's ``ir.model.access._make_access_error``: operation, ``detail``, resolution."""
    return AccessError(
        f"You are not allowed to {VERBS[operation]} '{description}' ({model}) records.\n\n"
        f"{detail}\n\nContact your administrator to request access if necessary."
    )


def groups_detail(groups: list[str]) -> str:
    """The middle paragraph of a refusal: who may, or nobody."""
    if not groups:
        return "No group currently allows this operation."
    return "This operation is allowed for the following groups:\n" + "\n".join(f"\t- {g}" for g in groups)
