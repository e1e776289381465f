"""The names of a vendor's assistants (Vapi's assistants, Retell's agents, Bland's pathways), read
once per process and kept: calls name their assistant by id, Odoo's users read it by name.

The list is read on first need, and again only when a call names an id it does not hold and the
last reading is older than :data:`REFRESH_SECONDS`: a new assistant shows by name soon after, and a
flood of unknown ids costs at most one reading per interval. A reading that fails is logged once
and the calls go on with their ids: a name is a convenience, never a reason to fail a sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from shared.errors import ApiError, DataError

REFRESH_SECONDS = 300.0
log = logging.getLogger(__name__)


class AssistantNames:
    """Assistant id -> name, from ``read`` (the adapter's listing), thread-safe."""

    def __init__(self, read: Callable[[], dict[str, str]], refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._read = read
        self.refresh_seconds = refresh_seconds
        self._names: dict[str, str] = {}
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def name(self, assistant_id: object) -> str | None:
        """The name of ``assistant_id``; None when unknown (or the list cannot be read)."""
        if not isinstance(assistant_id, str) or not assistant_id:
            return None
        with self._lock:
            if assistant_id not in self._names and self._due():
                self._refresh()
            return self._names.get(assistant_id)

    def _due(self) -> bool:
        return self._read_at is None or time.monotonic() - self._read_at >= self.refresh_seconds

    def _refresh(self) -> None:
        self._read_at = time.monotonic()
        try:
            self._names = self._read()
        except (ApiError, DataError) as exc:
            log.warning("assistant names not read, calls show assistant ids: %s", exc)
