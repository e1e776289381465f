"""Where the broker and the coordination Redis are, resolved once per process.

Locks, the rate limit and delivery counts live in Redis. With a Redis broker that is the same
server (unless ``REDIS_URL`` says otherwise); with RabbitMQ, ``REDIS_URL`` or the embedded one.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

import redis
from amqp.exceptions import AccessRefused, NotAllowed
from redis.exceptions import AuthenticationError

from shared import embedded_redis
from shared.settings import Settings
from shared.urls import origin


def broker_url(settings: Settings) -> str:
    return settings.broker_url or embedded_redis.ensure_running(settings.var_dir)


def redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    if settings.broker_url.startswith(("redis://", "rediss://")):
        return settings.broker_url
    return embedded_redis.ensure_running(settings.var_dir)


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30)


def redis_client(settings: Settings) -> redis.Redis:
    """One pooled client per URL and process."""
    return _client(redis_url(settings))


def without_credentials(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its user and password, and those as client options. Celery masks only the
    settings it knows to be secret (``broker_url``, not RedBeat's ``redbeat_redis_url``): a password
    kept in the options instead never reaches Flower's worker pages."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url, {}
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    options = {"password": unquote(parts.password or "")}
    if parts.username:
        options["username"] = unquote(parts.username)
    return urlunsplit(parts._replace(netloc=netloc)), options


def broker_trouble(exc: BaseException, settings: Settings) -> str:
    """What an operator reads when the broker refused a send or did not answer: its address (never
    its credentials) and whether to fix the user and password, the virtual host, or start it."""
    where = f"at {origin(settings.broker_url)}" if settings.broker_url else "(the embedded Redis under var/)"
    cause = exc.__cause__ or exc
    if isinstance(cause, AuthenticationError | AccessRefused):
        return f"the broker {where} refuses the user or password in BROKER_URL: fix them"
    if isinstance(cause, NotAllowed):
        return f"the broker {where} refuses the virtual host in BROKER_URL ({cause.reply_text}): create it or fix it"
    said = str(cause).strip() or type(cause).__name__
    return f"the broker {where} does not answer ({said}): start it or fix BROKER_URL"
