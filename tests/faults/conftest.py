"""Fault tests reuse the integration fixtures (workers, receivers, ledger) and add parity."""

from __future__ import annotations

from tests.integration.conftest import receiver, services, start_receiver, start_server, start_worker

__all__ = ["receiver", "services", "start_receiver", "start_server", "start_worker"]
