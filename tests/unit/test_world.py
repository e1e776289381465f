"""A test run's own world: leased Redis databases, and children that die with their parent, both
proven by killing a process outright (``kill -9``), as a cancelled CI job or a lost terminal does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import redis

from cli.processes import wait_for
from shared.settings import PROJECT_ROOT
from tests import world
from tests.services import SYSTEM_REDIS, need


def python(code: str) -> subprocess.Popen[str]:
    """A Python process of its own that prints one line once it is ready."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )


def killed(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def test_a_killed_run_s_database_lapses_and_is_emptied_for_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    need(SYSTEM_REDIS, "Redis")
    monkeypatch.setattr(world, "LEASE_SECONDS", 2)
    monkeypatch.setattr(world, "RENEW_SECONDS", 0.5)
    run = python(
        """
        import time
        from tests import world
        world.LEASE_SECONDS, world.RENEW_SECONDS = 2, 0.5
        lease = world.RedisLease().acquire()
        print(lease.database, flush=True)
        time.sleep(60)
        """
    )
    assert run.stdout is not None
    database = int(run.stdout.readline())
    other = world.RedisLease().acquire()
    try:
        assert other.database != database  # held while its run lives
        redis.Redis(db=database).rpush("contacts", "a task the killed run left queued")
        killed(run)
        time.sleep(2.5)
        later = world.RedisLease().acquire()
        try:
            assert later.database == database
            assert redis.Redis(db=database).llen("contacts") == 0
        finally:
            later.release()
    finally:
        other.release()


def test_what_a_test_or_the_demo_starts_dies_with_it_even_when_it_is_killed() -> None:
    parent = python(
        """
        import sys, tempfile, time
        from pathlib import Path
        from cli.processes import ManagedProcess
        logs = Path(tempfile.mkdtemp())
        child = ManagedProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], {}, logs)
        print(child.start().pid, flush=True)
        time.sleep(60)
        """
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # alive, in a process group of its own
    killed(parent)

    def gone() -> bool:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return True
        return open(f"/proc/{child}/stat").read().split()[2] == "Z"  # dead, not yet reaped by init

    wait_for(gone, 10, what="the child to die with its parent")
