"""The command line's real-Odoo options (row 8), defaulting to the contract tests' settings.

``VOICESYNC_CONTRACT_ODOO_URL``/``_TEMPLATE``/``_MASTER_PASSWORD``/``_API_KEY``/``_USER`` are what
``tests/odoo_contract`` reads, so one set of settings serves both. The command written to
RESULTS.md names the secrets by their variables, never by value.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bench.real_odoo import OdooLog, OdooServer

PREFIX = "VOICESYNC_CONTRACT_ODOO_"


def _env(name: str) -> str | None:
    return os.environ.get(PREFIX + name, "").strip() or None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("row 8, a real Odoo", f"defaults: the environment's {PREFIX}*")
    group.add_argument("--odoo-url", default=_env("URL"), help="without it row 8 is skipped")
    group.add_argument("--odoo-template", default=_env("TEMPLATE"), help="database every copy is made from")
    group.add_argument("--odoo-master-password", default=_env("MASTER_PASSWORD"), help="the server's admin_passwd")
    group.add_argument("--odoo-api-key", default=_env("API_KEY"), help="API key of --odoo-user in the template")
    group.add_argument("--odoo-user", default=_env("USER") or "admin")
    group.add_argument("--odoo-log", type=Path, help="the server's log, to count its HTTP requests")


def server(args: argparse.Namespace) -> OdooServer | None:
    """The real Odoo the options describe; ``None`` without a URL."""
    if not args.odoo_url:
        return None
    needed = {
        "--odoo-template": args.odoo_template,
        "--odoo-master-password": args.odoo_master_password,
        "--odoo-api-key": args.odoo_api_key,
    }
    missing = [flag for flag, value in needed.items() if not value]
    if missing:
        raise SystemExit(f"--odoo-url also needs {', '.join(missing)} (or {PREFIX}*)")
    if args.odoo_log is not None and not args.odoo_log.is_file():
        raise SystemExit(f"--odoo-log {args.odoo_log} is not a file")
    return OdooServer(
        args.odoo_url.rstrip("/"),
        args.odoo_template,
        args.odoo_master_password,
        args.odoo_api_key,
        args.odoo_user,
        OdooLog(args.odoo_log) if args.odoo_log else None,
    )


def command_flags(args: argparse.Namespace) -> str:
    """The options as a reproducible command line, the secrets as their variables."""
    if not args.odoo_url:
        return ""
    flags = [
        f"--odoo-url {args.odoo_url}",
        f"--odoo-template {args.odoo_template}",
        f'--odoo-master-password "${PREFIX}MASTER_PASSWORD"',
        f'--odoo-api-key "${PREFIX}API_KEY"',
        f"--odoo-user {args.odoo_user}",
    ]
    if args.odoo_log:
        flags.append(f"--odoo-log {args.odoo_log}")
    return " " + " ".join(flags)
