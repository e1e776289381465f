"""The pages of a planned reconciliation, handed out one at a time to whichever task asks next.

A run's pages used to go out as tasks of a few consecutive pages each. Between two such tasks Odoo
sat idle while the next one started and read and prepared its first page (40-60 ms a task in a
real Odoo's log, a twentieth of a first sync), and a slow worker kept its whole share. Now every
page task takes pages from one counter in Redis, each while the page before it is still being
written, until none is left: a lone worker walks the run without a pause, several share it page by
page, and the page tasks that find nothing left end at once.

A page is taken and marked as the taker's in one atomic step (a Lua script), under the taking
task's id. A task killed mid-page comes back with the same id (``acks_late``), as does a retried
one, and takes up its own pages first; a task that gives up counts its own pages failed. A Redis
that lost the counter starts it again: the pages a run has counted are skipped by the caller.
"""

from __future__ import annotations

import redis

KEY = "voicesync:run:{run_id}:{part}"
# ARGV: pages in the run, the taker, the keys' expiry in seconds. Returns the page, or 0: none left.
_TAKE = """
local page = redis.call('incr', KEYS[1])
redis.call('expire', KEYS[1], ARGV[3])
if page > tonumber(ARGV[1]) then return 0 end
redis.call('hset', KEYS[2], page, ARGV[2])
redis.call('expire', KEYS[2], ARGV[3])
return page
"""


class PageClaims:
    """One run's counter of handed-out pages and who took each."""

    def __init__(self, client: redis.Redis, run_id: int, expiry: float) -> None:
        self.client = client
        self.counter = KEY.format(run_id=run_id, part="next")
        self.takers = KEY.format(run_id=run_id, part="takers")
        self.expiry = max(1, int(expiry))
        self._take = client.register_script(_TAKE)

    def open(self, handed_out: int) -> None:
        """Pages up to ``handed_out`` are taken already (the planning task's own). Once: a retried
        planning task must not hand out again the pages others are writing."""
        self.client.set(self.counter, handed_out, nx=True, ex=self.expiry)

    def take(self, total: int, taker: str) -> int | None:
        """The next page of ``total`` nobody took, now ``taker``'s; ``None`` when all are out."""
        page = int(self._take(keys=[self.counter, self.takers], args=[total, taker, self.expiry]))
        return page or None

    def taken_by(self, taker: str) -> list[int]:
        """The pages ``taker`` took, in order: a task that comes back resumes them."""
        pages = self.client.hgetall(self.takers)
        return sorted(int(page) for page, who in pages.items() if who.decode() == taker)

    def left(self, total: int) -> bool:
        """Whether some page of ``total`` is still to be handed out."""
        return int(self.client.get(self.counter) or 0) < total

    def close(self) -> None:
        """The run is over: its keys go."""
        self.client.delete(self.counter, self.takers)
