"""A new user's first minutes: every command in an empty directory, and with bad settings or
unreachable systems, says in one line what is wrong and what to do, and exits non-zero; never a
traceback. ``.env`` and ``var/`` are the working directory's (or ``VOICESYNC_HOME``'s)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.odoo import OdooSandbox
from shared.ports import free_port
from tests.services import POSTGRES, RABBITMQ, SYSTEM_REDIS, need

DEAD_PORT = free_port()
DEAD = f"127.0.0.1:{DEAD_PORT}"  # nothing listens here


VOICESYNC = [sys.executable, "-c", "from cli import main; main()"]


def newcomer_env(**env: str) -> dict[str, str]:
    """This process's environment without voicesync's settings, and nothing reachable at the
    broker or Odoo unless ``env`` says otherwise."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VOICESYNC_", "VOICE_", "ODOO_", "DATABASE_"))}
    return clean | {"BROKER_URL": f"redis://{DEAD}/0", "ODOO_URL": f"http://{DEAD}", **env}


def voicesync(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VOICESYNC, *args], cwd=cwd, env=newcomer_env(**env), capture_output=True, text=True, timeout=60, input=""
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "args", [["status"], ["dlq", "list"], ["dlq", "replay", "1"], ["relay"], ["resync", "contacts"]]
)
def test_before_db_upgrade_every_command_says_run_it(tmp_path: Path, args: list[str]) -> None:
    assert_one_line(voicesync(args, tmp_path), "voicesync db upgrade")


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("VOICE_PAGE_SIZE", "abc", "VOICE_PAGE_SIZE"),
        ("ODOO_PROTOCOL", "xml", "ODOO_PROTOCOL"),
        ("DATABASE_URL", "mysql://db/x", "DATABASE_URL"),
        ("VOICE_WEBHOOK_SECRET", "whsec_typo! whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "VOICE_WEBHOOK_SECRET"),
        ("VOICE_WEBHOOK_SECRET", "whsec_", "VOICE_WEBHOOK_SECRET"),
        ("ADMIN_TOKEN", "x", "ADMIN_TOKEN"),
        ("ODOO_WEBHOOK_TOKEN", "short", "ODOO_WEBHOOK_TOKEN"),
        ("BROKER_URL", "amqp//guest:pw@localhost", "BROKER_URL has no scheme"),
        ("ODOO_URL", "https://x.odoo.com/odoo/contacts", "set ODOO_URL=https://x.odoo.com"),
    ],
)
def test_a_bad_setting_is_named_and_its_value_never_shown(tmp_path: Path, setting: str, value: str, named: str) -> None:
    result = voicesync(["status"], tmp_path, **{setting: value})
    assert_one_line(result, named)
    assert value not in result.stderr or len(value) < 4


@pytest.mark.parametrize(
    ("url", "line"),
    [
        ("postgresql+psycopg://nosuchrole@127.0.0.1:5432/test",
         'the ledger database has no role "nosuchrole" (the user in DATABASE_URL): create it or fix DATABASE_URL'),
        ("postgresql://postgres@127.0.0.1:5432/nosuchdb",
         'the ledger database "nosuchdb" does not exist: create it or fix DATABASE_URL'),
        (f"postgresql+psycopg://postgres@{DEAD}/test",
         f'the ledger database (DATABASE_URL) does not answer: connection failed: connection to server at '
         f'"127.0.0.1", port {DEAD_PORT} failed: Connection refused; start it or fix DATABASE_URL'),
    ],
    ids=["role", "database", "refused"],
)  # fmt: skip
def test_db_upgrade_says_what_is_wrong_with_the_database(tmp_path: Path, url: str, line: str) -> None:
    """A missing role once read "the ledger has no tables yet (...): run voicesync db upgrade first"."""
    need(POSTGRES, "PostgreSQL")
    result = voicesync(["db", "upgrade"], tmp_path, DATABASE_URL=url)
    assert result.returncode == 1 and result.stderr == f"Error: {line}\n"


def test_only_a_missing_table_says_run_db_upgrade(tmp_path: Path) -> None:
    need(POSTGRES, "PostgreSQL")
    schema = f"empty_{free_port()}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    result = voicesync(["status"], tmp_path, DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the ledger has no tables yet (relation "), result.stderr
    assert result.stderr.endswith("does not exist): run `voicesync db upgrade` first\n")


