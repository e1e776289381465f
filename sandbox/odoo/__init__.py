"""A stand-in Odoo server speaking Odoo's real protocols over real HTTP (see ``sandbox.py``)."""

from .sandbox import OdooSandbox

__all__ = ["OdooSandbox"]
