"""The bare baseline of row 1: a Flask endpoint that only answers 202, served by gunicorn with the
receiver's own config, so the ratio measures what verification, the inbox commit and the enqueue cost."""

from __future__ import annotations

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/webhooks/voice")
    def accept() -> tuple[dict[str, str], int]:
        return {"status": "accepted"}, 202

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
