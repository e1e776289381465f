"""The broker and the database go away under a running stack, and come back.

The Redis outage stops a real broker: a Redis server of this test's own (the same binary the
embedded default uses, with its append-only file, on a fixed port). RabbitMQ and PostgreSQL are
cut off with a TCP proxy between the stack and the server: the stack sees its connections reset
and new ones refused, while the machine's server keeps serving every other test run on it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from cli.processes import ManagedProcess, wait_for
from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared import heartbeat
from shared.embedded_redis import server_binary
from shared.ports import free_port
from shared.producer.operations import start_resync
from shared.services import Services
from shared.settings import Settings, child_environment
from tests.faults.parity import assert_parity
from tests.tcp_proxy import TcpProxy

StartWorker = Callable[..., ManagedProcess]


class OwnRedis:
    """A redis-server this test may stop and start on the same port and data folder; it dies
    with the test run however the run ends."""

    def __init__(self, folder: Path, persist: bool = True) -> None:
        self.folder, self.port, self.persist = folder, free_port(), persist
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: ManagedProcess | None = None
        self._starts = 0

    def start(self) -> None:
        self._starts += 1
        argv = [str(server_binary()), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                "--appendonly", "yes" if self.persist else "no", "--save", ""]  # fmt: skip
        self._process = ManagedProcess(f"redis-{self._starts}", argv, {}, self.folder / "logs").start()
        wait_for(lambda: self.answers(), 10, what="redis")

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.3).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.answers():
            redis.Redis(port=self.port).shutdown(nosave=not self.persist)  # a clean stop (AOF written if kept)
        if self._process is not None:
            self._process.stop()


def on_own_redis(
    broker: OwnRedis, env: dict[str, str], services: Services
) -> tuple[OwnRedis, dict[str, str], Services]:
    """Start ``broker`` and point the stack at it (quick redelivery): the stack's environment, and
    the services it sees."""
    broker.start()
    env.update(BROKER_URL=broker.url, VOICESYNC_VISIBILITY_TIMEOUT="5", VOICESYNC_RETRY_CAP="2")
    stack_env = {**env, "DATABASE_URL": services.settings.ledger_url}
    return broker, stack_env, Services(Settings.from_env(stack_env))


def cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", *args],
        env=child_environment(env), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def changes_while(platform: PlatformSandbox, count: int, outage: threading.Event) -> threading.Thread:
    """Webhooks keep arriving from the platform during the outage."""

    def send() -> None:
        for record in platform.records("contacts")[:count]:
            platform.update("contacts", record["id"], {"last_name": f"During{record['id'][-2:]}"})
            time.sleep(0.05)
        outage.set()

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def run_outage(
    stack_env: dict[str, str],
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    stop: Callable[[], None],
    start: Callable[[], None],
) -> None:
    start_worker()
    web = start_receiver(stack_env)
    platform.webhook_url = f"{web}/webhooks/voice"
    resync = cli(["resync", "contacts", "--full"], stack_env)
    assert resync.returncode == 0, resync.stderr
    time.sleep(0.3)  # tasks in flight
    stop()
    sent = threading.Event()
    thread = changes_while(platform, 12, sent)
    thread.join(60)
    assert {d["status"] for d in platform.deliveries()} == {202}  # every webhook accepted meanwhile
    # The receiver's publisher finds the broker gone and leaves the rows pending for the relay.
    wait_for(lambda: len(services.inbox.by_status("received")) >= 12, 30, what="the outage's rows left pending")
    start()
    relayed = cli(["relay"], stack_env)  # by hand it sends now; beat would do the same within 30 s
    assert relayed.returncode == 0, relayed.stdout + relayed.stderr
    counts = dict(part.split() for part in relayed.stdout.strip().split(", "))
    assert int(counts["sent"]) >= 12, relayed.stdout  # the rows of the outage, not only those 30 s old


def test_redis_broker_outage(
    env: dict[str, str],
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    tmp_path: Path,
) -> None:
    broker, stack_env, own = on_own_redis(OwnRedis(tmp_path), env, services)
    try:
        run_outage(stack_env, own, start_worker, start_receiver, platform, broker.stop, broker.start)
        assert_parity(own, platform, odoo)
    finally:
        broker.stop()


@pytest.mark.xdist_group("rabbitmq")  # the heaviest tests on one worker, as the end-to-end one
def test_rabbitmq_broker_outage(
    rabbitmq_url: str,
    env: dict[str, str],
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
) -> None:
    address = urlsplit(rabbitmq_url)
    proxy = TcpProxy(str(address.hostname), int(address.port or 5672))
    env.update(BROKER_URL=rabbitmq_url.replace(f":{address.port}/", f":{proxy.port}/"))
    env.update(REDIS_URL=services.settings.broker_url)
    stack_env = {**env, "DATABASE_URL": services.settings.ledger_url}
    own = Services(Settings.from_env(stack_env))
    run_outage(stack_env, own, start_worker, start_receiver, platform, proxy.cut, proxy.restore)
    assert_parity(own, platform, odoo)


@pytest.mark.parametrize("ledger_url", ["postgresql"], indirect=True)
def test_database_outage_503s_then_the_retries_land(
    env: dict[str, str],
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
) -> None:
    database = urlsplit(services.settings.ledger_url)
    proxy = TcpProxy(str(database.hostname), int(database.port or 5432))
    behind_proxy = services.settings.ledger_url.replace(f":{database.port}/", f":{proxy.port}/")
    env.update(DATABASE_URL=behind_proxy)
    start_worker()
    run_id = start_resync(services, "contacts", full=True)
    wait_for(lambda: services.runs.get(run_id).status == "succeeded", 60, what="the first sync")
    web = start_receiver(env)
    platform.webhook_url = f"{web}/webhooks/voice"
    platform.retry_schedule = [1.0, 1.0, 2.0, 2.0, 4.0, 4.0]
    proxy.cut()
    for record in platform.records("contacts")[:6]:
        platform.update("contacts", record["id"], {"last_name": "DbOutage"})
    assert {d["status"] for d in platform.deliveries()} == {503}
    assert services.inbox.by_status("received", "enqueued", "processed", "ignored") == []  # nothing half-written
    proxy.restore()
    wait_for(lambda: len(services.inbox.by_status("processed")) == 6, 60, what="the sender's retries to land")
    assert len({d["id"] for d in platform.deliveries()}) == 6
    assert_parity(services, platform, odoo)


def test_beat_survives_a_redis_restart_that_loses_everything_and_relays_the_outage(
    env: dict[str, str],
    services: Services,
    start_worker: StartWorker,
    start_receiver: Callable[[dict[str, str]], str],
    platform: PlatformSandbox,
    odoo: OdooSandbox,
    tmp_path: Path,
) -> None:
    """Redis without persistence (as the machine's is) stopped and started under beat: RedBeat's
    lock and schedule go with the data, and beat used to exit with ``LockNotOwnedError``, so the
    webhooks accepted meanwhile never reached Odoo. Only the relay brings them here: no incremental
    run is due for an hour."""
    from tests.integration.test_brokers_and_beat import start_beat

    env.update(VOICESYNC_RELAY_EVERY="1", VOICESYNC_RELAY_AFTER="1", VOICESYNC_INCREMENTAL_EVERY="3600",
               VOICESYNC_BEAT_LOCK_TIMEOUT="6")  # fmt: skip
    broker, stack_env, own = on_own_redis(OwnRedis(tmp_path, persist=False), env, services)
    try:
        worker = start_worker()
        platform.webhook_url = f"{start_receiver(stack_env)}/webhooks/voice"
        beat = start_beat("beat", stack_env, tmp_path / "logs")
        # beat holds its lock and has stored its schedule once it ticks (a fixed wait lost that race
        # on a loaded machine: Redis went before beat had started, and beat never began)
        wait_for(lambda: heartbeat.age(own.redis) is not None, 60, what="beat's first tick")
        broker.stop()
        outage = threading.Event()
        changes_while(platform, 8, outage).join(60)
        wait_for(lambda: len(own.inbox.by_status("received")) >= 8, 30, what="the outage's rows left pending")
        time.sleep(3)  # beat ticks against a Redis that is not there
        broker.start()  # empty: no lock, no schedule
        if not worker.alive():
            # kombu 5.7 can end a worker whose relay task was in flight as Redis went (its redis
            # transport restores the unacked message with no connection: "Unrecoverable error:
            # AttributeError"); compose restarts it (restart: unless-stopped), and so does this test.
            start_worker()
        changed = lambda: len(odoo.records("res.partner", [("name", "like", "During")], ["id"]))  # noqa: E731
        wait_for(lambda: changed() == 8, 90, what="the outage's 8 changes in Odoo, relayed by beat")
        assert beat.alive(), beat.log_path.read_text()[-3000:]
        assert "taking it again" in beat.log_path.read_text() or "cannot reach Redis" in beat.log_path.read_text()
        beat.stop()
    finally:
        broker.stop()
