"""Flower's settings file, installed with the package: ``celery -A workers flower`` runs it from
any working directory (:mod:`workers` points Flower's ``FLOWER_CONF`` here unless it is set).

Flower shows every task's arguments and can stop workers, and without authentication it serves
its pages to anybody: it refuses to start then. The login is ``FLOWER_BASIC_AUTH`` (from the
environment or ``.env``), or Flower's own ``--basic-auth`` or ``--auth``. Flower executes this
file rather than importing it, after reading its ``FLOWER_*`` variables and command line: each
name defined here that is one of Flower's options sets it (so nothing else is named after one).
"""

import sys

from tornado.options import options

from shared.settings import get_settings

if not (options.basic_auth or options.auth):
    if not get_settings().flower_basic_auth:
        sys.exit("flower: set FLOWER_BASIC_AUTH=user:password (or FLOWER_AUTH), then start it again")
    basic_auth = get_settings().flower_basic_auth