VHOST = f"nosuchvhost{free_port()}"


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory whose ledger has its tables."""
    folder = tmp_path_factory.mktemp("upgraded")
    assert voicesync(["db", "upgrade"], folder).returncode == 0
    return folder


@pytest.mark.parametrize(
    ("broker", "trouble"),
    [
        (f"redis://{DEAD}/0", f"at redis://{DEAD} does not answer (Error 111 connecting to {DEAD}. Connection "
         "refused.): start it or fix BROKER_URL"),
        ("redis://nobody:wrong@127.0.0.1:6379/0", "at redis://127.0.0.1:6379 refuses the user or password in "
         "BROKER_URL: fix them"),
        ("amqp://guest:wrong@127.0.0.1:5672//", "at amqp://127.0.0.1:5672 refuses the user or password in BROKER_URL: "
         "fix them"),
        (f"amqp://guest:guest@127.0.0.1:5672/{VHOST}", "at amqp://127.0.0.1:5672 refuses the virtual host in "
         f"BROKER_URL (NOT_ALLOWED - vhost {VHOST} not found): create it or fix it"),
        (f"amqp://guest:guest@{DEAD}//", f"at amqp://{DEAD} does not answer ([Errno 111] Connection refused): start it "
         "or fix BROKER_URL"),
    ],
    ids=["redis-refused", "redis-credentials", "amqp-credentials", "amqp-vhost", "amqp-refused"],
)  # fmt: skip
def test_resync_says_what_is_wrong_with_the_broker(upgraded: Path, redis_url: str, broker: str, trouble: str) -> None:
    """Refused credentials, an unknown virtual host and a broker that does not answer each say so;
    the address is named, never the password."""
    need(SYSTEM_REDIS, "Redis")
    if broker.startswith("amqp"):
        need(RABBITMQ, "RabbitMQ")
    result = voicesync(["resync", "contacts"], upgraded, BROKER_URL=broker, REDIS_URL=redis_url)
    assert result.returncode == 1
    assert re.fullmatch(rf"Error: run \d+ is marked failed: the broker {re.escape(trouble)}\n", result.stderr)


def test_operator_mistakes_and_unreachable_systems(tmp_path: Path) -> None:
    assert voicesync(["db", "upgrade"], tmp_path).returncode == 0
    assert (tmp_path / "var" / "voicesync.db").exists()  # the working directory's var/, not the package's
    assert_one_line(voicesync(["resync", "contacts", "--since", "garbage"], tmp_path), "since")
    assert_one_line(voicesync(["dlq", "replay", "7"], tmp_path), "no dead letter 7")
    check = voicesync(["odoo", "check"], tmp_path, ODOO_API_KEY="k")  # one line per finding, on stdout
    assert check.returncode == 1 and "Traceback" not in check.stdout + check.stderr
    assert check.stdout.strip().splitlines()[0].startswith("PROBLEM: "), check.stdout
    assert_one_line(voicesync(["odoo", "bootstrap"], tmp_path, ODOO_API_KEY="k"), "odoo")
    down = voicesync(["resync", "contacts"], tmp_path)
    assert_one_line(down, "broker", "marked failed")
    status = voicesync(["status"], tmp_path)  # the ledger's part, then the broker's line
    assert " failed " in status.stdout  # the run is not left queued forever
    assert_one_line(status, f"the broker at redis://{DEAD} does not answer")


def test_dotenv_comes_from_the_working_directory_or_voicesync_home(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("VOICE_PAGE_SIZE=abc\n")
    assert_one_line(voicesync(["status"], tmp_path), "VOICE_PAGE_SIZE")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert voicesync(["db", "upgrade"], elsewhere).returncode == 0
    assert_one_line(voicesync(["db", "upgrade"], elsewhere, VOICESYNC_HOME=str(tmp_path)), "VOICE_PAGE_SIZE")


def test_a_port_out_of_range_is_refused(tmp_path: Path) -> None:
    """``sandbox --api-port 70000`` once listened on 4464 (70000 modulo 65536)."""
    refused = voicesync(["sandbox", "--api-port", "70000"], tmp_path)
    assert refused.returncode == 2 and "70000 is not in the range 0<=x<=65535" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize("version", ["16.0", "17.0", "18.0", "19.0"])
def test_odoo_check_names_the_version_and_protocol_and_bootstrap_twice_is_a_no_op(tmp_path: Path, version: str) -> None:
    """On every version the stand-in emulates: check says which Odoo and protocol, bootstrap makes
    what is missing (on 16 it says in one line that Odoo -> platform needs 17), a second changes
    nothing, and check then exits 0."""
    major = int(version.split(".")[0])
    with OdooSandbox(version=version) as odoo:
        settings = {"ODOO_URL": odoo.url, "ODOO_DB": odoo.db, "ODOO_USER": odoo.login, "ODOO_API_KEY": odoo.api_key}
        settings |= {"ODOO_WEBHOOK_TOKEN": "check-token-0123456789abcdef", "VOICESYNC_PUBLIC_URL": "http://127.0.0.1:9"}
        first = voicesync(["odoo", "bootstrap"], tmp_path, **settings)
        assert first.returncode == 0, first.stderr
        skipped = [line for line in first.stdout.splitlines() if "needs Odoo 17 or later" in line]
        assert len(skipped) == (1 if major < 17 else 0), first.stdout
        second = voicesync(["odoo", "bootstrap"], tmp_path, **settings)
        assert second.stdout.strip().splitlines()[-1] == "nothing to do: already up to date", second.stdout
        after = voicesync(["odoo", "check"], tmp_path, **settings)
        protocol = "json2" if major >= 19 else "jsonrpc"
        assert after.stdout.splitlines()[0] == f"ok: Odoo {version} at {odoo.url}, over {protocol}", after.stdout
        assert after.returncode == 0, after.stdout
        if major < 19:
            forced = voicesync(["odoo", "check"], tmp_path, **settings, ODOO_PROTOCOL="json2")
            assert forced.returncode != 0
            assert forced.stdout.strip() == (
                f"PROBLEM: ODOO_PROTOCOL=json2 needs Odoo 19 or later, and {odoo.url} runs Odoo {version}: "
                "set ODOO_PROTOCOL=auto (or jsonrpc)"
            )


@pytest.mark.parametrize(
    ("platform", "named"),
    [("vapi", "VAPI_WEBHOOK_SECRET"), ("generic", "VOICE_WEBHOOK_SECRET"), ("retell", "RETELL_WEBHOOK_API_KEY")],
)
def test_a_receiver_with_no_webhook_credential_refuses_to_start_in_one_line(
    tmp_path: Path, platform: str, named: str
) -> None:
    """It would have started, said ready, and answered 401 to every delivery."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VOICESYNC_", "VOICE_", "ODOO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_config", "web:create_app()"],
        cwd=tmp_path, env={**clean, "VOICE_PLATFORM": platform, "VOICESYNC_WEB_BIND": DEAD},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"voicesync receiver: setting {named}"
        + (" (or VOICE_API_KEY)" if platform == "retell" else "")
        + f" is required to receive {platform} webhooks (without it every delivery would be refused)"
    ]


