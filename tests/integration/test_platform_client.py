"""The platform client against real HTTP: ids are one quoted path segment, and an answer about
another record is refused (an id from a webhook must never reach a different record)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.wrappers import Response

from sandbox.platform import PlatformSandbox
from sandbox.server import BackgroundServer
from shared.entities import ENTITIES
from shared.errors import DataError, NotFound, RetryableError
from shared.importer import Importer
from shared.platforms.generic import GenericPlatform
from shared.ports import free_port
from shared.services import Services


@pytest.fixture
def client(platform: PlatformSandbox) -> Iterator[GenericPlatform]:
    client = GenericPlatform(platform.url, platform.api_key)
    yield client
    client.close()


@pytest.mark.parametrize("hostile", ["../campaigns/cp_00000001", "ct_00000001?x=1", "ct_00000001#frag", "a/b"])
def test_an_id_never_reaches_another_path(client: GenericPlatform, hostile: str) -> None:
    with pytest.raises(NotFound):
        client.get("contacts", hostile)


@pytest.fixture
def liar() -> Iterator[list[str]]:
    """A platform that answers every read with the record ``ct_other``, and notes the paths asked."""
    asked: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        asked.append(environ["RAW_URI"])  # as sent, before any decoding
        return Response(json.dumps({"id": "ct_other"}), content_type="application/json")(environ, start_response)

    with BackgroundServer(app) as server:
        asked.append(server.url)
        yield asked


def test_an_answer_about_another_record_is_refused(liar: list[str]) -> None:
    client = GenericPlatform(liar[0], "key")
    with pytest.raises(DataError, match="another record"):
        client.get("contacts", "ct_1 2")
    assert liar[1] == "/v1/contacts/ct_1%202"


def test_a_record_answered_as_another_fails_alone_under_the_id_asked(services: Services, liar: list[str]) -> None:
    """Keyed by the id asked for, so its dead letter and inbox row say which event failed; the
    batch goes on without it."""
    importer = Importer(GenericPlatform(liar[0], "key"), services.engine, services.redis, lock_ttl=10)
    result = importer.sync_many(ENTITIES["contacts"], ["ct_1"])
    assert [(f.platform_id, f.error_type) for f in result.failures] == [("ct_1", "DataError")]
    assert result.created == 0


def test_a_platform_that_does_not_answer_is_named_by_its_address() -> None:
    """The worker's log once said only "platform could not connect": not where it tried."""
    dead = f"http://127.0.0.1:{free_port()}"
    client = GenericPlatform(f"{dead}/", "key")
    with pytest.raises(RetryableError) as refused:
        client.get("contacts", "ct_1")
    assert str(refused.value) == f"platform could not connect to {dead}"
