"""How long to wait before trying again: exponential backoff with full jitter, a cap, Retry-After."""

from __future__ import annotations

import random


def backoff_seconds(
    attempt: int, *, base: float, cap: float, retry_after: float | None = None, rand: random.Random | None = None
) -> float:
    """Seconds before retry number ``attempt + 1``.

    Jitter spreads the retries of many workers that failed together; a server's ``Retry-After``
    is a floor, since retrying sooner only earns another 429.
    """
    ceiling = min(cap, base ** (attempt + 1))
    wait = (rand or random).uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        wait = max(wait, min(retry_after, cap))
    return round(wait, 3)
