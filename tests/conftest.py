"""Shared fixtures: real Redis, real SQL (SQLite and PostgreSQL), the two sandboxes over HTTP."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa

from sandbox.odoo import OdooSandbox
from sandbox.platform import PlatformSandbox
from shared import embedded_redis
from shared.settings import Settings, get_settings, use_environment
from tests.services import POSTGRES, POSTGRES_URL, RABBITMQ, SYSTEM_REDIS, need, reachable, required
from tests.world import RedisLease, drop_rabbitmq_vhost, rabbitmq_vhost

_EMBEDDED_DIR = Path(tempfile.mkdtemp(prefix="voicesync-tests-"))
_LEASE = RedisLease(*SYSTEM_REDIS)


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module imports the Celery app: one broker for the whole process (a
    database of the system Redis leased for this run when it runs, else an embedded Redis), so
    this process's app is configured once and nothing starts a Redis under the checkout's
    ``var/``. The xdist controller runs no test and leases nothing."""
    if _is_xdist_controller(config):
        return
    if reachable(SYSTEM_REDIS):
        url = _LEASE.acquire().url
    else:
        url = embedded_redis.ensure_running(_EMBEDDED_DIR).rsplit("/", 1)[0] + "/1"
    use_environment({"BROKER_URL": url, "VOICESYNC_VAR_DIR": str(_EMBEDDED_DIR / "var")})


