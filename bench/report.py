"""The results table (printed, and written to ``bench/RESULTS.md`` with the machine's facts)."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
COLUMNS = ("#", "what", "figure", "baseline (same run)", "ratio", "target", "met", "parity")


@dataclass(frozen=True)
class Row:
    number: str
    what: str
    figure: str
    baseline: str = "-"
    ratio: float | None = None
    target: str = "-"
    met: bool | None = None
    parity: bool | None = None

    def cells(self) -> tuple[str, ...]:
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}"
        met = "-" if self.met is None else ("yes" if self.met else "**no**")
        parity = "-" if self.parity is None else ("ok" if self.parity else "**failed**")
        return (self.number, self.what, self.figure, self.baseline, ratio, self.target, met, parity)


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else 0.0


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def machine_facts() -> list[str]:
    return [
        f"cores: {os.cpu_count()}",
        f"memory: {_memory_gib()}",
        f"CPU: {_cpu_model()}",
        f"Python: {platform.python_version()} ({platform.python_implementation()})",
        f"OS: {platform.platform()}",
    ]


def write_results(
    rows: list[Row], *, scale: str, command: str, wall_seconds: float, setup: list[str], notes: list[str]
) -> Path:
    """RESULTS.md: the table, how it was made, on what, and what limited any missed target."""
    heading = "# voicesync benchmarks" + (" (QUICK run: a tenth of the sizes)" if scale == "quick" else "")
    parts = [
        heading,
        "",
        f"- command: `{command}`",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- wall time: {wall_seconds / 60:.1f} min",
        *(f"- {fact}" for fact in machine_facts()),
        *(f"- {line}" for line in setup),
        "",
        table(rows),
        "",
        "## Notes",
        "",
        *(f"- {note}" for note in notes),
        "",
    ]
    RESULTS.write_text("\n".join(parts))
    return RESULTS
