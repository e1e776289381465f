"""Row 7: seconds from a webhook's 202 to its record in Odoo, at a steady rate (50 a second for a
minute). Each webhook names a different contact changed on the platform just before; the record is
in Odoo when the worker marks the inbox row ``processed`` (after the upsert), at its ``updated_at``."""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import requests
from sqlalchemy import select

from bench.context import BenchContext
from bench.report import Row
from bench.stack import Stack
from sandbox.platform.webhooks import encode, event_body
from shared.ledger.models import InboxEvent
from shared.ledger.states import InboxStatus
from shared.signing import sign_headers

MAX_P99_SECONDS = 2.0
DRAIN_SECONDS = 120.0
SENDERS = 16


@dataclass(frozen=True)
class Answer:
    status: int
    inbox_id: int | None
    at: float


LIMITS = (
    "a webhook waits up to 20 ms in the receiver's publisher for others to share its task, then in Redis until a "
    "pool process is free; a sync_many of a few records takes 30-60 ms (a platform GET per record, one "
    "ir.model.data search, one load, two ledger transactions), and with prefetch 1 and late acks a pool process "
    "takes its next message only after acking the last."
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def send_paced(stack: Stack, url: str, ids: list[str], rate: float, label: str = "Steady") -> list[Answer]:
    """For each id in turn, change that contact on the platform (without its own webhook) and send a
    signed webhook for it, ``rate`` times a second; each answer's time is taken when it arrives."""
    session = requests.Session()
    secret = stack.api.webhook_secret

    def send(n: int, platform_id: str) -> Answer:
        record = stack.api.update("contacts", platform_id, {"last_name": f"{label}{n}"}, emit=False)
        body = encode(event_body("contact.updated", record))
        headers = {**sign_headers(secret, f"msg_{label}_{n}", body), "Content-Type": "application/json"}
        response = session.post(f"{url}/webhooks/voice", data=body, headers=headers, timeout=10)
        answered = time.time()
        inbox_id = response.json().get("id") if response.status_code == 202 else None
        return Answer(response.status_code, inbox_id, answered)

    futures: list[Future[Answer]] = []
    with ThreadPoolExecutor(SENDERS) as pool:
        started = time.monotonic()
        for n, platform_id in enumerate(ids):
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            futures.append(pool.submit(send, n, platform_id))
    session.close()
    return [future.result() for future in futures]


def processed_at(stack: Stack, inbox_ids: list[int]) -> dict[int, float]:
    """When each inbox row was marked processed, waiting for the workers to drain the queue."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        with stack.services.ledger.session() as session:
            rows = session.execute(
                select(InboxEvent.id, InboxEvent.updated_at).where(
                    InboxEvent.id.in_(inbox_ids), InboxEvent.status == InboxStatus.PROCESSED
                )
            ).all()
        if len(rows) == len(inbox_ids) or time.monotonic() > deadline:
            return {row.id: row.updated_at.timestamp() for row in rows}
        time.sleep(0.5)


def run(ctx: BenchContext) -> list[Row]:
    rate, seconds = ctx.scale.steady_rate, ctx.scale.steady_seconds
    count = rate * seconds
    with Stack(ctx, contacts=count) as stack:
        stack.workers("contacts", concurrency=2)
        url = stack.receiver()
        print(f"  {count} webhooks at {rate}/s", flush=True)
        answers = send_paced(stack, url, [record["id"] for record in stack.api.records("contacts")[:count]], rate)
        accepted = [a for a in answers if a.inbox_id is not None]
        done = processed_at(stack, [a.inbox_id for a in accepted if a.inbox_id is not None])
    latencies = [done[a.inbox_id] - a.at for a in accepted if a.inbox_id in done]
    missing = count - len(latencies)
    if missing:
        ctx.note(f"row 7: {missing} of {count} webhooks were not answered 202 or not processed within the drain time")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"  202 -> processed: p50 {p50:.2f} s, p99 {p99:.2f} s", flush=True)
    return [
        Row(
            "7",
            f"seconds from 202 to the record in Odoo, {rate}/s for {seconds} s (1 worker, concurrency 2)",
            f"p50 {p50:.2f} s, p99 {p99:.2f} s, max {max(latencies, default=float('nan')):.2f} s",
            f"{len(latencies)} of {count} processed",
            None,
            f"p99 <= {MAX_P99_SECONDS:.0f} s",
            p99 <= MAX_P99_SECONDS and not missing,
        )
    ]
