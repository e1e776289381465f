"""The README's backup and restore commands (section "Backup and restore") bring a ledger's rows back.

Each command is read from the README and run as written, through a shell: SQLite's from the
folder holding ``var/``; PostgreSQL's without ``docker compose exec -T postgres`` in front and
with this machine's server and a database of the test's own in place of the stack's.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url

from shared.ledger.bindings import Binder, BindingRow
from shared.ledger.db import Ledger
from shared.ledger.models import Binding, Bookmark, DeadLetter
from shared.settings import PROJECT_ROOT
from tests.services import required

README = PROJECT_ROOT / "README.md"
IN_THE_STACK = "docker compose exec -T postgres "
THE_STACKS_DATABASE = "-U voicesync -d voicesync"


def documented(prefix: str) -> str:
    """The one README line that starts with ``prefix`` (a command in a code block)."""
    lines = [line.strip() for line in README.read_text().splitlines() if line.strip().startswith(prefix)]
    assert len(lines) == 1, f"the README should have one command starting {prefix!r}: {lines}"
    return lines[0]


def run(command: str, cwd: Path) -> None:
    done = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{command}\n{done.stderr}"


def fill(ledger: Ledger) -> None:
    """Bindings (one of a partner Odoo's people made), a bookmark and a dead letter."""
    voicesyncs = [BindingRow(f"ct_{n}", 10 + n, str(n) * 64, f"2026-12-01T10:00:0{n}Z") for n in (1, 2)]
    odoos = [BindingRow("ct_3", 13, "3" * 64, "2026-12-01T10:00:03Z", owner="odoo")]
    Binder(ledger).bind_many("contacts", [*voicesyncs, *odoos])
    with ledger.session() as session:
        session.add(Bookmark(entity="contacts", value="2026-12-01T10:00:02Z"))
        session.add(DeadLetter(task_name="calls.sync_one", task_kwargs={}, error_type="Fatal", reason="a 401"))


def lose(ledger: Ledger) -> None:
    """What happens after the backup: rows gone, and a row the backup does not have."""
    with ledger.session() as session:
        session.execute(delete(Binding))
        session.execute(delete(Bookmark))
        session.add(Binding(entity="calls", platform_id="c_new", odoo_id=99, content_hash="d" * 64,
                            source_updated_at=datetime.now(UTC).isoformat()))  # fmt: skip


def rows(ledger: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "bindings": select(Binding.platform_id, Binding.odoo_id, Binding.owner, Binding.content_hash).order_by(
            Binding.id
        ),
        "bookmarks": select(Bookmark.entity, Bookmark.value),
        "dead_letters": select(DeadLetter.task_name, DeadLetter.reason),
    }
    with ledger.session() as session:
        return {table: [tuple(row) for row in session.execute(query)] for table, query in queries.items()}


def backup_and_restore(url: str, backup: str, restore: str, cwd: Path) -> None:
    """Fill a ledger, back it up while it is open, change it, restore it: the rows are back."""
    ledger = Ledger(url)
    ledger.upgrade()
    fill(ledger)
    before = rows(ledger)
    assert len(before["bindings"]) == 3 and before["bookmarks"] and before["dead_letters"]
    run(backup, cwd)
    lose(ledger)
    assert rows(ledger) != before
    ledger.dispose()  # everything that writes is stopped before a restore
    run(restore, cwd)
    restored = Ledger(url)
    assert rows(restored) == before
    restored.dispose()


def test_the_documented_sqlite_backup_and_restore(tmp_path: Path) -> None:
    if shutil.which("sqlite3") is None:
        message = "the sqlite3 command is not installed (Debian package sqlite3)"
        if required():
            pytest.fail(f"{message} (VOICESYNC_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    backup = documented('sqlite3 var/voicesync.db ".backup')
    restore = documented('sqlite3 var/voicesync.db ".restore')
    backup_and_restore(f"sqlite:///{tmp_path / 'var' / 'voicesync.db'}", backup, restore, tmp_path)


@pytest.mark.services
def test_the_documented_postgresql_backup_and_restore(postgres_url: str, tmp_path: Path) -> None:
    database = make_url(postgres_url).database
    local = f"-h 127.0.0.1 -U postgres -d {database}"
    commands = []
    for prefix in (f"{IN_THE_STACK}pg_dump ", f"{IN_THE_STACK}pg_restore "):
        command = documented(prefix)
        assert THE_STACKS_DATABASE in command, command
        commands.append(command.removeprefix(IN_THE_STACK).replace(THE_STACKS_DATABASE, local))
    backup, restore = commands
    backup_and_restore(postgres_url, backup, restore, tmp_path)
