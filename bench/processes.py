"""voicesync's own processes for a benchmark: Celery workers (ready before timing starts) and gunicorn.

Peak memory is read from ``/proc/<pid>/status`` (``VmHWM``) of a worker and its pool children.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import psutil
import requests
from celery import Celery

from cli.processes import ManagedProcess, wait_for

READY_SECONDS = 60.0


def wait_ready(processes: list[ManagedProcess], nodes: list[str], broker_url: str) -> None:
    """Block until every worker answers a ping, so no start-up time is counted."""
    with Celery(broker=broker_url) as probe:

        def ready() -> bool:
            for process in processes:
                if not process.alive():
                    raise RuntimeError(f"{process.name} exited: {process.log_path.read_text()[-2000:]}")
            replies = probe.control.ping(timeout=0.5) or []
            answered = {key.split("@")[0] for reply in replies for key in reply}
            return answered >= set(nodes)

        wait_for(ready, READY_SECONDS, what=f"workers {', '.join(nodes)}")


def celery_app_worker(
    app: str, queue: str, node: str, concurrency: int, env: Mapping[str, str], log_dir: Path
) -> ManagedProcess:
    """``celery -A <app> worker`` for an app other than voicesync's (the naive pattern's)."""
    argv = [
        sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queue, "-n", f"{node}@%h",
        "--concurrency", str(concurrency), "--loglevel", "WARNING", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    return ManagedProcess(f"worker-{node}", argv, env, log_dir)


def gunicorn(name: str, app: str, port: int, env: Mapping[str, str], log_dir: Path) -> ManagedProcess:
    """``gunicorn -c python:web.gunicorn_config <app>`` on ``port``, with the receiver's production settings."""
    argv = [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_config", app]
    return ManagedProcess(name, argv, {**env, "VOICESYNC_WEB_BIND": f"127.0.0.1:{port}"}, log_dir)


def wait_http(url: str, process: ManagedProcess) -> None:
    def up() -> bool:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited: {process.log_path.read_text()[-2000:]}")
        try:
            return requests.get(url, timeout=1).status_code < 500
        except requests.RequestException:
            return False

    wait_for(up, READY_SECONDS, what=process.name)


def _high_water_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_memory_kb(processes: list[ManagedProcess]) -> int:
    """The largest peak resident set of any one worker process, pool children included."""
    pids: list[int] = []
    for process in processes:
        if process.alive():
            parent = psutil.Process(process.pid)
            pids += [parent.pid, *(child.pid for child in parent.children(recursive=True))]
    return max((_high_water_kb(pid) for pid in pids), default=0)
