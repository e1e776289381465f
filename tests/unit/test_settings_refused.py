"""Settings refused as a process starts, each in one line naming the setting: a misspelt name, a
credential of the wrong shape, a replayable signing format, a receiver with no credential."""

from __future__ import annotations

import pytest

from shared import platforms
from shared.errors import ConfigError
from shared.settings import Settings

SECRET = "a-vapi-secret-of-enough-length"


@pytest.mark.parametrize(
    ("name", "nearest"),
    [
        ("VAPI_WEBHOOK_SECRT", "VAPI_WEBHOOK_SECRET"),
        ("VOICESYNC_LOCK_TTLS", "VOICESYNC_LOCK_TTL"),
        ("RETELL_WEBHOOK_APIKEY", "RETELL_WEBHOOK_API_KEY"),
        ("BLAND_SIGNING_SECRET", "BLAND_WEBHOOK_SECRET"),
        ("VAPI_QWERTYUIOPASDF", None),
    ],
)
def test_an_unknown_name_is_refused_with_the_nearest_known_one(name: str, nearest: str | None) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": SECRET, name: "x"})
    message = str(refused.value)
    assert message.startswith(f"setting {name} is not one voicesync reads")
    assert (f"did you mean {nearest}?" in message) if nearest else "did you mean" not in message


def test_the_names_the_projects_tools_read_are_not_refused() -> None:
    Settings.from_env({"VOICESYNC_CONTRACT_ODOO_URL": "http://odoo", "VOICESYNC_DEMO_FLOWER_PORT": "5555"})


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"VOICE_PLATFORM": "retell", "RETELL_WEBHOOK_API_KEY": "a"}, "RETELL_WEBHOOK_API_KEY"),
        ({"VOICE_PLATFORM": "retell", "VOICE_API_KEY": "short"}, "VOICE_API_KEY"),
        (
            {"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": SECRET, "VAPI_WEBHOOK_AUTH": "hmac",
             "VAPI_WEBHOOK_PAYLOAD": "{body}"},
            "{timestamp}",
        ),
    ],
)  # fmt: skip
def test_a_credential_of_the_wrong_shape_is_refused(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(values)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"VOICE_PLATFORM": "generic"}, "VOICE_WEBHOOK_SECRET"),
        ({"VOICE_PLATFORM": "vapi"}, "VAPI_WEBHOOK_SECRET"),
        ({"VOICE_PLATFORM": "retell"}, "RETELL_WEBHOOK_API_KEY"),
    ],
)
def test_a_receiver_without_a_credential_is_refused(values: dict[str, str], named: str) -> None:
    """It would answer 401 to every delivery (and Vapi never retries one); the other commands
    (status, resync) need no webhook credential and still start."""
    settings = Settings.from_env(values)
    with pytest.raises(ConfigError, match=f"setting {named}.* is required to receive"):
        platforms.receiving(settings)


def test_vapi_s_bearer_mode_warns_and_hmac_does_not() -> None:
    bearer = platforms.receiving(Settings.from_env({"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": SECRET}))
    assert any("VAPI_WEBHOOK_AUTH=hmac" in warning for warning in bearer.warnings)
    hmac = Settings.from_env({"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": SECRET, "VAPI_WEBHOOK_AUTH": "hmac"})
    assert platforms.receiving(hmac).warnings == ()


