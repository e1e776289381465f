"""Flower's own settings file: ``celery -A workers flower`` reads it from the working directory.

Flower shows every task's arguments and can stop workers, and without authentication it serves
its pages to anybody: it refuses to start then (compose sets ``FLOWER_BASIC_AUTH`` from ``.env``).
"""

import os
import sys

_AUTH_FLAGS = ("--basic-auth", "--basic_auth", "--auth")

if not (os.environ.get("FLOWER_BASIC_AUTH") or os.environ.get("FLOWER_AUTH")) and not any(
    argument.startswith(_AUTH_FLAGS) for argument in sys.argv
):
    sys.exit("flower: set FLOWER_BASIC_AUTH=user:password (or FLOWER_AUTH), then start it again")
