"""``crm``'s leads and ``mail``'s activities, as far as voicesync reaches them
(``addons/crm/models/crm_lead.py``, ``addons/mail/models/mail_activity.py``).

- A lead or opportunity is created in the first stage that is not a won one (Odoo computes it
  from the sales team; the stand-in has one set of stages: New, Qualified, Proposition, Won).
- ``action_set_won`` moves it to the won stage at probability 100; ``action_set_lost`` archives
  it at probability 0, as Odoo does.
- An activity's ``res_model`` is its ``res_model_id``'s model name (a related field in Odoo);
  it may be created only on a document the user may write (``_check_access_assignation``), and
  is assigned to the user creating it unless told otherwise.
"""

from __future__ import annotations

from typing import Any, Self

from .api import public, register
from .mail import check_document_write
from .orm import BaseModel

WON = 100.0


@register
class CrmLead(BaseModel):
    _name = "crm.lead"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        first = self.env.sudo()["crm.stage"].search([("is_won", "=", False)], limit=1).ids
        for vals in vals_list:
            if first and not vals.get("stage_id"):
                vals["stage_id"] = first[0]
        return super()._create(vals_list)

    @public
    def action_set_won(self) -> bool:
        won = self.env.sudo()["crm.stage"].search([("is_won", "=", True)], limit=1).ids
        self.write({"probability": WON, **({"stage_id": won[0]} if won else {})})
        return True

    @public
    def action_set_lost(self, **_values: Any) -> bool:
        self.write({"active": False, "probability": 0.0})
        return True


@register
class MailActivity(BaseModel):
    _name = "mail.activity"

    def _create(self, vals_list: list[dict[str, Any]]) -> Self:
        for vals in vals_list:
            vals.setdefault("user_id", self.env.uid)
            if vals.get("res_model_id"):
                [row] = self.env.sudo()["ir.model"].browse([int(vals["res_model_id"])]).read(["model"])
                vals["res_model"] = row["model"]
            check_document_write(self, vals.get("res_model"), vals.get("res_id"), "Activity")
        return super()._create(vals_list)
