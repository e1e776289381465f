"""The webhook receiver: ``web.create_app()`` answers at once and leaves the work to Celery."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from shared.services import Services
from shared.settings import Settings, get_settings
from web.metrics import REJECTED

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    services = Services(settings or get_settings())
    app.extensions["voicesync"] = services
    from web import admin, health, metrics, odoo_hooks, voice
    from web.inbox_writer import WRITER, InboxWriter

    app.extensions[WRITER] = InboxWriter(services.inbox)

    for module in (health, voice, odoo_hooks, admin, metrics):
        app.register_blueprint(module.blueprint)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge) -> tuple[dict[str, str], int]:
        source = "odoo" if request.path.startswith("/webhooks/odoo/") else "voice"
        REJECTED.labels(source, "too_large").inc()
        return {"error": f"body larger than {MAX_BODY_BYTES} bytes"}, 413

    return app
