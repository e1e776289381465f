"""The webhook receiver: ``web.create_app()`` answers at once and leaves the work to Celery."""

from __future__ import annotations

from flask import Flask

from shared.services import Services
from shared.settings import Settings, get_settings

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["voicesync"] = Services(settings or get_settings())
    from web import admin, health, voice

    for module in (health, voice, admin):
        app.register_blueprint(module.blueprint)
    return app
