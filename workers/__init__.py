"""Celery worker pools: one queue and one task module per entity (``-A workers`` finds ``app``)."""

from workers.app import app

__all__ = ["app"]
