"""What the stand-in's own JSON-2 tests share: one sandbox per test module and a JSON-2 caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.odoo import OdooSandbox


@pytest.fixture(scope="module", name="odoo")
def sandbox_per_module() -> Iterator[OdooSandbox]:
    """Imported by a test module, it replaces the per-test ``odoo`` fixture with one per module."""
    with OdooSandbox() as sandbox:
        yield sandbox


def call(odoo: OdooSandbox, model: str, method: str, **body: Any) -> requests.Response:
    return requests.post(
        f"{odoo.url}/json/2/{model}/{method}",
        json=body,
        timeout=10,
        headers={"Authorization": f"bearer {odoo.api_key}"},
    )


def ok(odoo: OdooSandbox, model: str, method: str, **body: Any) -> Any:
    response = call(odoo, model, method, **body)
    assert response.status_code == 200, response.json().get("message")
    return response.json()
