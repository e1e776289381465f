"""JSON log lines carry the bound context; configured secrets never reach the output."""

from __future__ import annotations

import io
import json
import logging

from shared.logs import JsonFormatter, RedactSecrets, bound


def emit(message: str, *args: object, secrets: list[str] | None = None, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets(secrets or []))
    logger = logging.getLogger(f"test-{id(stream)}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning(message, *args, extra=extra)
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
