"""Outgoing webhooks, as Odoo's server action "Send Webhook Notification" sends them.

The body is built when the automation rule runs, inside the transaction (``automation.py``),
and POSTed after the commit by the request's own thread before it answers, as Odoo's
``cr.postcommit`` does: unsigned, ``Content-Type: application/json``, a 1-second timeout, no
retry. Every attempt is logged for ``GET /_sandbox/webhook-deliveries``.

``PUT /_sandbox/webhooks`` (:meth:`WebhookSender.configure`) is a shortcut for rules not made
through the API: each hook behaves as an active ``base.automation`` on its model (``on``:
``create`` is ``on_create``, ``write`` is ``on_write``, no domain, no trigger fields) with one
webhook action sending ``fields``; ``_action`` reads ``<name>(#<index>)``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .ddl import now

EVENTS = frozenset({"create", "write"})
TIMEOUT_SECONDS = 1


@dataclass(frozen=True)
class Webhook:
    """One shortcut rule: model, URL, fields sent, and the events that trigger it."""

    id: int
    name: str
    model: str
    url: str
    fields: tuple[str, ...]
    on: frozenset[str]

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
    """Holds the shortcut hooks, delivers bodies and logs every attempt."""

    def __init__(self) -> None:
        self.hooks: list[Webhook] = []
        self._deliveries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def configure(self, items: Iterable[Mapping[str, Any]]) -> None:
        self.hooks = parse_webhooks(items)

    def deliver(self, url: str, body: str) -> None:
        """One POST, as Odoo's ``_add_post_commit`` sends it; failures are only logged."""
        values = json.loads(body)
        attempt: dict[str, Any] = {
            "at": now(),
            "url": url,
            "model": values.get("_model"),
            "id": values.get("_id"),
            "action": values.get("_action"),
            "body": values,
            "status": None,
            "error": None,
        }
        try:
            response = requests.post(
                url, data=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT_SECONDS
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
        """Nothing runs in the background any more; kept for the sandbox's lifecycle."""
