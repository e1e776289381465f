"""``voicesync odoo screenshots`` on a real Odoo: a person signs in to the web client, and the
contact, the calls list and the call open and are photographed. Only a real Odoo has a web client,
and only a machine with Chromium, its driver and Selenium can look at it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli.screenshots import shots, subjects, take, web_session
from shared.odoo_owned import CALL_MODEL, LEAD_FIELD, LEAD_MODEL
from shared.odoo_setup import bootstrap
from tests.odoo_contract.conftest import EDITOR_GROUPS, EDITOR_LOGIN, OdooTarget

MIN_PICTURE_BYTES = 20_000  # a page with content; Odoo's blank loading screen is a few kilobytes


@pytest.fixture
def web_client(odoo: OdooTarget, protocol: str) -> None:
    if odoo.sandbox is not None:
        pytest.skip("the stand-in Odoo has no web client")
    if protocol != "jsonrpc":
        pytest.skip("the web client is the same whichever protocol voicesync speaks: taken once")
    pytest.importorskip("selenium", reason="needs Selenium: pip install 'voicesync[screenshots]'")
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("needs Chromium and chromedriver (Debian: chromium chromium-driver)")


@pytest.mark.usefixtures("web_client")
def test_a_person_sees_the_contact_the_calls_and_a_call(odoo: OdooTarget, tmp_path: Path) -> None:
    admin = odoo.client("jsonrpc")
    bootstrap(admin)
    [partner] = admin.call("res.partner", "create", vals_list=[{"name": "Jonas Dubois", "phone": "+33612345678"}])
    admin.call(
        CALL_MODEL,
        "create",
        vals_list=[{"x_name": "call-1", "x_partner_id": partner, "x_started_at": "2026-12-01 09:00:00"}],
    )
    password = odoo.editor_password()
    session_id = web_session(odoo.url, odoo.db, EDITOR_LOGIN, password)
    pictures = take(odoo.url, session_id, shots(*subjects(admin, None)), tmp_path)
    assert [path.name for path in pictures] == ["contact-chatter.png", "calls-list.png", "call.png"]
    assert all(path.stat().st_size > MIN_PICTURE_BYTES for path in pictures), [p.stat().st_size for p in pictures]


@pytest.mark.crm
@pytest.mark.usefixtures("web_client")
def test_with_crm_a_person_also_sees_the_opportunity_and_its_calls(odoo: OdooTarget, tmp_path: Path) -> None:
    admin = odoo.client("jsonrpc")
    bootstrap(admin)
    [partner] = admin.call("res.partner", "create", vals_list=[{"name": "Jonas Dubois"}])
    [lead] = admin.call(LEAD_MODEL, "create", vals_list=[{"name": "Renewal", "partner_id": partner}])
    values = {"x_name": "call-1", "x_partner_id": partner, "x_started_at": "2026-12-01 09:00:00", LEAD_FIELD: lead}
    admin.call(CALL_MODEL, "create", vals_list=[values])
    every_lead = "sales_team.group_sale_salesman_all_leads"  # a plain salesperson sees only their own
    seller = odoo.make_user(EDITOR_LOGIN, "Contract seller", (*EDITOR_GROUPS, every_lead))
    session_id = web_session(odoo.url, odoo.db, EDITOR_LOGIN, seller)
    pictures = take(odoo.url, session_id, shots(*subjects(admin, None)), tmp_path)
    assert [path.name for path in pictures][-1] == "opportunity-calls.png"
    assert pictures[-1].stat().st_size > MIN_PICTURE_BYTES
