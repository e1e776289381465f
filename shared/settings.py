"""The one place that reads the environment (and a ``.env`` file, if present).

Everything else receives a :class:`Settings`. Defaults are embedded ones so that voicesync runs
with no settings at all: the broker is a Redis started under ``var/`` on first need, the ledger a
SQLite file under ``var/``. ``.env`` and ``var/`` are those of the working directory, or of
``VOICESYNC_HOME`` when set; never of the installed package. Every process checks its settings
as it starts: a bad value is a :class:`~shared.errors.ConfigError` naming the setting, never its
value (it may be a secret).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from shared import urls
from shared.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIN_TOKEN_LENGTH = 24
TOKEN = re.compile(r"[A-Za-z0-9_~.-]+")  # URL-safe: the Odoo token is a path segment
# Read beside Settings' fields by the project's own tools: where .env and var/ are, the compose
# image, the demo's Flower port, the compose tests' marker and the Odoo contract suite's settings.
TOOL_NAMES = frozenset(
    {
        "VOICESYNC_HOME",
        "VOICESYNC_VAR_DIR",
        "VOICESYNC_IMAGE",
        "VOICESYNC_DEMO_FLOWER_PORT",
        "VOICESYNC_COMPOSE_TEST_RUN",
    }
)
TOOL_PREFIXES = ("VOICESYNC_CONTRACT_ODOO_",)


def home(env: Mapping[str, str]) -> Path:
    """Where ``.env`` and ``var/`` are: ``VOICESYNC_HOME``, else the working directory."""
    return Path(env.get("VOICESYNC_HOME") or Path.cwd()).resolve()


def _var_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("VOICESYNC_VAR_DIR") or home(env) / "var").resolve()


def _words(value: str) -> tuple[str, ...]:
    return tuple(value.split())


# What makes a call a lead (``VOICESYNC_CRM_LEADS``); ``none`` alone turns leads off.
LEAD_RULES = ("new_inbound", "inbound", "successful", "callback")


def _choices(value: str) -> tuple[str, ...]:
    chosen = tuple(word for word in re.split(r"[\s,]+", value.strip().lower()) if word)
    if chosen == ("none",):
        return ()
    if not chosen or any(word not in LEAD_RULES for word in chosen):
        raise ValueError(value)
    return chosen


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Every setting voicesync reads, with its environment variable name in ``metadata``."""

    var_dir: Path
    broker_url: str = field(default="", metadata={"env": "BROKER_URL"})
    redis_url: str = field(default="", metadata={"env": "REDIS_URL"})
    database_url: str = field(default="", metadata={"env": "DATABASE_URL"})
    voice_api_url: str = field(default="", metadata={"env": "VOICE_API_URL"})
    """Unset: the vendor's public API (``API_URL`` of its module); ``generic`` has none."""
    voice_api_key: str = field(default="", repr=False, metadata={"env": "VOICE_API_KEY"})
    voice_webhook_secrets: tuple[str, ...] = field(
        default=(), repr=False, metadata={"env": "VOICE_WEBHOOK_SECRET", "coerce": _words}
    )
    voice_platform: str = field(default="generic", metadata={"env": "VOICE_PLATFORM"})
    phone_region: str = field(default="US", metadata={"env": "VOICESYNC_PHONE_REGION"})
    match_freshness: float = field(default=2.0, metadata={"env": "VOICESYNC_MATCH_FRESHNESS", "coerce": float})
    """Seconds a process's partner index may go without looking for partners people wrote in
    Odoo meanwhile (0: before every page, one more Odoo call a page)."""
    voice_page_size: int = field(default=200, metadata={"env": "VOICE_PAGE_SIZE", "coerce": int})
    voice_rate_limit: float = field(default=50.0, metadata={"env": "VOICE_RATE_LIMIT", "coerce": float})
    voice_rate_burst: float = field(default=50.0, metadata={"env": "VOICE_RATE_BURST", "coerce": float})
    voice_timeout: float = field(default=10.0, metadata={"env": "VOICE_TIMEOUT", "coerce": float})
    pages_per_task: int = field(default=4, metadata={"env": "VOICESYNC_PAGES_PER_TASK", "coerce": int})
    """Consecutive pages of a reconciliation one task upserts, each written while the next is read."""
    loads_in_flight: int = field(default=1, metadata={"env": "VOICESYNC_LOADS_IN_FLIGHT", "coerce": int})
    """Pages one task has in Odoo's hands at once: with two, Odoo starts the next while voicesync
    reads the answer of the one before (a lone worker gains; several workers with two each
    crowd an Odoo that serves few requests at once)."""
    voice_read_concurrency: int = field(default=8, metadata={"env": "VOICE_READ_CONCURRENCY", "coerce": int})
    """Reads of single records a page may have in flight at once (Retell's and Bland's listed calls,
    each read whole)."""
    call_notes: bool = field(default=True, metadata={"env": "VOICESYNC_CALL_NOTES", "coerce": _flag})
    """Post each ended call once as a note on its contact's chatter (``shared.call_notes``)."""
    crm_leads: tuple[str, ...] = field(
        default=("new_inbound", "successful"), metadata={"env": "VOICESYNC_CRM_LEADS", "coerce": _choices}
    )
    """Which ended calls make a lead where CRM is installed and their contact has no open one
    (``shared.call_pipeline``): any of new_inbound, inbound, successful, callback; or none."""
    crm_callbacks: bool = field(default=True, metadata={"env": "VOICESYNC_CRM_CALLBACKS", "coerce": _flag})
    """Schedule a "Call" activity for the salesperson when a caller asks to be called back."""
    odoo_url: str = field(default="", metadata={"env": "ODOO_URL"})  # no default: an Odoo is yours to name
    odoo_db: str = field(default="voicesync", metadata={"env": "ODOO_DB"})
    odoo_user: str = field(default="admin", metadata={"env": "ODOO_USER"})
    odoo_api_key: str = field(default="", repr=False, metadata={"env": "ODOO_API_KEY"})
    odoo_protocol: str = field(default="auto", metadata={"env": "ODOO_PROTOCOL"})
    odoo_timeout: float = field(default=30.0, metadata={"env": "ODOO_TIMEOUT", "coerce": float})
    odoo_webhook_token: str = field(default="", repr=False, metadata={"env": "ODOO_WEBHOOK_TOKEN"})
    odoo_hook_rate: float = field(default=20.0, metadata={"env": "VOICESYNC_ODOO_HOOK_RATE", "coerce": float})
    odoo_hook_burst: float = field(default=200.0, metadata={"env": "VOICESYNC_ODOO_HOOK_BURST", "coerce": float})
    public_url: str = field(default="", metadata={"env": "VOICESYNC_PUBLIC_URL"})
    admin_token: str = field(default="", repr=False, metadata={"env": "ADMIN_TOKEN"})
    web_bind: str = field(default="0.0.0.0:8000", metadata={"env": "VOICESYNC_WEB_BIND"})
    web_workers: int = field(default=2, metadata={"env": "VOICESYNC_WEB_WORKERS", "coerce": int})
    web_proxies: int = field(default=0, metadata={"env": "VOICESYNC_WEB_PROXIES", "coerce": int})
    web_threads: int = field(default=8, metadata={"env": "VOICESYNC_WEB_THREADS", "coerce": int})
    prometheus_multiproc_dir: str = field(default="", metadata={"env": "PROMETHEUS_MULTIPROC_DIR"})
    relay_after: float = field(default=30.0, metadata={"env": "VOICESYNC_RELAY_AFTER", "coerce": float})
    relay_stuck_after: float = field(default=600.0, metadata={"env": "VOICESYNC_RELAY_STUCK_AFTER", "coerce": float})
    relay_every: float = field(default=30.0, metadata={"env": "VOICESYNC_RELAY_EVERY", "coerce": float})
    inbox_retention_days: float = field(
        default=7.0, metadata={"env": "VOICESYNC_INBOX_RETENTION_DAYS", "coerce": float}
    )
    dedupe_days: float = field(default=90.0, metadata={"env": "VOICESYNC_DEDUPE_DAYS", "coerce": float})
    """Days a handled webhook's dedupe key is kept (its payload goes after the inbox retention)."""
    flower_basic_auth: str = field(default="", repr=False, metadata={"env": "FLOWER_BASIC_AUTH"})
    retry_max: int = field(default=8, metadata={"env": "VOICESYNC_RETRY_MAX", "coerce": int})
    retry_backoff_base: float = field(default=2.0, metadata={"env": "VOICESYNC_RETRY_BACKOFF", "coerce": float})
    retry_backoff_cap: float = field(default=300.0, metadata={"env": "VOICESYNC_RETRY_CAP", "coerce": float})
    visibility_timeout: float = field(default=3600.0, metadata={"env": "VOICESYNC_VISIBILITY_TIMEOUT", "coerce": float})
    max_deliveries: int = field(default=5, metadata={"env": "VOICESYNC_MAX_DELIVERIES", "coerce": int})
    incremental_every: float = field(default=300.0, metadata={"env": "VOICESYNC_INCREMENTAL_EVERY", "coerce": float})
    lookback: float = field(default=7200.0, metadata={"env": "VOICESYNC_LOOKBACK", "coerce": float})
    """Seconds an incremental run reads back on a vendor with no ``updated_at`` (Retell, Bland):
    calls started that long ago are read again, so one still ongoing or not yet analysed is not
    left behind."""
    full_cron: str = field(default="0 3 * * *", metadata={"env": "VOICESYNC_FULL_CRON"})
    beat_lock_timeout: int = field(default=30, metadata={"env": "VOICESYNC_BEAT_LOCK_TIMEOUT", "coerce": int})
    lock_ttl: float = field(default=60.0, metadata={"env": "VOICESYNC_LOCK_TTL", "coerce": float})
    record_lock_ttl: float = field(default=30.0, metadata={"env": "VOICESYNC_RECORD_LOCK_TTL", "coerce": float})
    log_format: str = field(default="json", metadata={"env": "VOICESYNC_LOG_FORMAT"})
    log_level: str = field(default="INFO", metadata={"env": "VOICESYNC_LOG_LEVEL"})
    vendor_settings: dict[str, str] = field(default_factory=dict, repr=False)
    """The ``<VENDOR>_*`` variables of the configured platform (``VAPI_WEBHOOK_SECRET``...): each
    vendor module reads its own, so adding a vendor edits no settings code."""
    require_services: bool = field(default=False, metadata={"env": "VOICESYNC_REQUIRE_SERVICES", "coerce": _flag})

    @property
    def ledger_url(self) -> str:
        return urls.ledger_url(self.database_url) if self.database_url else f"sqlite:///{self.var_dir / 'voicesync.db'}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default: ``.env`` overlaid by ``os.environ``); ConfigError
        naming the first bad setting."""
        if env is None:
            dotenv_path = home(os.environ) / ".env"
            dotenv = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
            env = {**dotenv, **os.environ}
        _refuse_unknown_names(env)
        values: dict[str, Any] = {"var_dir": _var_dir(env)}
        for f in fields(cls):
            name = f.metadata.get("env")
            if name and env.get(name, "") != "":
                coerce: Callable[[str], Any] = f.metadata.get("coerce", str)
                try:
                    values[f.name] = coerce(env[name])
                except ValueError:
                    raise ConfigError(f"setting {name} must be {_KINDS.get(coerce, 'valid')}") from None
        from shared import platforms

        platform = str(values.get("voice_platform", cls.voice_platform))
        values.setdefault("voice_api_url", platforms.vendor(platform).API_URL)
        prefix = platform.upper() + "_"
        values["vendor_settings"] = {k: v for k, v in env.items() if k.startswith(prefix) and v != ""}
        settings = cls(**values)
        settings._check()
        return settings

    def _check(self) -> None:
        """The rules a single value cannot carry: choices, secrets' form, tokens' length."""
        if self.odoo_protocol not in {"auto", "json2", "jsonrpc"}:
            raise ConfigError("setting ODOO_PROTOCOL must be auto, json2 or jsonrpc")
        if self.log_format not in {"json", "text"}:
            raise ConfigError("setting VOICESYNC_LOG_FORMAT must be json or text")
        if len(self.full_cron.split()) != 5:
            raise ConfigError("setting VOICESYNC_FULL_CRON must have five cron fields")
        if self.visibility_timeout <= self.retry_backoff_cap:
            raise ConfigError(
                "setting VOICESYNC_VISIBILITY_TIMEOUT must exceed VOICESYNC_RETRY_CAP: a task waiting out its "
                "retry would otherwise be delivered a second time"
            )
        self._check_urls()
        from shared import platforms

        platforms.webhooks(self)  # the vendor's own settings: ConfigError naming the bad one
        for name, token in (("ADMIN_TOKEN", self.admin_token), ("ODOO_WEBHOOK_TOKEN", self.odoo_webhook_token)):
            if token and (len(token) < MIN_TOKEN_LENGTH or not TOKEN.fullmatch(token)):
                raise ConfigError(
                    f"setting {name} must be at least {MIN_TOKEN_LENGTH} URL-safe characters "
                    "(make one: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )

    def _check_urls(self) -> None:
        """Every URL that is set, parsed now: a typo fails here, not in the first request."""
        if self.broker_url:
            urls.check_broker(self.broker_url)
        if self.redis_url:
            urls.check_redis(self.redis_url)
        if self.database_url:
            urls.ledger_url(self.database_url)
        if self.voice_api_url:
            urls.check_web("VOICE_API_URL", self.voice_api_url, "https://api.vapi.ai")
        if self.odoo_url:
            urls.check_odoo(self.odoo_url)
        if self.public_url:
            urls.check_web("VOICESYNC_PUBLIC_URL", self.public_url, "https://voicesync.example.com")


_KINDS: dict[Callable[[str], Any], str] = {
    int: "a whole number",
    float: "a number",
    _choices: f"none, or some of {', '.join(LEAD_RULES)} (separated by commas)",
}


def _refuse_unknown_names(env: Mapping[str, str]) -> None:
    """ConfigError for a ``VOICESYNC_*`` or ``<VENDOR>_*`` name voicesync does not read (a typo
    would otherwise leave the default in force, silently), naming the nearest known one."""
    from shared import platforms

    prefixes = ("VOICESYNC_", *(f"{name.upper()}_" for name in platforms.names()))
    known = {f.metadata["env"] for f in fields(Settings) if "env" in f.metadata} | platforms.setting_names()
    known |= TOOL_NAMES
    for name in sorted(env):
        if not name.startswith(prefixes) or name in known or name.startswith(TOOL_PREFIXES):
            continue
        nearest = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {nearest[0]}?" if nearest else ""
        raise ConfigError(f"setting {name} is not one voicesync reads{hint}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings.from_env()


def child_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """The environment for a voicesync child process: this one's, with ``overrides`` on top."""
    return {**os.environ, **overrides}


def use_environment(overrides: Mapping[str, str]) -> Settings:
    """Point this process (and the children it starts) at other settings, e.g. the demo's sandboxes."""
    os.environ.update(overrides)
    get_settings.cache_clear()
    return get_settings()