WEB_CLIENT_PAGE = (
    "setting ODOO_URL is a page of Odoo's web client, not the server's base URL: set ODOO_URL=https://x.odoo.com"
)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BROKER_URL", "amqp//localhost", "setting BROKER_URL has no scheme: write it as redis://localhost:6379/0 "
         "or amqp://user:password@localhost:5672//"),
        ("BROKER_URL", "http://localhost:6379/0", "setting BROKER_URL must start with redis:// or rediss:// or amqp:// "
         "or amqps:// or pyamqp:// (e.g. redis://localhost:6379/0 or amqp://user:password@localhost:5672//)"),
        ("BROKER_URL", "redis://localhost:port/0", "setting BROKER_URL is not a URL: write it as "
         "redis://localhost:6379/0 or amqp://user:password@localhost:5672//"),
        ("REDIS_URL", "redis:///0", "setting REDIS_URL names no host: write it as redis://localhost:6379/0"),
        ("DATABASE_URL", "postgres://u:pw@db/x", "setting DATABASE_URL must be a sqlite:// or postgresql+psycopg:// "
         "URL (e.g. postgresql+psycopg://user:password@host:5432/voicesync or sqlite:///path/to/voicesync.db)"),
        ("DATABASE_URL", "postgresql+psycopg://u:pw@db", "setting DATABASE_URL names no database: write it as "
         "postgresql+psycopg://user:password@host:5432/voicesync or sqlite:///path/to/voicesync.db"),
        ("ODOO_URL", "https://x.odoo.com/odoo", WEB_CLIENT_PAGE),
        ("ODOO_URL", "https://x.odoo.com/web#action=123", WEB_CLIENT_PAGE),
        ("ODOO_URL", "https://x.odoo.com/odoo/contacts", WEB_CLIENT_PAGE),
        ("ODOO_URL", "odoo.example.com", "setting ODOO_URL has no scheme: add https:// (ODOO_URL=https://odoo.example.com)"),
        ("ODOO_URL", "admin:pw@odoo.example.com", "setting ODOO_URL has no scheme: write it as https://mycompany.odoo.com"),
        ("VOICE_API_URL", "api.vapi.ai", "setting VOICE_API_URL has no scheme: add https:// (VOICE_API_URL=https://api.vapi.ai)"),
        ("VOICE_API_URL", "ftp://api.vapi.ai", "setting VOICE_API_URL must start with http:// or https:// "
         "(e.g. https://api.vapi.ai)"),
        ("VOICESYNC_PUBLIC_URL", "https://", "setting VOICESYNC_PUBLIC_URL names no host: write it as "
         "https://voicesync.example.com"),
    ],
)  # fmt: skip
def test_a_url_setting_is_parsed_as_the_process_starts(name: str, value: str, message: str) -> None:
    """Each was accepted and failed later: a broker that never answered, Odoo's "InvalidSchema"."""
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({name: value})
    assert str(refused.value) == message
    assert "pw" not in message


@pytest.mark.parametrize(
    ("values", "ledger_url"),
    [
        ({"DATABASE_URL": "postgresql://u:p%40ss@db:5432/x"}, "postgresql+psycopg://u:p%40ss@db:5432/x"),
        ({"DATABASE_URL": "postgresql+psycopg://u@db/x"}, "postgresql+psycopg://u@db/x"),
        ({"DATABASE_URL": "sqlite:////var/lib/voicesync/ledger.db"}, "sqlite:////var/lib/voicesync/ledger.db"),
    ],
)
def test_postgresql_urls_mean_the_installed_driver(values: dict[str, str], ledger_url: str) -> None:
    """SQLAlchemy's default PostgreSQL driver (psycopg2) is not installed: ``postgresql://`` is
    read as psycopg's, which is."""
    assert Settings.from_env(values).ledger_url == ledger_url


@pytest.mark.parametrize(
    ("platform", "url"),
    [("vapi", "https://api.vapi.ai"), ("retell", "https://api.retellai.com"), ("bland", "https://api.bland.ai")],
)
def test_an_unset_api_url_is_the_vendor_s_public_api(platform: str, url: str) -> None:
    """It once meant http://127.0.0.1:8700, where a worker retried for minutes."""
    values = {"VOICE_PLATFORM": platform, "BLAND_WEBHOOK_SECRET": "a-bland-secret-of-enough-length"}
    assert Settings.from_env(values).voice_api_url == url
    assert Settings.from_env({**values, "VOICE_API_URL": "http://127.0.0.1:9"}).voice_api_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"VOICE_API_KEY": "key"}, "setting VOICE_API_URL is required with VOICE_PLATFORM=generic: it has no public "
         "API (`voicesync sandbox` prints the URL of one)"),
        ({"VOICE_API_URL": "http://127.0.0.1:8700"}, "setting VOICE_API_KEY is required to read the generic API"),
        ({"VOICE_PLATFORM": "vapi"}, "setting VOICE_API_KEY is required to read the vapi API"),
    ],
)  # fmt: skip
def test_reading_the_platform_needs_its_url_and_key(values: dict[str, str], message: str) -> None:
    """Processes that never read the platform (the receiver, beat, ``db upgrade``) start without them."""
    settings = Settings.from_env(values)
    with pytest.raises(ConfigError) as refused:
        platforms.adapter(settings)
    assert str(refused.value) == message
