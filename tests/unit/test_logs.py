"""JSON log lines carry the bound context; configured secrets never reach the output."""

from __future__ import annotations

import io
import json
import logging

from shared.logs import JsonFormatter, Redacting, bound, secrets_of
from shared.settings import Settings


def emit(message: str, *args: object, secrets: list[str] | None = None, exc: bool = False, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(Redacting(JsonFormatter(), secrets or []))
    logger = logging.getLogger(f"test-{id(stream)}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning(message, *args, extra=extra, exc_info=exc)
    return stream.getvalue()


def test_lines_are_json_with_the_bound_correlation_id() -> None:
    with bound(correlation_id="voice:msg_1", task_id="t-1"):
        line = json.loads(emit("synced %s", "ct_1", odoo_id=7))
    assert line["message"] == "synced ct_1"
    assert (line["correlation_id"], line["task_id"], line["odoo_id"], line["level"]) == (
        "voice:msg_1",
        "t-1",
        7,
        "WARNING",
    )
    assert "correlation_id" not in json.loads(emit("outside"))


def test_secrets_are_redacted_wherever_they_appear() -> None:
    output = emit(
        "calling with key %s and %s", "vk_supersecret", "whsec_abcdefgh", secrets=["vk_supersecret", "whsec_abcdefgh"]
    )
    assert "vk_supersecret" not in output and "whsec_abcdefgh" not in output
    assert json.loads(output)["message"] == "calling with key *** and ***"


def test_a_secret_in_extra_fields_or_an_exception_is_redacted_too() -> None:
    """Redaction once rewrote only the message: a key in ``extra=`` or in an exception's text got out."""
    try:
        raise RuntimeError("refused key vk_insideexception")
    except RuntimeError:
        output = emit("failed", secrets=["vk_insideexception", "vk_inextra12"], exc=True, key="vk_inextra12")
    assert "vk_insideexception" not in output and "vk_inextra12" not in output
    assert json.loads(output)["key"] == "***" and "***" in json.loads(output)["exception"]


def test_passwords_in_the_broker_redis_and_database_urls_are_secrets() -> None:
    settings = Settings.from_env({
        "BROKER_URL": "amqp://voicesync:brokerpass1@rabbit:5672//",
        "REDIS_URL": "redis://:redispass22@redis:6379/0",
        "DATABASE_URL": "postgresql+psycopg://voicesync:dbpass333@postgres/voicesync",
        "FLOWER_BASIC_AUTH": "operator:flowerpass4",
    })  # fmt: skip
    assert {"brokerpass1", "redispass22", "dbpass333", "flowerpass4"} <= set(secrets_of(settings))
