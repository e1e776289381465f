"""The Celery application object, configured from ``celeryconfig``.

Its task modules are named in ``include`` and imported only where tasks run (``celery -A workers``
loads them at start): a producer sends a task by name and needs none of their code.
"""

from celery import Celery

WORKER_MODULES = ("workers.contacts", "workers.campaigns", "workers.calls", "workers.relay")

app = Celery("voicesync", include=list(WORKER_MODULES))
app.config_from_object("celeryconfig")
