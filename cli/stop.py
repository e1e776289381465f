"""``voicesync stop``: stop what voicesync started by itself and left running.

That is a demo still up (``--keep-running``, or one whose terminal was closed) and the embedded
Redis servers under ``var/`` (the one every process shares when ``BROKER_URL`` is unset, and the
demo's), which run as daemons and outlive the process that started them. Nothing else is touched.
"""

from __future__ import annotations

import click

from cli.demo import PID_FILE, demo_dir
from cli.processes import stop_by_pid_file
from shared import embedded_redis
from shared.settings import get_settings


@click.command()
def stop() -> None:
    """Stop a demo left running and the embedded Redis under var/; say what was stopped."""
    var_dir = get_settings().var_dir
    stopped = []
    demo_pid = stop_by_pid_file(demo_dir(var_dir) / PID_FILE, marker="demo")
    if demo_pid is not None:
        stopped.append(f"the demo (process {demo_pid}) and everything it started")
    for folder in (demo_dir(var_dir), var_dir):
        port = embedded_redis.stop(folder)
        if port is not None:
            stopped.append(f"the embedded Redis under {folder / 'redis'} (port {port})")
    for what in stopped:
        click.echo(f"stopped {what}")
    if not stopped:
        click.echo(f"nothing was running (no demo, no embedded Redis under {var_dir})")
