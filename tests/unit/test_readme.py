"""The README starts with the two commands and documents every setting voicesync reads."""

from __future__ import annotations

import re
from dataclasses import fields

import click

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


def _commands(group: click.Group, path: str) -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, f"{path} {name}")
        else:
            found.append((f"{path} {name}", command))
    return found


def test_the_command_table_names_every_command_option_and_platform() -> None:
    from cli import main
    from sandbox.platform.vendors import NAMES

    table = README[README.index("## Commands") : README.index("## Endpoints")]
    for path, command in _commands(main, "voicesync"):
        rows = [row for row in table.splitlines() if f"`{path}" in row]
        assert rows, f"{path} is not in the README's command table"
        if path == "voicesync sandbox":
            continue  # its row lists the main options and ends with "..."
        for option in (opt for param in command.params for opt in param.opts if opt.startswith("--")):
            assert any(option in row for row in rows), f"{path} {option} is not in the README's command table"
    demo = next(row for row in table.splitlines() if row.startswith("| `voicesync demo"))
    assert all(name in demo for name in NAMES), demo
