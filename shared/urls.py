"""The URL settings, checked as a process starts rather than when the first request fails.

Each check raises a :class:`~shared.errors.ConfigError` that names the setting and says what to
write instead. A URL may carry a password, so a message never repeats a value; it may suggest a
corrected one built from the scheme, host and port alone.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from shared.errors import ConfigError

WEB = ("http", "https")
BROKERS = ("redis", "rediss", "amqp", "amqps", "pyamqp")
REDIS = ("redis", "rediss", "unix")
LEDGER_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}
"""The ledger URLs voicesync connects to, by SQLAlchemy driver name: ``postgresql://`` means psycopg
here, the driver voicesync installs (SQLAlchemy's own default, psycopg2, is not)."""
ODOO_CLIENT_PAGES = ("odoo", "web")
"""First path segments of Odoo's web client (``/odoo/contacts``, ``/web#action=123``): a URL copied
from the browser, not the server's base URL."""


def _split(name: str, value: str, schemes: tuple[str, ...], example: str) -> SplitResult:
    """``value`` split, with one of ``schemes`` and a host (``unix://`` has a path instead)."""
    written = " or ".join(f"{scheme}://" for scheme in schemes)
    if "://" not in value:
        if schemes == WEB and "@" not in value:  # a bare host: nothing secret to repeat
            raise ConfigError(f"setting {name} has no scheme: add https:// ({name}=https://{value.strip()})")
        raise ConfigError(f"setting {name} has no scheme: write it as {example}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ConfigError(f"setting {name} is not a URL: write it as {example}") from None
    if parts.scheme not in schemes:
        raise ConfigError(f"setting {name} must start with {written} (e.g. {example})")
    if not parts.hostname and parts.scheme != "unix":
        raise ConfigError(f"setting {name} names no host: write it as {example}")
    return parts


def origin(url: str | SplitResult) -> str:
    """Scheme, host and port of ``url``: what a message may say of it (never the user or password,
    the path or the query)."""
    parts = urlsplit(url) if isinstance(url, str) else url
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def check_web(name: str, value: str, example: str) -> None:
    """An http(s) URL with a host (``VOICE_API_URL``, ``VOICESYNC_PUBLIC_URL``)."""
    _split(name, value, WEB, example)


def check_odoo(value: str) -> None:
    """Odoo's base URL, refusing a page of its web client copied from the browser's address bar."""
    parts = _split("ODOO_URL", value, WEB, "https://mycompany.odoo.com")
    first = parts.path.strip("/").split("/", 1)[0]
    if first in ODOO_CLIENT_PAGES or parts.query or parts.fragment:
        raise ConfigError(
            f"setting ODOO_URL is a page of Odoo's web client, not the server's base URL: set ODOO_URL={origin(parts)}"
        )


def check_broker(value: str) -> None:
    _split("BROKER_URL", value, BROKERS, "redis://localhost:6379/0 or amqp://user:password@localhost:5672//")


def check_redis(value: str) -> None:
    _split("REDIS_URL", value, REDIS, "redis://localhost:6379/0")


def ledger_url(value: str) -> str:
    """``DATABASE_URL`` as voicesync connects to it (parsed by SQLAlchemy; see ``LEDGER_DRIVERS``)."""
    example = "postgresql+psycopg://user:password@host:5432/voicesync or sqlite:///path/to/voicesync.db"
    try:
        url: URL = make_url(value)
    except ArgumentError:
        raise ConfigError(f"setting DATABASE_URL is not a URL: write it as {example}") from None
    driver = LEDGER_DRIVERS.get(url.drivername)
    if driver is None:
        raise ConfigError(f"setting DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL (e.g. {example})")
    if not url.database:
        raise ConfigError(f"setting DATABASE_URL names no database: write it as {example}")
    return value if driver == url.drivername else url.set(drivername=driver).render_as_string(hide_password=False)
