"""Each voice platform's HTTP face, one module per vendor, found by name.

``PlatformSandbox(vendor=NAME)`` serves one seeded store through ``vendors/NAME.py``; everything
that is the same for every vendor (the bearer-key guard, fault injection, ``/_sandbox`` controls,
statistics, webhook delivery with retries) stays in ``app``, ``service`` and ``webhooks``. So adding
a vendor is adding one module with the interface :class:`Vendor` describes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from flask import Flask, Response

    from sandbox.platform.service import PlatformSandbox
    from sandbox.platform.store import Change, Record
    from sandbox.platform.webhooks import Credential

NAMES = tuple(sorted(module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_")))
"""Every vendor the sandbox can speak (``voicesync sandbox --platform`` offers these)."""


class Vendor(Protocol):
    """What a vendor module defines (a module satisfies this protocol structurally)."""

    PATHS: tuple[str, ...]
    """URL prefixes of the vendor's API: the key guard, faults and statistics apply under them."""
    RETRY_SCHEDULE: tuple[float, ...]
    """The vendor's redelivery delays for a failed webhook (empty: it never retries)."""
    KEY_SCHEME: str
    """How the API key arrives in ``Authorization``: ``"Bearer"``, or ``""`` for the bare key."""

    def register(self, app: Flask, platform: PlatformSandbox) -> None:
        """Add the vendor's API routes (and any vendor-only ``/_sandbox`` controls) to ``app``."""

    def error(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> Response:
        """An error answer in the vendor's body shape; ``fields`` names the bad fields of a 4xx."""

    def messages(self, platform: PlatformSandbox, change: Change) -> list[dict[str, Any]]:
        """The webhook bodies the vendor sends for ``change``, in order (empty: it sends none)."""

    def message_type(self, body: Mapping[str, Any]) -> str:
        """The type of a webhook body, for the delivery log."""

    def credential(self, given: Credential | None) -> Credential:
        """``given`` completed with the vendor's defaults (ValueError for a kind it does not know)."""

    def settings(self, platform: PlatformSandbox) -> dict[str, str]:
        """The vendor's voicesync settings (``KEY: value``) that make voicesync accept the sandbox's
        deliveries (and know what the vendor's API cannot list, like Retell's batch calls)."""

    def sign(self, platform: PlatformSandbox, msg_id: str, payload: bytes) -> dict[str, str]:
        """The headers that authenticate one delivery attempt of ``payload`` (with
        ``platform.webhook_credential``, or what else the vendor signs with)."""

    def public_id(self, store_id: str) -> str:
        """The id the vendor's API shows for a store id."""

    def render(self, platform: PlatformSandbox, entity: str, record: Record) -> dict[str, Any] | None:
        """A store record as the vendor's API serves it (``None``: the vendor has no such resource)."""


def load(name: str) -> Vendor:
    """The vendor module called ``name``; ValueError names the known ones."""
    if name not in NAMES:
        raise ValueError(f"unknown platform vendor {name!r}; known: {', '.join(NAMES)}")
    return cast("Vendor", importlib.import_module(f"{__name__}.{name}"))