def _is_xdist_controller(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def pytest_unconfigure(config: pytest.Config) -> None:
    _LEASE.release()
    embedded_redis.stop(_EMBEDDED_DIR)
    shutil.rmtree(_EMBEDDED_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def broker_url() -> str:
    """The session's broker; in CI it must be the system Redis."""
    url = get_settings().broker_url
    if required() and not url.startswith("redis://127.0.0.1:6379"):
        pytest.fail("the system Redis is not running (VOICESYNC_REQUIRE_SERVICES=1)")
    return url


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """A RabbitMQ virtual host of this test process's own (named after its Redis database)."""
    need(RABBITMQ, "RabbitMQ")
    vhost = rabbitmq_vhost(_LEASE.database if _LEASE.database is not None else uuid.uuid4().hex[:8])
    yield f"amqp://guest:guest@{RABBITMQ[0]}:{RABBITMQ[1]}/{vhost}"
    drop_rabbitmq_vhost(vhost)


@pytest.fixture
def redis_url(broker_url: str) -> Iterator[str]:
    """The broker's database, emptied before and after each test."""
    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    yield broker_url
    client.flushdb()
    client.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client of :func:`redis_url`'s database."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    need(POSTGRES, "PostgreSQL")
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"voicesync_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_ledgers`` run on SQLite and on PostgreSQL; the rest on SQLite only,
    which keeps the suite inside its time budget (the ledger code they reach is the same)."""
    if "ledger_url" not in metafunc.fixturenames:
        return
    if any("ledger_url" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize")):
        return
    both = metafunc.definition.get_closest_marker("both_ledgers") is not None
    metafunc.parametrize("ledger_url", ["sqlite", "postgresql"] if both else ["sqlite"], indirect=True)


@pytest.fixture
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The ledger on SQLite or on PostgreSQL (see ``pytest_generate_tests``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def platform(request: pytest.FixtureRequest) -> Iterator[PlatformSandbox]:
    """The voice platform's emulator; generic unless a test asks for a vendor
    (``@pytest.mark.parametrize("platform", ["vapi"], indirect=True)``)."""
    vendor = getattr(request, "param", "generic")
    api = PlatformSandbox(contacts=60, campaigns=4, calls=80, seed=11, vendor=vendor)
    problems: list[str] = []
    if vendor in JUDGES:
        _judged(api, *JUDGES[vendor](), problems)
    with api:
        yield api
    assert problems == [], f"the {vendor} emulator answered what the vendor's own schema refuses"


Judge = Callable[[str, str, Any, int], None]
"""``(method, path, body, status)``: AssertionError when the answer does not fit the vendor's schema."""


def _vapi_judges() -> tuple[Judge, Callable[[Any], Any]]:
    """``vapi-server-sdk``'s own models, strictly (:mod:`tests.sandbox.vapi_oracle`)."""
    from tests.sandbox.vapi_oracle import Call, Campaign, CampaignPaginatedResponse, server_message, strict

    models = {"/call": Call, "/campaign": CampaignPaginatedResponse}

    def judge(method: str, path: str, body: Any, status: int) -> None:
        if status != 200:
            return
        if path in models:
            for item in body if path == "/call" else [body]:
                strict(models[path], item)
        elif path.startswith(("/call/", "/campaign/")):
            strict(Call if path.startswith("/call/") else Campaign, body)

    return judge, server_message


def _retell_judges() -> tuple[Judge, Callable[[Any], Any]]:
    """``retell-sdk``'s models as its strict client validates (:mod:`tests.sandbox.retell_oracle`)."""
    from tests.sandbox.retell_oracle import judge, judge_event

    return judge, judge_event


def _bland_judges() -> tuple[Judge, Callable[[Any], Any]]:
    """JSON Schemas of Bland's public docs (:mod:`tests.sandbox.bland_schemas`)."""
    from tests.sandbox.bland_schemas import judge, validate

    return judge, lambda body: validate("post_call_webhook", body)


JUDGES = {"vapi": _vapi_judges, "retell": _retell_judges, "bland": _bland_judges}


def _judged(api: PlatformSandbox, judge: Judge, judge_message: Callable[[Any], Any], problems: list[str]) -> None:
    """Every answer the tests get from a vendor's emulator and every webhook it sends, held to the
    vendor's own schema; what fails is reported at teardown."""
    from flask import Response, request

    def judged(response: Response) -> Response:
        if not response.is_json or request.path.startswith("/_sandbox"):
            return response
        try:
            judge(request.method, request.path, response.get_json(), response.status_code)
        except AssertionError as exc:
            problems.append(f"{request.method} {request.full_path}: {exc}")
        return response

    api.app.after_request(judged)
    send = api.sender.send

    def judged_send(body: dict[str, Any], wait: bool = True) -> dict[str, Any]:
        """Every webhook the emulator delivers, on a change or by a ``/_sandbox`` control."""
        try:
            judge_message(body)
        except AssertionError as exc:
            problems.append(f"webhook {api.vendor_api.message_type(body)}: {exc}")
        return send(body, wait)

    api.sender.send = judged_send  # type: ignore[method-assign]


@pytest.fixture
def odoo() -> Iterator[OdooSandbox]:
    with OdooSandbox() as server:
        yield server


@pytest.fixture
def env(platform: PlatformSandbox, odoo: OdooSandbox, redis_url: str, tmp_path: Path) -> dict[str, str]:
    """Settings, as environment variables, pointing voicesync at this test's servers."""
    return {
        "VOICE_PLATFORM": platform.vendor,
        "VOICE_API_URL": platform.url,
        "VOICE_API_KEY": str(platform.api_key),
        **platform.vendor_settings(),
        "VOICE_TIMEOUT": "2",
        "VOICE_PAGE_SIZE": "25",
        "ODOO_URL": odoo.url,
        "ODOO_DB": odoo.db,
        "ODOO_USER": odoo.login,
        "ODOO_API_KEY": odoo.api_key,
        "BROKER_URL": redis_url,
        "VOICESYNC_VAR_DIR": str(tmp_path / "var"),
        "VOICESYNC_RETRY_BACKOFF": "1.2",
        "VOICESYNC_RETRY_CAP": "2",
        "VOICESYNC_RETRY_MAX": "4",
    }


@pytest.fixture
def settings(env: dict[str, str], ledger_url: str) -> Settings:
    return Settings.from_env({**env, "DATABASE_URL": ledger_url})
