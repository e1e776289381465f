"""Row 10: receiver CPU spent refusing an unsigned 1 MiB body (small nested arrays, the costliest
shape to parse) on every platform's webhook endpoint, before and after nothing: the request goes
through the whole Flask app in this process (Flask's test client, no network), timed with
``time.process_time`` around each request, the median of ``REQUESTS``. A signature must be
checked on the raw bytes before any JSON work, so the figure is an HMAC of a megabyte."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bench.context import BenchContext
from bench.report import Row
from shared.settings import Settings
from shared.signing import new_secret
from web import create_app

REQUESTS = 20
TARGET_MS = 20.0
BODY = b"[" + b"[1,[2,[3]]]," * (1024 * 1024 // 12) + b"0]"
JUNK = "0" * 64


def _now(unit: int = 1) -> str:
    return str(int(time.time() * unit))


KEY = "key_0123456789abcdef0123"
# platform -> (its settings, the junk credential headers an outsider sends)
ENDPOINTS: dict[str, tuple[dict[str, str], Callable[[], dict[str, str]]]] = {
    "generic": (
        {"VOICE_WEBHOOK_SECRET": new_secret()},
        lambda: {"webhook-id": "msg_1", "webhook-timestamp": _now(), "webhook-signature": "v1," + JUNK},
    ),
    "vapi (bearer)": (
        {"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": KEY},
        lambda: {"Authorization": "Bearer " + JUNK},
    ),
    "vapi (hmac)": (
        {"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": KEY, "VAPI_WEBHOOK_AUTH": "hmac"},
        lambda: {"x-signature": JUNK, "x-timestamp": _now(1000)},
    ),
    "retell": (
        {"VOICE_PLATFORM": "retell", "VOICE_API_KEY": KEY, "RETELL_WEBHOOK_API_KEY": f"{KEY} {KEY}x {KEY}y"},
        lambda: {"x-retell-signature": f"v={_now(1000)},d={JUNK}"},
    ),
    "bland": (
        {"VOICE_PLATFORM": "bland", "BLAND_WEBHOOK_SECRET": f"{KEY} {KEY}x"},
        lambda: {"X-Webhook-Signature": JUNK},
    ),
}


def _refusal_ms(ctx: BenchContext, name: str, env: dict[str, str], headers: Callable[[], dict[str, str]]) -> float:
    database = ctx.var_dir / f"hostile-{name.split()[0]}.db"
    settings = Settings.from_env({**env, "DATABASE_URL": f"sqlite:///{database}", "BROKER_URL": ctx.broker_url})
    client = create_app(settings).test_client()
    spent = []
    for _ in range(REQUESTS):
        started = time.process_time()
        answer = client.post("/webhooks/voice", data=BODY, headers=headers(), content_type="application/json")
        spent.append((time.process_time() - started) * 1000)
        if answer.status_code != 401:
            raise RuntimeError(f"{name} answered {answer.status_code} to an unsigned body, not 401")
    return statistics.median(spent)


def run(ctx: BenchContext) -> list[Row]:
    rows = []
    for name, (env, headers) in ENDPOINTS.items():
        ms = _refusal_ms(ctx, name, env, headers)
        print(f"  {name}: {ms:.1f} ms of CPU to refuse {len(BODY):,} unsigned bytes", flush=True)
        rows.append(
            Row(
                "10",
                f"receiver CPU to refuse an unsigned 1 MiB body, {name}",
                f"{ms:.1f} ms",
                target=f"< {TARGET_MS:.0f} ms",
                met=ms < TARGET_MS,
            )
        )
    return rows
