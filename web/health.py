"""``GET /healthz`` (the process answers) and ``GET /readyz`` (its database and broker answer)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    return {"status": "ok"}, 200


@blueprint.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    from shared.producer.operations import broker_answers

    services = current_app.extensions["voicesync"]
    try:
        with services.ledger.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = True
    except SQLAlchemyError:
        database = False
    broker = broker_answers()
    ready = database and broker
    return {"database": database, "broker": broker, "ready": ready}, 200 if ready else 503
