"""Which ended calls make a lead (``VOICESYNC_CRM_LEADS``), what the lead is called, and how the
setting is read and refused."""

from __future__ import annotations

from typing import Any

import pytest

from shared.call_pipeline import describe, lead_name, qualifies
from shared.errors import ConfigError
from shared.settings import Settings

ENDED = {"x_status": "ended"}


@pytest.mark.parametrize(
    ("rules", "values", "new_contact", "made"),
    [
        (("new_inbound",), {"x_call_direction": "inbound"}, True, True),
        (("new_inbound",), {"x_call_direction": "inbound"}, False, False),  # Odoo knew the caller
        (("new_inbound",), {"x_call_direction": "outbound"}, True, False),
        (("inbound",), {"x_call_direction": "inbound"}, False, True),
        (("successful",), {"x_success": "yes"}, False, True),
        (("successful",), {"x_success": "no"}, True, False),
        (("callback",), {"x_callback": True}, False, True),
        (("new_inbound", "successful"), {"x_call_direction": "outbound", "x_success": "yes"}, False, True),
        ((), {"x_call_direction": "inbound", "x_success": "yes"}, True, False),  # none
    ],
)
def test_a_lead_is_made_by_the_rules_chosen(
    rules: tuple[str, ...], values: dict[str, Any], new_contact: bool, made: bool
) -> None:
    assert qualifies(rules, {**ENDED, **values}, new_contact) is made


def test_a_call_still_going_makes_no_lead_yet() -> None:
    assert not qualifies(("inbound",), {"x_status": "in-progress", "x_call_direction": "inbound"}, True)


def test_a_lead_is_named_after_the_contact_and_the_kind_of_call() -> None:
    assert lead_name("Jonas Dubois", {"x_call_direction": "inbound"}) == "Jonas Dubois (inbound AI call)"
    assert lead_name("", {"x_call_direction": "web"}) == "Unknown caller (AI call)"


@pytest.mark.parametrize(
    ("value", "rules"),
    [
        ("inbound, successful", ("inbound", "successful")),
        ("CALLBACK", ("callback",)),
        ("none", ()),
    ],
)
def test_the_lead_rules_are_read_from_the_setting(value: str, rules: tuple[str, ...]) -> None:
    assert Settings.from_env({"VOICESYNC_CRM_LEADS": value}).crm_leads == rules


@pytest.mark.parametrize("value", ["inbound,everyone", "none,inbound", ","])
def test_an_unknown_lead_rule_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^setting VOICESYNC_CRM_LEADS must be none, or some of new_inbound"):
        Settings.from_env({"VOICESYNC_CRM_LEADS": value})


def test_bootstrap_says_what_the_rules_do() -> None:
    assert describe(("new_inbound", "successful"), True).startswith(
        "a lead from each new inbound or successful call whose contact has none"
    )
    assert describe((), False).startswith("no leads from calls")
