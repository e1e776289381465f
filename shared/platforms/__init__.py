"""The voice platforms voicesync speaks, one module each, chosen by ``VOICE_PLATFORM``.

A vendor module defines ``ADAPTER`` (a :class:`~shared.platforms.base.Platform` subclass),
``WEBHOOKS`` (its webhook scheme, built from settings), ``API_URL`` (its public API, what an
unset ``VOICE_API_URL`` means; empty when it has none) and ``SETTINGS`` (the ``<VENDOR>_*``
variables it reads, from :attr:`shared.settings.Settings.vendor_settings`, each with its default).
Adding a vendor is adding its module here (and its emulator under ``sandbox/``): nothing else
names the vendors.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from shared.errors import ConfigError

if TYPE_CHECKING:
    from shared.platforms.base import Platform, RateGate, Webhooks
    from shared.settings import Settings

NOT_VENDORS = {"base", "assistants"}


@cache
def names() -> tuple[str, ...]:
    """Every vendor this installation knows."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_VENDORS))


def vendor(name: str) -> ModuleType:
    """The module of vendor ``name``; ConfigError for one voicesync does not know."""
    if name not in names():
        raise ConfigError(f"setting VOICE_PLATFORM must be one of {', '.join(names())}")
    return importlib.import_module(f"{__name__}.{name}")


def reading(settings: Settings) -> None:
    """ConfigError unless the configured vendor's API can be read: its URL and its key. Checked as
    a worker starts (and before any client is built), not by processes that never read it."""
    if not settings.voice_api_url:
        raise ConfigError(
            f"setting VOICE_API_URL is required with VOICE_PLATFORM={settings.voice_platform}: it has no public API "
            "(`voicesync sandbox` prints the URL of one)"
        )
    if not settings.voice_api_key:
        raise ConfigError(f"setting VOICE_API_KEY is required to read the {settings.voice_platform} API")


def adapter(settings: Settings, gate: RateGate | None = None) -> Platform:
    """The API client of the configured vendor."""
    reading(settings)
    return vendor(settings.voice_platform).ADAPTER.from_settings(settings, gate)


def webhooks(settings: Settings) -> Webhooks:
    """The configured vendor's webhook scheme (ConfigError when its settings are wrong)."""
    return vendor(settings.voice_platform).WEBHOOKS(settings)


def receiving(settings: Settings) -> Webhooks:
    """The webhook scheme the receiver verifies with: ConfigError when it has no credential, since
    it would answer 401 to every delivery (and Vapi never retries one)."""
    scheme = webhooks(settings)
    if not scheme.secrets:
        raise ConfigError(
            f"setting {scheme.credential_setting} is required to receive {settings.voice_platform} webhooks "
            "(without it every delivery would be refused)"
        )
    return scheme


def setting_names() -> set[str]:
    """Every ``<VENDOR>_*`` variable some vendor reads (for the documentation checks)."""
    return {name for vendor_name in names() for name in vendor(vendor_name).SETTINGS}
