"""A real Odoo for the benchmarks that need one (row 8): fresh databases copied from a template,
and what the server spent on them, read from outside (its log and its process's CPU time).

Each database is a copy of the template made by Odoo's own database service (``db.duplicate_database``
with the master password), as the contract tests make theirs, and dropped afterwards. The server is
shared with other engineers, so its log is read per database and its CPU time is only as clean as
the machine is quiet (the row reports the other databases' requests during each run).
"""

from __future__ import annotations

import re
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psutil

from shared.errors import ApiError, InvalidRequest
from shared.http import new_session
from shared.odoo import JSON2_SINCE_MAJOR, JsonRpcTransport, OdooClient, version_major

DB_SERVICE_TIMEOUT = 300.0
CRON_WAIT_SECONDS = 120.0
COPY_ATTEMPTS = 5  # another engineer's copy of the same template makes PostgreSQL refuse ours for a moment
# werkzeug's line per request, as Odoo logs it: "<date> <time> <pid> INFO <db> werkzeug: ... "POST
# /json/2/res.partner/load HTTP/1.1" 200 - <queries> <SQL seconds> <other seconds>"
CRON_LINE = re.compile(r"^\S+ \S+ \d+ \w+ \S+ odoo\.addons\.base\.models\.ir_cron: Job .* starting")
REQUEST_LINE = re.compile(
    r"^\S+ \S+ \d+ \w+ (?P<db>\S+) werkzeug: .*\"(?P<verb>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+\" (?P<status>\d+) - "
    r"(?P<queries>\d+) (?P<sql>[\d.]+) (?P<other>[\d.]+)"
)


@dataclass(frozen=True)
class Request:
    """One HTTP request Odoo logged: whose database, which call, its SQL and other server time."""

    db: str
    call: str
    queries: int
    sql_seconds: float
    other_seconds: float


def _call_name(path: str) -> str:
    """``/json/2/res.partner/load`` -> ``res.partner.load``; any other route stays a path."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    return ".".join(parts[2:4]) if parts[:2] == ["json", "2"] and len(parts) >= 4 else path


def parse_requests(text: str) -> list[Request]:
    found = (REQUEST_LINE.match(line) for line in text.splitlines())
    return [
        Request(m["db"], _call_name(m["path"]), int(m["queries"]), float(m["sql"]), float(m["other"]))
        for m in found
        if m
    ]


@dataclass(frozen=True)
class OdooLog:
    """The server's log file, read from a byte offset on."""

    path: Path

    def tell(self) -> int:
        return self.path.stat().st_size

    def text(self, offset: int) -> str:
        with self.path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def since(self, offset: int) -> list[Request]:
        return parse_requests(self.text(offset))


def _is_local(host: str) -> bool:
    try:
        address = socket.gethostbyname(host)
    except OSError:
        return False
    local = {a.address for addresses in psutil.net_if_addrs().values() for a in addresses}
    return address.startswith("127.") or address in local


