"""What every benchmark of one run shares: its scale, scratch folder, broker, ledger kind, the real
Odoo if one was given, and notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bench.real_odoo import OdooServer
from bench.scale import Scale

T = TypeVar("T")


@dataclass
class BenchContext:
    scale: Scale
    var_dir: Path
    broker_url: str
    ledger_kind: str
    odoo: OdooServer | None = None
    notes: list[str] = field(default_factory=list)
    _memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"

    def note(self, text: str) -> None:
        """A line for the printed report and RESULTS.md (what was installed, what limited a figure)."""
        print(f"  note: {text}", flush=True)
        self.notes.append(text)

    def once(self, key: Any, compute: Callable[[], T]) -> T:
        """A measurement several rows read (the first full sync) is taken once per run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]
