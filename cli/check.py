"""``voicesync check``: whether a sync would work, every part of the deployment, one line each.

The settings, the ledger and its migration, the broker, a worker on every queue, a live beat,
Odoo (``odoo check``'s own findings) and the platform: its webhook credential, and its key
proved by one small read. Within a part, the first finding that makes the rest unanswerable
ends that part; the other parts are checked all the same. Exit status 0 only when every finding
is ok, so a deployment script can gate on it.
"""

from __future__ import annotations

import json
from dataclasses import replace

import click
from redis.exceptions import ConnectionError as RedisConnectionError

from cli.failures import one_line
from cli.operate import RECEIVER_URL, _webhook_url
from shared import heartbeat, platforms
from shared.connections import redis_url, without_credentials
from shared.consumers import consumers, no_worker
from shared.entities import ENTITIES
from shared.errors import ApiError, AuthError, ConfigError, DataError, RetryableError
from shared.ledger.db import Ledger
from shared.odoo_check import Finding
from shared.odoo_check import check as odoo_check
from shared.producer.app import app
from shared.producer.operations import reach_broker
from shared.services import Services
from shared.settings import Settings, get_settings

START_BEAT = "start it with `celery -A workers beat`"


@click.command()
@RECEIVER_URL
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: a list of {part, ok, message}.")
def check(receiver_url: str | None, as_json: bool) -> None:
    """Whether a sync would work: settings, ledger, broker, workers, beat, Odoo and the platform."""
    findings = gather(receiver_url)
    if as_json:
        click.echo(json.dumps([finding.as_json() for finding in findings], indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
    if not all(finding.ok for finding in findings):
        raise SystemExit(1)


def gather(receiver_url: str | None) -> list[Finding]:
    """Every part's findings; bad settings are the one finding, since nothing else can be asked."""
    try:
        settings = get_settings()
    except ConfigError as exc:
        return [Finding(False, str(exc), "settings")]
    services = Services(settings)
    return [
        Finding(True, f"settings are valid (VOICE_PLATFORM={settings.voice_platform})", "settings"),
        _ledger(services.ledger),
        *_workers(services),
        _beat(services),
        *_odoo(services, receiver_url),
        *check_platform(settings),
    ]


def _failed(part: str, exc: Exception) -> Finding:
    """An expected failure as the part's finding, in :mod:`cli.failures`' words; anything else is a
    bug and keeps its traceback."""
    line = one_line(exc)
    if line is None:
        raise exc
    return Finding(False, line, part)


def _ledger(ledger: Ledger) -> Finding:
    where = f"the ledger at {ledger.engine.url.render_as_string(hide_password=True)}"
    try:
        current, newest = ledger.migration()
    except Exception as exc:
        return _failed("ledger", exc)
    if current != newest:
        behind = f"{where} is at migration {current or 'none (no tables yet)'}, the newest is {newest}"
        return Finding(False, f"{behind}: run `voicesync db upgrade`", "ledger")
    return Finding(True, f"{where} answers and is at the newest migration ({newest})", "ledger")


def _workers(services: Services) -> list[Finding]:
    """The broker answers, and each entity's queue has a worker consuming it."""
    with app.connection_for_write() as connection:
        where = connection.as_uri()  # the password masked
    try:
        reach_broker()
    except Exception as exc:
        return [_failed("broker", exc)]
    answers = Finding(True, f"the broker at {where} answers", "broker")
    try:
        by_queue = consumers(services.redis, (spec.queue for spec in ENTITIES.values()))
    except RedisConnectionError as exc:
        return [answers, Finding(False, f"workers cannot be checked: {_redis_down(services, exc)}", "workers")]
    return [answers, *(_consumed(queue, nodes) for queue, nodes in by_queue.items())]


def _consumed(queue: str, nodes: list[str]) -> Finding:
    if not nodes:
        return Finding(False, no_worker(queue), "workers")
    workers = f"{len(nodes)} worker{'s' if len(nodes) > 1 else ''}"
    return Finding(True, f"{workers} on the {queue} queue: {', '.join(nodes)}", "workers")


def _beat(services: Services) -> Finding:
    """A live beat marks its heartbeat every few seconds; one silent longer than its lock timeout
    has lost the schedule to nobody (a stand-by would have taken it over by then)."""
    try:
        seconds = heartbeat.age(services.redis)
    except RedisConnectionError as exc:
        return Finding(False, f"beat cannot be checked: {_redis_down(services, exc)}", "beat")
    if seconds is None:
        hours = heartbeat.KEPT_SECONDS // 3600
        return Finding(False, f"no beat has run in the last {hours} hours: {START_BEAT}", "beat")
    if seconds > services.settings.beat_lock_timeout:
        return Finding(False, f"beat last ticked {seconds:.0f} s ago: {START_BEAT}", "beat")
    return Finding(True, f"beat ticked {seconds:.0f} s ago", "beat")


def _redis_down(services: Services, exc: RedisConnectionError) -> str:
    where = without_credentials(redis_url(services.settings))[0]
    return f"Redis at {where} does not answer ({exc})"


def _odoo(services: Services, receiver_url: str | None) -> list[Finding]:
    try:
        webhook_url = _webhook_url(receiver_url)
        odoo = services.odoo
    except click.ClickException as exc:
        return [Finding(False, exc.message)]
    except ConfigError as exc:
        return [Finding(False, str(exc))]
    return odoo_check(odoo, webhook_url)


def check_platform(settings: Settings) -> list[Finding]:
    """The webhook credential (its form was checked with the settings), the key, and where the API is."""
    vendor = settings.voice_platform
    try:
        scheme = platforms.receiving(settings)
        findings = [Finding(True, f"{scheme.credential_setting} is set: {vendor} webhooks are verified", "platform")]
        findings += [Finding(True, warning, "platform") for warning in scheme.warnings]
    except ConfigError as exc:
        findings = [Finding(False, str(exc), "platform")]
    findings.append(_platform_key(settings))
    public = platforms.vendor(vendor).API_URL
    if public and settings.voice_api_url.rstrip("/") == public:
        findings.append(Finding(True, f"VOICE_API_URL is {vendor}'s public API", "platform"))
    elif public:
        where = f"VOICE_API_URL ({settings.voice_api_url}) is not {vendor}'s public API ({public})"
        findings.append(Finding(True, f"{where}: right for a sandbox or a proxy", "platform"))
    return findings


def _platform_key(settings: Settings) -> Finding:
    problem = _key_problem(settings)
    if problem is not None:
        return Finding(False, problem, "platform")
    return Finding(
        True, f"the {settings.voice_platform} API at {settings.voice_api_url} takes VOICE_API_KEY", "platform"
    )


def _key_problem(settings: Settings) -> str | None:
    """What is wrong with reading one small page of calls with the key, through the vendor's own
    adapter; None when it reads."""
    vendor, url = settings.voice_platform, settings.voice_api_url
    if not settings.voice_api_key:
        return f"VOICE_API_KEY is not set: set the key of the {vendor} API"
    api = platforms.adapter(replace(settings, voice_page_size=1))
    try:
        next(api.pages(ENTITIES["calls"].name), None)
    except AuthError as exc:
        return f"VOICE_API_KEY refused by {vendor} (HTTP {exc.status_code}): check it"
    except RetryableError as exc:
        if exc.status_code is None:
            return f"the {vendor} API at {url} cannot be reached ({exc.message}): check VOICE_API_URL"
        return f"the {vendor} API at {url} answered {exc}: try again later"
    except (ApiError, DataError) as exc:
        return f"{url} does not answer as {vendor}'s API does ({exc}): check VOICE_API_URL"
    finally:
        api.close()
    return None
