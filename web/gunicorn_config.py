"""gunicorn settings for the receiver: ``gunicorn -c python:web.gunicorn_config "web:create_app()"``.

A module of the installed package, so the command works from any working directory.

The receiver makes no outside call while answering (a commit and an enqueue), so a few worker
processes with threads serve it, each answer well inside Odoo's one-second webhook timeout.
Bind address and sizes come from the settings (``VOICESYNC_WEB_BIND``, ``_WORKERS``, ``_THREADS``).
"""

import sys

from shared import logs, platforms
from shared.errors import ConfigError
from shared.settings import get_settings

try:  # refused here, in one line, before any worker boots
    _settings = get_settings()
    platforms.receiving(_settings)
except ConfigError as exc:
    sys.exit(f"voicesync receiver: {exc}")

bind = _settings.web_bind
workers = _settings.web_workers
threads = _settings.web_threads
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
# No control socket: it lives at a fixed path under $HOME, where two receivers would collide.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
access_log_format = logs.ACCESS_LOG_FORMAT


def post_worker_init(worker: object) -> None:
    """Receiver logs as JSON lines with correlation ids, secrets redacted (``shared.logs``)."""
    logs.configure(_settings, also=("gunicorn.access", "gunicorn.error"))


def child_exit(server: object, worker: object) -> None:
    """With ``PROMETHEUS_MULTIPROC_DIR`` set, forget the metrics of a worker that exited."""
    if _settings.prometheus_multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
