"""Celery worker pools: one queue and one task module per entity (``-A workers`` finds ``app``)."""

import os
from pathlib import Path

from workers.app import app

__all__ = ["app"]

# Flower reads its settings file from FLOWER_CONF, else from flowerconfig.py in the working
# directory: ``celery -A workers flower`` loads this package first, so Flower started anywhere
# runs the file installed with it (and refuses to start without a login). An operator's own
# FLOWER_CONF wins.
os.environ.setdefault("FLOWER_CONF", str(Path(__file__).with_name("flower_config.py")))
