"""The Celery application: ``celery -A workers worker -Q contacts -n contacts@%h``."""

from celery import Celery
from celery.signals import setup_logging

from shared import logs
from shared.settings import get_settings

app = Celery("voicesync", include=["workers.contacts", "workers.campaigns", "workers.calls", "workers.relay"])
app.config_from_object("celeryconfig")


@setup_logging.connect
def _json_logs(**_kwargs: object) -> None:
    """Workers and beat log JSON lines (``VOICESYNC_LOG_FORMAT``) instead of Celery's own format."""
    logs.configure(get_settings())
