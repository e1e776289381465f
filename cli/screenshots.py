"""``voicesync odoo screenshots``: what Odoo's users see of voicesync, taken from a real Odoo.

A headless Chromium signs in as a person (a web session needs a password; an API key opens no web
session) and photographs the contact with the most calls (its chatter), the calls list, that
contact's latest call and, where CRM is installed, the opportunity its calls link to. The README's
pictures come from here, and anyone can take them again from their own Odoo, say after a
bootstrap, to see what their users will.

The pages are reached by the web client's ``/web#`` addresses, which Odoo 17 serves and 18 and 19
still open (they turn them into their ``/odoo/...`` ones).
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from shared.errors import ConfigError, VoicesyncError
from shared.odoo import OdooClient
from shared.odoo_owned import CALL_MODEL, LEAD_FIELD, LEAD_MODEL, PARTNER_MODEL

CALLS_ACTION = "voicesync.setup_action_calls"
WINDOW = "1440,1000"
PAGE_WAIT_SECONDS = 30.0
CALLS_TAB = "//a[contains(@class, 'nav-link')][normalize-space()='Voice calls']"  # the page bootstrap adds
SETTLE_SECONDS = 1.5  # the chatter and the list's counts load after the view itself
NEEDS = (
    "voicesync odoo screenshots needs Selenium and Chromium: pip install 'voicesync[screenshots]', "
    "and Chromium with its driver (Debian: apt-get install chromium chromium-driver)"
)


@dataclass(frozen=True)
class Shot:
    """One picture: its file, the web client's address, and what shows the page has loaded."""

    file: str
    address: str
    ready: str
    click: str = ""  # the XPath of what to press before the picture (a notebook's tab), when anything


def shots(partner_id: int, call_id: int, lead_id: int | None = None) -> list[Shot]:
    """The contact, the calls list, the call, and (with CRM) the opportunity the call links to."""
    pictures = [
        Shot("contact-chatter.png", f"/web#model={PARTNER_MODEL}&id={partner_id}&view_type=form", ".o_form_view"),
        Shot("calls-list.png", f"/web#action={CALLS_ACTION}", ".o_list_view"),
        Shot("call.png", f"/web#model={CALL_MODEL}&id={call_id}&view_type=form", ".o_form_view"),
    ]
    if lead_id is not None:
        address = f"/web#model={LEAD_MODEL}&id={lead_id}&view_type=form"
        pictures.append(Shot("opportunity-calls.png", address, ".o_form_view", CALLS_TAB))
    return pictures


def subjects(odoo: OdooClient, partner_id: int | None) -> tuple[int, int, int | None]:
    """The contact to show (given, or the one with the most calls), its latest call, and where
    CRM links calls to the pipeline, the lead or opportunity of its latest call that has one."""
    linked = LEAD_FIELD in odoo.fields_of(CALL_MODEL)
    domain: list[Any] = [("x_partner_id", "=", partner_id)] if partner_id else [("x_partner_id", "!=", False)]
    fields = ["x_partner_id", LEAD_FIELD] if linked else ["x_partner_id"]
    calls = odoo.call(CALL_MODEL, "search_read", domain=domain, fields=fields, limit=2000)
    if not calls:
        raise VoicesyncError("no call with a contact in Odoo yet: sync calls first (voicesync resync calls --wait)")
    partner = partner_id or Counter(call["x_partner_id"][0] for call in calls).most_common(1)[0][0]
    theirs = [call for call in calls if call["x_partner_id"][0] == partner]  # the model's order: newest first
    leads = [call[LEAD_FIELD][0] for call in theirs if call.get(LEAD_FIELD)]
    return partner, theirs[0]["id"], leads[0] if leads else None


def web_session(url: str, db: str, login: str, password: str) -> str:
    """A signed-in web session's id (``/web/session/authenticate``, as the login page does)."""
    address, hint = f"{url}/web/session/authenticate", "is ODOO_URL Odoo's address?"
    params = {"db": db, "login": login, "password": password}
    try:
        answer = requests.post(address, json={"jsonrpc": "2.0", "method": "call", "params": params}, timeout=30)
        refused = answer.ok and bool(answer.json().get("error"))
    except (requests.RequestException, ValueError) as exc:
        raise VoicesyncError(f"no web sign-in at {address}: {type(exc).__name__}; {hint}") from None
    if not answer.ok:
        raise VoicesyncError(f"no web sign-in at {address} (HTTP {answer.status_code}): {hint}")
    if refused or "session_id" not in answer.cookies:
        raise VoicesyncError(f"Odoo refused {login!r} on {db!r}: check --login and the password")
    return answer.cookies["session_id"]


def _browser() -> Any:
    try:
        from selenium import webdriver
    except ImportError:
        raise ConfigError(NEEDS) from None
    chromium, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not chromium or not driver:
        raise ConfigError(NEEDS)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WINDOW}"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))


def take(url: str, session_id: str, pictures: list[Shot], out: Path) -> list[Path]:
    """Open each page signed in, wait for it, save it as a PNG under ``out``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    out.mkdir(parents=True, exist_ok=True)
    browser = _browser()
    saved = []
    try:
        browser.get(f"{url}/web/login")  # the cookie belongs to the server's origin
        browser.add_cookie({"name": "session_id", "value": session_id, "path": "/"})
        for shot in pictures:
            browser.get(url + shot.address)
            WebDriverWait(browser, PAGE_WAIT_SECONDS).until(
                expected_conditions.presence_of_element_located((By.CSS_SELECTOR, shot.ready))
            )
            if shot.click:
                WebDriverWait(browser, PAGE_WAIT_SECONDS).until(
                    expected_conditions.element_to_be_clickable((By.XPATH, shot.click))
                ).click()
            time.sleep(SETTLE_SECONDS)
            path = out / shot.file
            browser.save_screenshot(str(path))
            saved.append(path)
    finally:
        browser.quit()
    return saved