@pytest.mark.parametrize(
    ("command", "env", "line"),
    [
        (["worker", "-Q", "calls"], {"VOICE_PLATFORM": "vapi"},
         "voicesync worker: setting VOICE_API_KEY is required to read the vapi API"),
        (["worker", "-Q", "calls"], {"VOICE_API_KEY": "a-key"},
         "voicesync worker: setting VOICE_API_URL is required with VOICE_PLATFORM=generic: it has no public API "
         "(`voicesync sandbox` prints the URL of one)"),
        (["worker", "-Q", "calls"], {"VOICE_API_KEY": "a-key", "VOICE_API_URL": "http://127.0.0.1:9"},
         "voicesync worker: setting ODOO_API_KEY is required to write to Odoo (an API key of ODOO_USER)"),
        (["worker", "-Q", "calls"], {"VOICE_API_KEY": "a-key", "VOICE_API_URL": "http://127.0.0.1:9",
                                     "ODOO_API_KEY": "k"},
         "voicesync worker: setting ODOO_URL is required: your Odoo's base URL, such as https://mycompany.odoo.com"),
        (["beat"], {"VOICESYNC_VISIBILITY_TIMEOUT": "10", "VOICESYNC_RETRY_CAP": "20"},
         "voicesync: setting VOICESYNC_VISIBILITY_TIMEOUT must exceed VOICESYNC_RETRY_CAP: a task waiting out its "
         "retry would otherwise be delivered a second time"),
        (["beat"], {"BROKER_URL": "amqp//localhost"},
         "voicesync: setting BROKER_URL has no scheme: write it as redis://localhost:6379/0 or "
         "amqp://user:password@localhost:5672//"),
    ],
)  # fmt: skip
def test_celery_refuses_to_start_in_one_line(
    tmp_path: Path, command: list[str], env: dict[str, str], line: str
) -> None:
    """A worker that could not read the platform or sign in to Odoo once started, and retried or
    dead-lettered every task; a bad setting was a traceback. Beat needs no credential."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VOICESYNC_", "VOICE_", "ODOO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "workers", *command],
        cwd=tmp_path, env={**clean, "BROKER_URL": f"redis://{DEAD}/0", **env},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and result.stderr.strip().splitlines() == [line], result.stderr
