"""Outgoing webhooks, as Odoo's server action "Send Webhook Notification" sends them.

Per touched record and matching hook, the payload is ``{"_action", "_id", "_model"}`` plus the
chosen fields read with ``load=None`` (many2one as a bare id, and ``id`` itself), serialized with
``sort_keys=True, default=str``. It is built inside the transaction and POSTed after commit,
unsigned, with a 1-second timeout and no retry, from background threads, so the RPC answer
never waits. Every attempt is logged for ``GET /_sandbox/webhook-deliveries``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from .store import now

if TYPE_CHECKING:
    from .orm import Env

EVENTS = frozenset({"create", "write"})
TIMEOUT_SECONDS = 1


@dataclass(frozen=True)
class Webhook:
    """One automation rule: model, URL, fields sent, and the events that trigger it."""

    id: int
    name: str
    model: str
    url: str
    fields: tuple[str, ...]
    on: frozenset[str]

    @property
    def action(self) -> str:
        return f"{self.name}(#{self.id})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "model": self.model,
            "url": self.url,
            "fields": list(self.fields),
            "on": sorted(self.on),
        }


def parse_webhooks(items: Iterable[Mapping[str, Any]]) -> list[Webhook]:
    """Validate a ``PUT /_sandbox/webhooks`` body; raises ``ValueError`` on a bad entry."""
    hooks = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or not item.get("model") or not item.get("url"):
            raise ValueError(f"webhook #{index} needs at least 'model' and 'url'")
        on = frozenset(item.get("on") or ("create", "write"))
        if on - EVENTS:
            raise ValueError(f"webhook #{index}: 'on' accepts {sorted(EVENTS)}")
        hooks.append(
            Webhook(
                index,
                str(item.get("name") or "Send Webhook Notification"),
                str(item["model"]),
                str(item["url"]),
                tuple(item.get("fields") or ()),
                on,
            )
        )
    return hooks


class WebhookSender:
    """Holds the configured hooks, builds payloads and delivers them after commit."""

    def __init__(self) -> None:
        self.hooks: list[Webhook] = []
        self._deliveries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="odoo-webhook")

    def configure(self, items: Iterable[Mapping[str, Any]]) -> None:
        self.hooks = parse_webhooks(items)

    def payloads(self, env: Env) -> list[tuple[Webhook, int, str]]:
        """Serialize, inside the transaction, what each touched record's hooks will send."""
        hooks, out = self.hooks, []
        by_hook: dict[Webhook, list[int]] = {}
        for model, record_id, event in env.touched:
            for hook in hooks:
                if hook.model == model and event in hook.on:
                    by_hook.setdefault(hook, []).append(record_id)
        for hook, ids in by_hook.items():
            if hook.model not in env:
                continue
            records = env.sudo()[hook.model]  # automation rules run as superuser in Odoo
            alive = records._existing(ids)
            unique = [i for i in dict.fromkeys(ids) if i in alive]
            rows = records.browse(unique).read(list(hook.fields), load=None) if hook.fields else [{} for _ in unique]
            for record_id, values in zip(unique, rows, strict=True):
                body = {"_model": hook.model, "_id": record_id, "_action": hook.action, **values}
                out.append((hook, record_id, json.dumps(body, sort_keys=True, default=str)))
        return out

    def send(self, payloads: list[tuple[Webhook, int, str]]) -> None:
        for hook, record_id, body in payloads:
            self._pool.submit(self._deliver, hook, record_id, body)

    def _deliver(self, hook: Webhook, record_id: int, body: str) -> None:
        attempt: dict[str, Any] = {
            "at": now(),
            "url": hook.url,
            "model": hook.model,
            "id": record_id,
            "action": hook.action,
            "body": json.loads(body),
            "status": None,
            "error": None,
        }
        try:
            response = requests.post(
                hook.url,
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=TIMEOUT_SECONDS,
            )
            attempt["status"] = response.status_code
            response.raise_for_status()
        except requests.RequestException as exc:
            attempt["error"] = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._deliveries.append(attempt)

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._deliveries)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
