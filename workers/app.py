"""The Celery application as worker processes run it: ``celery -A workers worker -Q contacts``.

The app object itself lives in the producer room (:mod:`shared.producer.app`), so that the
receiver can send tasks without importing ``workers/``.
"""

from celery.signals import setup_logging

from shared import logs
from shared.producer.app import app
from shared.settings import get_settings

__all__ = ["app"]


@setup_logging.connect
def _json_logs(**_kwargs: object) -> None:
    """Workers and beat log JSON lines (``VOICESYNC_LOG_FORMAT``) instead of Celery's own format."""
    logs.configure(get_settings())
