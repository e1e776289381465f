"""Beat's scheduler: RedBeat, made to outlive a Redis restart.

RedBeat keeps the schedule and its one-beat lock in Redis. When Redis restarts without its data
the lock is gone, and RedBeat's next extension raises ``LockNotOwnedError``, which ends
``celery beat`` for good (a known RedBeat behaviour): the relay then never runs again and webhooks
accepted during the outage never reach Odoo. Here beat instead logs one line and, once Redis
answers, takes the lock again (standing by while another beat holds it) and stores the static
schedule again, which a Redis without its data has lost; ``last_run_at`` of entries that
survived is kept, so nothing fires twice.

Each tick of the beat that holds the schedule also marks :mod:`shared.heartbeat`, which
``voicesync check`` reads to tell a live beat from none.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from redbeat.schedulers import RedBeatScheduler, acquire_distributed_beat_lock, get_redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared import heartbeat

log = logging.getLogger(__name__)
RETRY_SECONDS = 2.0


class DurableRedBeatScheduler(RedBeatScheduler):
    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            if self.lock_key and self.lock is None:
                self._take_lock()
            interval = float(super().tick(*args, **kwargs))
            heartbeat.mark(get_redis(self.app))
            return interval
        except LockError:
            log.warning("beat lost its lock (Redis restarted, or another beat took over): taking it again")
            self.lock = None
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            log.warning("beat cannot reach Redis (%s): trying again in %.0f s", type(exc).__name__, RETRY_SECONDS)
        return RETRY_SECONDS

    def _take_lock(self) -> None:
        """RedBeat's own start-up step (it waits while another beat holds the lock), then the
        static schedule stored again."""
        acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=self))
        self.setup_schedule()
        log.info("beat holds the lock again; schedule stored")
