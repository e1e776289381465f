"""The demo's "what to open next" names voicesync as the newcomer can run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import demo


def test_voicesync_off_the_path_is_named_by_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After ``make demo`` the script is ``.venv/bin/voicesync``, which a new shell does not find."""
    script = tmp_path / ".venv" / "bin" / "voicesync"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [str(script), "demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert demo._command() == ".venv/bin/voicesync"
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert demo._command() == "voicesync"
