"""The README starts with the two commands and documents every setting voicesync reads."""

from __future__ import annotations

import re
from dataclasses import fields

from shared.settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text()


def test_the_first_code_block_is_the_two_commands() -> None:
    first = re.search(r"```\n(.*?)```", README, re.S)
    assert first is not None and first.group(1).split() == ["make", "demo", "make", "test"]


def test_every_setting_is_documented() -> None:
    settings_section = README[README.index("## Settings") :]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", settings_section))
    wanted = {f.metadata["env"] for f in fields(Settings) if "env" in f.metadata}
    assert wanted - documented == set()