@dataclass(frozen=True)
class OdooServer:
    """Where the real Odoo is, the template its copies come from, and the credentials to use them."""

    url: str
    template: str
    master_password: str = field(repr=False)
    api_key: str = field(repr=False)
    user: str = "admin"
    log: OdooLog | None = None

    def rpc(self, service: str, method: str, args: list[Any]) -> Any:
        """A call of Odoo's JSON-RPC services (``db`` here), through voicesync's own transport."""
        session = new_session({"Accept": "application/json"})
        try:
            transport = JsonRpcTransport(self.url, session, "", self.user, "", DB_SERVICE_TIMEOUT)
            return transport.rpc(service, method, args)
        finally:
            session.close()

    @contextmanager
    def fresh_database(self, prefix: str = "voicesync_bench_odoo") -> Iterator[OdooDatabase]:
        """A new copy of the template, answering (its first request is made here, untimed), dropped after."""
        db = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self._copy(db)
        try:
            database = OdooDatabase(self, db)
            database.warm()
            yield database
        finally:
            self.rpc("db", "drop", [self.master_password, db])

    def _copy(self, db: str) -> None:
        for attempt in range(1, COPY_ATTEMPTS + 1):
            try:
                self.rpc("db", "duplicate_database", [self.master_password, self.template, db])
                return
            except ApiError:
                if attempt == COPY_ATTEMPTS:
                    raise
                time.sleep(2.0 * attempt)

    def process(self) -> psutil.Process | None:
        """The server process listening on the URL's port, when it runs on this machine."""
        parsed = urlparse(self.url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if not _is_local(parsed.hostname or ""):
            return None
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
                return psutil.Process(connection.pid)
        return None

    def major(self) -> int:
        """The server's major version (``common.version``, which every Odoo answers)."""
        return version_major(self.rpc("common", "version", []))

    def protocol(self) -> str:
        """What voicesync speaks to it under ``ODOO_PROTOCOL=auto``."""
        return "JSON-2" if self.major() >= JSON2_SINCE_MAJOR else "JSON-RPC"

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far (``None``: not measurable from here)."""
        process = self.process()
        if process is None:
            return None
        times = process.cpu_times()
        return times.user + times.system

    def describe(self) -> str:
        """The machine note: where Odoo ran and as how many processes."""
        process = self.process()
        if process is None:
            return f"Odoo at {self.url} ran on another machine: its CPU time is not measured"
        workers = len(process.children())
        shape = "one server process (no worker processes)" if not workers else f"a server with {workers} workers"
        return (
            f"Odoo {self.url} ran as {shape} on this same {psutil.cpu_count()}-core machine, alongside voicesync, "
            "the sandbox platform, Redis and PostgreSQL (shared by both)"
        )


@dataclass(frozen=True)
class OdooDatabase:
    """One fresh database of the real Odoo; has what ``cli.sandbox.sandbox_settings`` reads of a sandbox."""

    server: OdooServer
    db: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def login(self) -> str:
        return self.server.user

    @property
    def api_key(self) -> str:
        return self.server.api_key

    def settings(self) -> dict[str, str]:
        """voicesync's Odoo settings for this database, over JSON-2."""
        return {
            "ODOO_URL": self.url,
            "ODOO_DB": self.db,
            "ODOO_USER": self.login,
            "ODOO_API_KEY": self.api_key,
            "ODOO_PROTOCOL": "auto",
            "ODOO_TIMEOUT": "300",
        }

    def client(self) -> OdooClient:
        return OdooClient(self.url, self.db, self.login, self.api_key, protocol="auto", timeout=300)

    def warm(self) -> None:
        """Ready to measure: Odoo builds a database's routing map on its first request, and every
        scheduled job of the template is due in a fresh copy, so the server's cron threads would run
        them (the auto-vacuum alone takes seconds) inside a measurement; they are switched off, once
        any job already running has finished (Odoo refuses to change a running job)."""
        client = self.client()
        deadline = time.monotonic() + CRON_WAIT_SECONDS
        try:
            while jobs := client.call("ir.cron", "search", domain=[("active", "=", True)]):
                try:
                    client.call("ir.cron", "write", ids=jobs, vals={"active": False})
                except InvalidRequest:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(1.0)
        finally:
            client.close()

    def calls(self, offset: int) -> Counter[str]:
        """This database's calls logged since ``offset`` (none without the log)."""
        log = self.server.log
        return Counter(r.call for r in (log.since(offset) if log else []) if r.db == self.db)


@dataclass(frozen=True)
class Watched:
    """What Odoo did during a measurement: this database's requests and the server's CPU seconds
    (``None`` where not measurable), and what else it did meanwhile: requests for other databases,
    scheduled jobs started (any database's)."""

    requests: list[Request] | None
    others: int | None
    cpu: float | None
    cron_jobs: int | None = None


@dataclass(frozen=True)
class Watch:
    """A measurement's window on the server: started before it, stopped after it."""

    database: OdooDatabase
    offset: int
    cpu: float | None

    @classmethod
    def start(cls, database: OdooDatabase) -> Watch:
        log = database.server.log
        return cls(database, log.tell() if log else 0, database.server.cpu_seconds())

    def stop(self) -> Watched:
        cpu = self.database.server.cpu_seconds()
        log = self.database.server.log
        text = None if log is None else log.text(self.offset)
        logged = None if text is None else parse_requests(text)
        return Watched(
            None if logged is None else [r for r in logged if r.db == self.database.db],
            None if logged is None else sum(r.db != self.database.db for r in logged),
            None if cpu is None or self.cpu is None else cpu - self.cpu,
            None if text is None else sum(bool(CRON_LINE.match(line)) for line in text.splitlines()),
        )
