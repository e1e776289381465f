"""Celery settings, read by ``workers.app`` with ``config_from_object``.

Values come from :mod:`shared.settings` (the one place that reads the environment).
"""

from celery.schedules import crontab

from shared.connections import broker_url as _broker_url
from shared.connections import redis_url as _redis_url
from shared.connections import without_credentials
from shared.entities import ENTITIES
from shared.routing import RELAY_QUEUE, celery_routes
from shared.settings import get_settings

_settings = get_settings()

broker_url = _broker_url(_settings)
broker_connection_retry_on_startup = True

# Three pools: a task's queue is its entity's (shared.routing, the one table).
task_routes = celery_routes()
task_default_queue = RELAY_QUEUE

# JSON only: tasks take JSON-simple arguments an operator can type, and Flower can show.
task_serializer = "json"
accept_content = ["json"]
result_serializer = "json"
task_ignore_result = True

# A message is acknowledged only after its task ends, and put back if the worker dies mid-task,
# so a worker killed mid-run loses nothing (the ledger and upserts make a rerun harmless).
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1

# On Redis, a message not acknowledged within the visibility timeout is delivered again. A retry
# waits in the worker, unacknowledged, for its countdown; so the timeout must exceed the longest
# countdown a retry can schedule (VOICESYNC_RETRY_CAP), or that retry would run twice.
_restore_every = max(1, min(10, int(_settings.visibility_timeout / 4)))
broker_transport_options = {
    "visibility_timeout": _settings.visibility_timeout,
    # A worker killed hard leaves its tasks unacknowledged; they come back once the visibility
    # timeout has passed, found by a sweep that by default runs only every ~100 s: sweep often.
    "unacked_restore_interval": _restore_every,
    "unacked_restore_throttle": 1,
    # Every worker sweeps under one Redis lock; a worker killed mid-sweep keeps it until it expires
    # (kombu's default: 300 s), and until then no sweep restores anything: let it lapse in a few sweeps.
    "unacked_mutex_expire": 5 * _restore_every,
    # A broker that does not answer must fail fast: the receiver then keeps the row for the relay.
    "socket_connect_timeout": 2,
    "socket_timeout": 15,
}
broker_connection_timeout = 2

# Workers send task events (Flower shows live tasks); a 'sent' event per task would cost the
# receiver a second broker round trip for every webhook, so Flower starts each task at 'received'.
worker_send_task_events = True
task_send_sent_event = False
worker_hijack_root_logger = False
timezone = "UTC"

# Beat must run exactly once or every schedule fires twice: RedBeat keeps the schedule in Redis
# behind a lock, so a second `celery -A workers beat` stands by and takes over when the first dies
# (within the lock timeout). workers.beat makes it outlive a Redis restart that loses the lock.
beat_scheduler = "workers.beat:DurableRedBeatScheduler"
redbeat_redis_url, _redbeat_credentials = without_credentials(_redis_url(_settings))
if _redbeat_credentials:  # options, where Celery's censoring finds the password (Flower shows settings)
    redbeat_redis_options = _redbeat_credentials
redbeat_key_prefix = "voicesync:redbeat"
beat_max_loop_interval = 5
redbeat_lock_timeout = _settings.beat_lock_timeout

# Incremental runs of every entity every few minutes, a full run nightly (cron, UTC), and the
# relay that enqueues inbox rows a broker outage left behind.
_minute, _hour, _day, _month, _weekday = _settings.full_cron.split()
beat_schedule: dict[str, dict[str, object]] = {
    "inbox-relay": {"task": "inbox.relay", "schedule": _settings.relay_every},
}
for _entity in ENTITIES:
    beat_schedule[f"{_entity}-incremental"] = {
        "task": f"{_entity}.reconcile",
        "schedule": _settings.incremental_every,
        "kwargs": {"full": False},
    }
    beat_schedule[f"{_entity}-full"] = {
        "task": f"{_entity}.reconcile",
        "schedule": crontab(_minute, _hour, _day, _month, _weekday),
        "kwargs": {"full": True},
    }
