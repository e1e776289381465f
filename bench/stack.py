"""One benchmark's system under test, started the way ``cli/demo.py`` starts it.

Both sandboxes run in this process; the ledger is a fresh database and the broker an emptied Redis
database; Celery workers and gunicorn run as their own processes with settings from the
environment. Leaving the ``with`` block stops every process and removes the data, whatever happened.
Given a real Odoo (``odoo_server``), the stack writes into a fresh copy of its template instead of
the sandbox Odoo, over JSON-2, and counts the calls from the server's log.
"""

from __future__ import annotations

from contextlib import ExitStack

from bench.context import BenchContext
from bench.infra import flush_redis, ledger_database
from bench.processes import celery_app_worker, gunicorn, wait_http, wait_ready
from bench.real_odoo import OdooDatabase, OdooServer
from cli.processes import ManagedProcess, celery_worker
from cli.sandbox import sandbox_settings
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared.odoo_setup import bootstrap
from shared.ports import free_port
from shared.services import Services
from shared.settings import Settings

SEED = 7


class Stack:
    def __init__(
        self,
        ctx: BenchContext,
        *,
        contacts: int,
        campaigns: int = 0,
        calls: int = 0,
        ledger_kind: str | None = None,
        bootstrap_odoo: bool = False,
        odoo_server: OdooServer | None = None,
        vendor: str = "generic",
    ) -> None:
        """``vendor`` is the API the platform sandbox speaks and voicesync's adapter for it
        (``VOICE_PLATFORM``); :mod:`bench.workload` says what each vendor's rows seed."""
        self.ctx = ctx
        self.vendor = vendor
        self.sizes = {"contacts": contacts, "campaigns": campaigns, "calls": calls}
        self.ledger_kind = ledger_kind or ctx.ledger_kind
        self.bootstrap_odoo = bootstrap_odoo
        self.odoo_server = odoo_server
        self.real_odoo: OdooDatabase | None = None
        self._log_start = 0  # where the real Odoo's log stood when this stack's database was made
        self._exit = ExitStack()

    def __enter__(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit.close()

    def _start(self) -> None:
        ctx = self.ctx
        flush_redis(ctx.broker_url)
        self._exit.callback(flush_redis, ctx.broker_url)
        self.api = self._exit.enter_context(PlatformSandbox(**self.sizes, seed=SEED, vendor=self.vendor))
        odoo_env = self._start_odoo()
        ledger_url = self._exit.enter_context(ledger_database(self.ledger_kind, ctx.var_dir))
        self.env = {
            **odoo_env,
            "BROKER_URL": ctx.broker_url,
            "DATABASE_URL": ledger_url,
            "VOICESYNC_VAR_DIR": str(ctx.var_dir),
            "VOICE_RATE_LIMIT": "0",
            "VOICE_PAGE_SIZE": str(ctx.scale.page_size),
        }
        self.settings = Settings.from_env(self.env)
        self.services = Services(self.settings)
        self.services.ledger.upgrade()
        self._exit.callback(self.services.ledger.dispose)
        if self.bootstrap_odoo:
            bootstrap(self.services.odoo)

    def _start_odoo(self) -> dict[str, str]:
        """The sandbox Odoo, or a fresh database of the real one; the settings that point at it."""
        if self.odoo_server is None:
            self.odoo = self._exit.enter_context(OdooSandbox())
            return sandbox_settings(self.api, self.odoo)
        self.real_odoo = self._exit.enter_context(self.odoo_server.fresh_database())
        if self.odoo_server.log is not None:
            self._log_start = self.odoo_server.log.tell()
        return {**sandbox_settings(self.api, self.real_odoo), **self.real_odoo.settings()}  # type: ignore[arg-type]

    def set_latency(self, milliseconds: float) -> None:
        """Added to every platform and Odoo call (the sandboxes sleep before answering)."""
        self.api.faults.latency_ms = milliseconds
        self.odoo.faults.latency_ms = milliseconds

    def _started(self, process: ManagedProcess) -> ManagedProcess:
        self._exit.callback(process.stop)
        return process.start()

    def workers(self, queue: str, count: int = 1, concurrency: int = 1, app: str = "workers") -> list[ManagedProcess]:
        """``count`` worker processes on ``queue``, each answering before this returns."""
        nodes = [f"{queue}{n}-{free_port()}" for n in range(count)]
        processes = [
            self._started(
                celery_worker(queue, self.env, self.ctx.log_dir, concurrency, name=node)
                if app == "workers"
                else celery_app_worker(app, queue, node, concurrency, self.env, self.ctx.log_dir)
            )
            for node in nodes
        ]
        wait_ready(processes, nodes, self.ctx.broker_url)
        return processes

    def receiver(self, app: str = "web:create_app()", name: str = "receiver", **env: str) -> str:
        """gunicorn serving ``app`` with the production config; returns its URL once it answers."""
        port = free_port()
        process = self._started(gunicorn(name, app, port, {**self.env, **env}, self.ctx.log_dir))
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/healthz", process)
        return url

    def odoo_calls(self) -> dict[str, int]:
        """Calls per ``model.method`` so far (a real Odoo's: from its log, empty without one)."""
        if self.real_odoo is not None:
            return self.real_odoo.calls(self._log_start)
        return self.odoo.call_counts()

    def odoo_cpu_seconds(self) -> float | None:
        """The real Odoo server's CPU time so far; ``None`` for the sandbox (it runs in this process)."""
        return self.odoo_server.cpu_seconds() if self.odoo_server is not None else None
