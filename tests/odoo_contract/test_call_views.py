"""What Odoo's users see of calls: readable names and labelled selections, views of every kind that
open for a plain internal user, calls that user may read but not change, the contact's smart button,
the campaign's calls, and calls not started sorted last."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import AuthError, FatalError
from shared.mappers import call_labels
from shared.mappers.calls import CallMapper
from shared.odoo import OdooClient, version_major
from shared.odoo_owned import CALL_MODEL, CAMPAIGN_CALLS_FIELD, INTEGRATION_GROUP, PARTNER_CALLS_FIELD, PREFIX
from shared.odoo_setup import Bootstrap
from tests.odoo_contract.conftest import OdooTarget

VIEW_TYPES = ("form", "kanban", "calendar", "pivot", "graph", "search")
CALL = {
    "id": "cl_views",
    "updated_at": "2026-12-25T15:00:00Z",
    "contact_id": "tel-33612345678",
    "contact_name": "Jonas Dubois",
    "direction": "outbound",
    "status": "ended",
    "started_at": "2026-12-25T14:21:00Z",
    "ended_at": "2026-12-25T14:34:32Z",
    "duration_seconds": 812,
    "ended_reason": "customer-ended-call",
    "success_evaluation": "true",
    "structured_data": {"callback": True, "slot": {"day": "Monday"}},
}


@pytest.fixture
def bootstrapped(client: OdooClient) -> OdooClient:
    Bootstrap(client).run()
    return client


def _list_type(client: OdooClient) -> str:
    return "list" if version_major(client.version()) >= 18 else "tree"


def _create_call(client: OdooClient, record: dict[str, Any], **links: int) -> int:
    """A call as the integration user writes one (links by id instead of external id)."""
    values = {k: v for k, v in CallMapper().map(record).items() if k not in ("x_partner_id", "x_campaign_id")}
    created = client.call(CALL_MODEL, "create", vals_list=[{**values, **links}])
    return int(created[0] if isinstance(created, list) else created)


def test_a_call_reads_with_its_name_and_labelled_choices(bootstrapped: OdooClient) -> None:
    call_id = _create_call(bootstrapped, CALL)
    fields = ["display_name", "x_platform_id", "x_outcome", "x_call_status", "x_duration_minutes", "x_success"]
    [row] = bootstrapped.call(CALL_MODEL, "read", ids=[call_id], fields=fields)
    assert row["display_name"] == "Outbound call with Jonas Dubois · 25 Dec 14:21 UTC"
    assert (row["x_platform_id"], row["x_outcome"], row["x_call_status"], row["x_success"]) == (
        "cl_views",
        "answered",
        "ended",
        "yes",
    )
    assert row["x_duration_minutes"] == pytest.approx(812 / 60)
    described = bootstrapped.call(CALL_MODEL, "fields_get", attributes=["type", "selection"])
    for name, choices in CallMapper.selections.items():
        assert described[name]["type"] == "selection"
        assert [tuple(choice) for choice in described[name]["selection"]] == list(choices), name
    unknown = _create_call(bootstrapped, {**CALL, "id": "cl_new", "ended_reason": "vendor-invented-this"})
    [other] = bootstrapped.call(CALL_MODEL, "read", ids=[unknown], fields=["x_outcome", "x_ended_reason"])
    assert (other["x_outcome"], other["x_ended_reason"]) == (call_labels.OTHER, "vendor-invented-this")


def test_odoo_refuses_a_value_outside_a_selection(bootstrapped: OdooClient) -> None:
    """Why the vendor's word has its own char field: a selection takes only its own values."""
    with pytest.raises(FatalError):
        bootstrapped.call(CALL_MODEL, "create", vals_list=[{"x_outcome": "vendor-invented-this"}])


def test_every_view_opens_for_a_plain_internal_user(bootstrapped: OdooClient, odoo: OdooTarget) -> None:
    kind = _list_type(bootstrapped)
    plain = odoo.plain_user()
    try:
        views = plain.call(CALL_MODEL, "get_views", views=[[False, v] for v in (kind, *VIEW_TYPES)])["views"]
    finally:
        plain.close()
    for view_type in (kind, *VIEW_TYPES):
        assert views[view_type]["arch"].startswith(f"<{view_type}"), view_type
    for view_type in (kind, "form", "kanban"):
        assert 'create="0"' in views[view_type]["arch"] and 'delete="0"' in views[view_type]["arch"], view_type
    assert 'widget="badge"' in views[kind]["arch"] and 'widget="float_time"' in views[kind]["arch"]
    for name in ("today", "this_week", "answered", "failed", "inbound", "outbound", "with_recording"):
        assert f'name="{name}"' in views["search"]["arch"], name
    [action] = bootstrapped.call(
        "ir.actions.act_window", "search_read", domain=[("res_model", "=", CALL_MODEL)], fields=["view_mode"]
    )
    assert set(action["view_mode"].split(",")) == {kind, "form", "kanban", "calendar", "pivot", "graph"}


