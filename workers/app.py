"""The Celery application: ``celery -A workers worker -Q contacts -n contacts@%h``."""

from celery import Celery

app = Celery("voicesync", include=["workers.contacts", "workers.campaigns", "workers.calls", "workers.relay"])
app.config_from_object("celeryconfig")
