"""What one test run owns on a machine's shared services, so that runs side by side never meet.

``make test`` and ``make test-odoo`` may run at the same moment on one machine, each with its own
xdist workers. Each test process leases a database of the system Redis (its broker, its queues,
its locks) and a RabbitMQ virtual host named after it. A lease is a key that lives
:data:`LEASE_SECONDS` unless its holder renews it, so a run killed outright frees its database
within seconds; whoever leases it next empties it first (and deletes the virtual host of that
name), so nothing a dead run queued is ever consumed by a live one.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import threading
import uuid

import redis

LEASE_SECONDS = 20
RENEW_SECONDS = 5
# Database 0 holds the leases; 5 is the benchmarks' (bench/infra.py).
LEASABLE = tuple(n for n in range(1, 16) if n != 5)
LEASE_KEY = "voicesync-tests:lease:{}"
VHOST = "voicesync-test-{}"
RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end
return 0
"""


class NoFreeDatabase(RuntimeError):
    """Every leasable database is held by another live test run."""


class RedisLease:
    """One database of a Redis server, held while this process lives."""

    def __init__(self, host: str = "127.0.0.1", port: int = 6379) -> None:
        self.host, self.port = host, port
        self.holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.database: int | None = None
        self._stop = threading.Event()
        self._client = redis.Redis(host=host, port=port, db=0, socket_timeout=5)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.database}"

    def acquire(self) -> RedisLease:
        for database in LEASABLE:
            if self._client.set(LEASE_KEY.format(database), self.holder, nx=True, ex=LEASE_SECONDS):
                self.database = database
                break
        else:
            raise NoFreeDatabase(f"all {len(LEASABLE)} test databases of Redis {self.host}:{self.port} are leased")
        redis.Redis(host=self.host, port=self.port, db=self.database).flushdb()  # what a killed run left
        threading.Thread(target=self._renew, name="redis-lease", daemon=True).start()
        atexit.register(self.release)
        return self

    def _renew(self) -> None:
        key = LEASE_KEY.format(self.database)
        while not self._stop.wait(RENEW_SECONDS):
            with contextlib.suppress(redis.RedisError):  # a test restarting Redis: the next renewal holds
                if not self._client.eval(RENEW, 1, key, self.holder, LEASE_SECONDS):
                    self._client.set(key, self.holder, nx=True, ex=LEASE_SECONDS)

    def release(self) -> None:
        if self.database is None or self._stop.is_set():
            return
        self._stop.set()
        with contextlib.suppress(redis.RedisError):
            redis.Redis(host=self.host, port=self.port, db=self.database).flushdb()
            key = LEASE_KEY.format(self.database)
            if self._client.get(key) == self.holder.encode():
                self._client.delete(key)


def rabbitmq_vhost(database: int | str) -> str:
    """A fresh RabbitMQ virtual host for the run holding ``database`` (guest may use it)."""
    vhost = VHOST.format(database)
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60)
    for argv in (["add_vhost", vhost], ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"]):
        subprocess.run(["rabbitmqctl", "-q", *argv], capture_output=True, timeout=60, check=True)
    return vhost


def drop_rabbitmq_vhost(vhost: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60)
