"""The producer room: what sends work to the workers without being one.

The Celery app (configured, its task modules named but not imported), the one path from the inbox
to the broker, and the operator's actions (start a resync, replay a dead letter, read the
queues). The receiver, the CLI and the relay import this; only worker processes import
``workers/``.
"""
