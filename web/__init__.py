"""The webhook receiver: ``web.create_app()`` answers at once and leaves the work to Celery."""

from __future__ import annotations

import logging

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from shared import platforms
from shared.services import Services
from shared.settings import Settings, get_settings
from web.metrics import REJECTED

# What the voice endpoint takes (a call's event with its transcript). Each endpoint reads its body
# through ``web.event_input.read_body`` with its own limit; Flask's MAX_CONTENT_LENGTH is not used,
# as it cuts a chunked body short at the limit instead of refusing it.
MAX_BODY_BYTES = 1024 * 1024
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    app = Flask(__name__)
    services = Services(settings or get_settings())
    app.extensions["voicesync"] = services
    if services.settings.web_proxies:  # behind the compose proxy: the client is in X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=services.settings.web_proxies)  # type: ignore[method-assign]
    from web import admin, health, metrics, odoo_hooks, voice
    from web.inbox_writer import WRITER, InboxWriter
    from web.throttle import SourceThrottle

    app.extensions[WRITER] = InboxWriter(services.inbox)
    app.extensions[voice.WEBHOOKS] = scheme = platforms.receiving(services.settings)
    for warning in scheme.warnings:
        log.warning("%s", warning)
    app.extensions[odoo_hooks.THROTTLE] = SourceThrottle(
        services.settings.odoo_hook_rate, services.settings.odoo_hook_burst
    )

    for module in (health, voice, odoo_hooks, admin, metrics):
        app.register_blueprint(module.blueprint)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[dict[str, str], int]:
        source = "odoo" if request.path.startswith("/webhooks/odoo/") else "voice"
        REJECTED.labels(source, "too_large").inc()
        return {"error": str(error.description)}, 413

    return app
