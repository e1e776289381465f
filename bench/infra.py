"""The services a benchmark needs from the machine: Redis (database 5, flushed) and a ledger database.

The system Redis and PostgreSQL are shared with other engineers' tests, so the benchmarks keep to
their own Redis database and their own PostgreSQL database, and leave both empty.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
import sqlalchemy as sa

from shared import embedded_redis

SYSTEM_REDIS = ("127.0.0.1", 6379)
POSTGRES = ("127.0.0.1", 5432)
REDIS_DB = 5
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "voicesync_bench"


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=0.5):
            return True
    except OSError:
        return False


def broker_url(var_dir: Path) -> str:
    """The system Redis (database 5) when it runs, else an embedded one under ``var_dir``."""
    if reachable(SYSTEM_REDIS):
        return f"redis://{SYSTEM_REDIS[0]}:{SYSTEM_REDIS[1]}/{REDIS_DB}"
    return embedded_redis.ensure_running(var_dir).rsplit("/", 1)[0] + f"/{REDIS_DB}"


def flush_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def postgres_available() -> bool:
    return reachable(POSTGRES)


def _admin(statement: str) -> None:
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


@contextmanager
def ledger_database(kind: str, var_dir: Path) -> Iterator[str]:
    """A fresh, empty ledger database (``postgresql`` or ``sqlite``) for one stack, removed after."""
    if kind == "postgresql":
        _admin(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{BENCH_DATABASE}"')
        try:
            yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        return
    path = var_dir / "ledger.db"
    for stale in var_dir.glob("ledger.db*"):
        stale.unlink()
    try:
        yield f"sqlite:///{path}"
    finally:
        for stale in var_dir.glob("ledger.db*"):
            stale.unlink()
