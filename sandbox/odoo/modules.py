"""``ir.module.module``: installing a module from the API, as ``button_immediate_install`` does.

The module and its missing dependencies are installed (``install.py``: tables, columns,
reflection rows, external ids), the registry is rebuilt, which empties every cache, and the
answer is what ``next()`` gives when no configuration wizard is pending: a redirection to
``/odoo``. Odoo commits the transaction in the middle of the call; the sandbox keeps it whole.
"""

from __future__ import annotations

from typing import Any

from .api import public, register
from .install import install
from .orm import BaseModel
from .registry import Registry


@register
class IrModuleModule(BaseModel):
    _name = "ir.module.module"

    @public
    def button_immediate_install(self) -> dict[str, Any]:
        names = [row["name"] for row in self.read(["name"])]
        install(self.env.cr, names, self.env.registry.release)
        self.env.store.registry = Registry.load(self.env.cr)
        self.env.clear_caches()
        return {"type": "ir.actions.act_url", "target": "self", "url": "/odoo"}
