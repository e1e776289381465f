"""Start and stop voicesync's own processes (workers, beat, receiver) for the demo and tests.

Each child gets its own process group so that stopping it also stops what it forked (Celery's
pool children), and is killed by the kernel when the process that started it dies, however it
dies (``PR_SET_PDEATHSIG``; Celery's pool children do the same with their worker): a demo or a
test run killed outright leaves nothing behind to consume its queues.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from shared.settings import child_environment

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn`` for a child that must not outlive its parent (Linux; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class ManagedProcess:
    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = child_environment(env)
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed by it
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """``kill -9`` the process group: the crash a test wants to survive."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def terminate(self) -> None:
        """SIGTERM without waiting (see :func:`stop_all`)."""
        if self.alive():
            self._signal(signal.SIGTERM)

    def stop(self, timeout: float = 15.0) -> None:
        """Ask politely (SIGTERM: Celery finishes its current task), then insist."""
        if not self.alive():
            return
        self._signal(signal.SIGTERM)
        assert self.process is not None
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait()

    def _signal(self, signum: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


def stop_all(processes: list[ManagedProcess], timeout: float = 20.0) -> None:
    """Stop several processes at once: SIGTERM to all, one shared wait, SIGKILL to any left."""
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        if process.process is None:
            continue
        try:
            process.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def celery_worker(
    queue: str, env: Mapping[str, str], log_dir: Path, concurrency: int = 2, name: str = ""
) -> ManagedProcess:
    """``celery -A workers worker -Q <queue> -n <queue>@%h``, as in production."""
    node = name or queue
    argv = [
        sys.executable, "-m", "celery", "-A", "workers", "worker",
        "-Q", queue, "-n", f"{node}@%h", "--concurrency", str(concurrency),
        "--loglevel", "INFO", "-E", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    return ManagedProcess(f"worker-{node}", argv, env, log_dir)


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.2, what: str = "condition") -> None:
    """Poll ``predicate`` until it returns true; TimeoutError naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _runs(pid: int, marker: str) -> bool:
    """Whether ``pid`` is alive and its command line holds ``marker`` (a pid file may outlive its
    process, and the pid be reused); where there is no ``/proc``, whether it is alive."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self").exists():
        return True
    try:
        return marker.encode() in cmdline.read_bytes()
    except OSError:
        return False


def stop_by_pid_file(pid_file: Path, marker: str, timeout: float = 60.0) -> int | None:
    """SIGTERM the process ``pid_file`` names, if it still runs a command holding ``marker``,
    and wait for it to end; its pid, or None when it was not running."""
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return None
    if not _runs(pid, marker):
        pid_file.unlink(missing_ok=True)
        return None
    os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        wait_for(lambda: not _runs(pid, marker), timeout, interval=0.2, what=f"process {pid} to stop")
    pid_file.unlink(missing_ok=True)
    return pid