def test_a_plain_user_reads_calls_but_cannot_make_change_or_delete_one(
    bootstrapped: OdooClient, odoo: OdooTarget
) -> None:
    call_id = _create_call(bootstrapped, CALL)
    plain = odoo.plain_user()
    try:
        [row] = plain.call(CALL_MODEL, "read", ids=[call_id], fields=["x_name"])
        assert row["x_name"].startswith("Outbound call")
        refused = [
            ("create", {"vals_list": [{"x_platform_id": "made-by-hand"}]}),
            ("write", {"ids": [call_id], "vals": {"x_summary": "edited by hand"}}),
            ("unlink", {"ids": [call_id]}),
        ]
        for method, kwargs in refused:
            with pytest.raises(AuthError) as refusal:
                plain.call(CALL_MODEL, method, **kwargs)
            assert "Voice AI: integration" in str(refusal.value), method
    finally:
        plain.close()
    [after] = bootstrapped.call(CALL_MODEL, "read", ids=[call_id], fields=["x_summary"])
    assert after["x_summary"] is False


def test_the_integration_user_is_in_the_writing_group_and_writes_calls(bootstrapped: OdooClient) -> None:
    module, _, name = INTEGRATION_GROUP.partition(".")
    [ref] = bootstrapped.call(
        "ir.model.data", "search_read", domain=[("module", "=", module), ("name", "=", name)], fields=["res_id"]
    )
    members = "user_ids" if version_major(bootstrapped.version()) >= 19 else "users"
    [group] = bootstrapped.call("res.groups", "read", ids=[ref["res_id"]], fields=[members, "name"])
    assert bootstrapped.uid() in group[members] and group["name"] == "Voice AI: integration"
    call_id = _create_call(bootstrapped, CALL)
    bootstrapped.call(CALL_MODEL, "write", ids=[call_id], vals={"x_summary": "analysed"})
    bootstrapped.call(CALL_MODEL, "unlink", ids=[call_id])
    assert not bootstrapped.call(CALL_MODEL, "search", domain=[("id", "=", call_id)])


def test_calls_not_started_come_after_the_started_ones_newest_first(bootstrapped: OdooClient) -> None:
    queued = _create_call(bootstrapped, {**CALL, "id": "cl_q", "status": "queued", "started_at": None})
    older = _create_call(bootstrapped, {**CALL, "id": "cl_old", "started_at": "2026-12-24T09:00:00Z"})
    newer = _create_call(bootstrapped, CALL)
    assert bootstrapped.call(CALL_MODEL, "search", domain=[]) == [newer, older, queued]


def test_odoo_refuses_nulls_last_in_a_custom_models_order(bootstrapped: OdooClient, odoo_major: int) -> None:
    """Why the order sorts on ``x_has_start``: ir.model reads "nulls" and "last" as field names
    (Odoo 16 reads no "nulls last" at all)."""
    [model] = bootstrapped.call("ir.model", "search", domain=[("model", "=", CALL_MODEL)])
    refusal = "Unable to order by nulls" if odoo_major >= 17 else 'Invalid "order" specified'
    with pytest.raises(FatalError, match=refusal):
        bootstrapped.call("ir.model", "write", ids=[model], vals={"order": "x_started_at desc nulls last"})


def test_the_contact_has_a_calls_button_and_the_campaign_its_calls(bootstrapped: OdooClient) -> None:
    [action] = bootstrapped.call(
        "ir.model.data",
        "search_read",
        domain=[("module", "=", "voicesync"), ("name", "=", f"{PREFIX}action_calls")],
        fields=["res_id"],
    )
    partner_form = bootstrapped.call("res.partner", "get_views", views=[[False, "form"]])["views"]["form"]["arch"]
    assert f'name="{action["res_id"]}"' in partner_form and "oe_stat_button" in partner_form
    assert f'name="{PARTNER_CALLS_FIELD}" widget="statinfo"' in partner_form
    [campaign] = bootstrapped.call("utm.campaign", "create", vals_list=[{"title": "Winter", "name": "winter"}])
    [partner] = bootstrapped.call("res.partner", "create", vals_list=[{"name": "Jonas Dubois"}])
    call_id = _create_call(bootstrapped, CALL, x_campaign_id=campaign, x_partner_id=partner)
    form = bootstrapped.call("utm.campaign", "get_views", views=[[False, "form"]])["views"]["form"]["arch"]
    assert f'name="{CAMPAIGN_CALLS_FIELD}"' in form and 'sum="Total duration"' in form
    [row] = bootstrapped.call("utm.campaign", "read", ids=[campaign], fields=[CAMPAIGN_CALLS_FIELD])
    assert row[CAMPAIGN_CALLS_FIELD] == [call_id]
    [person] = bootstrapped.call("res.partner", "read", ids=[partner], fields=[PARTNER_CALLS_FIELD])
    assert person[PARTNER_CALLS_FIELD] == [call_id]
