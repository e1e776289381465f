"""The results table (printed, and written to ``bench/RESULTS.md`` with the machine's facts)."""

from __future__ import annotations

import os
import platform
import re
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


def _body(
    command: str, wall_seconds: float, setup: list[str], rows: list[Row], notes: list[str], level: str = "##"
) -> list[str]:
    """How the figures were made, on what, the table, and what limited any missed target."""
    return [
        f"- command: `{command}`",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- wall time: {wall_seconds / 60:.1f} min",
        *(f"- {fact}" for fact in machine_facts()),
        *(f"- {line}" for line in setup),
        "",
        table(rows),
        "",
        f"{level} Notes",
        "",
        *(f"- {note}" for note in notes),
    ]


def _start(name: str) -> str:
    return f"<!-- section {name} -->"


def _end(name: str) -> str:
    return f"<!-- end of section {name} -->"


def _without(text: str, name: str) -> str:
    begin, end = text.find(_start(name)), text.find(_end(name))
    if begin < 0 or end < begin:
        return text
    return text[:begin] + text[end + len(_end(name)) :].lstrip("\n")


def _kept_sections(drop: tuple[str, ...] = ()) -> str:
    """The sections of the current RESULTS.md (rows measured in their own runs, e.g. row 8), but
    those named in ``drop``."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    start = text.find("<!-- section ")
    kept = "" if start < 0 else text[start:]
    for name in drop:
        kept = _without(kept, name)
    return kept


def main_command() -> str | None:
    """The command that made RESULTS.md's main table; ``None`` when there is none."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    found = re.search(r"^- command: `([^`]*)`", text.split("<!-- section ", 1)[0], re.MULTILINE)
    return found.group(1) if found else None


def write_results(
    rows: list[Row],
    *,
    scale: str,
    command: str,
    wall_seconds: float,
    setup: list[str],
    notes: list[str],
    drop: tuple[str, ...] = (),
) -> Path:
    """RESULTS.md's main table; the sections of rows run on their own are kept as they are, but those
    named in ``drop`` (a partial run's, which this run supersedes)."""
    heading = "# voicesync benchmarks" + (" (QUICK run: a tenth of the sizes)" if scale == "quick" else "")
    body = _body(command, wall_seconds, setup, rows, notes)
    kept = _kept_sections(drop)
    RESULTS.write_text("\n".join([heading, "", *body, ""]) + ("\n" + kept if kept else ""))
    return RESULTS


def write_section(
    name: str, title: str, rows: list[Row], *, command: str, wall_seconds: float, setup: list[str], notes: list[str]
) -> Path:
    """One row's own section of RESULTS.md, replaced (or added at the end); the rest is kept."""
    section = "\n".join(
        [_start(name), f"## {title}", "", *_body(command, wall_seconds, setup, rows, notes, "###"), "", _end(name), ""]
    )
    text = RESULTS.read_text() if RESULTS.exists() else ""
    begin, end = text.find(_start(name)), text.find(_end(name))
    if begin >= 0 and end > begin:
        text = text[:begin] + section + text[end + len(_end(name)) :].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    return RESULTS
