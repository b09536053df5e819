"""The top menu: one line in a 1,280 px window for the role with the most entries (and an open
security alert's count), in English and Chinese; the user's menu (profile, sign out) opens without
a page load and closes on Escape or a click elsewhere."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bastion.accounts.testing import enrol_totp
from bastion.kernel.alerts.detect import scan
from bastion.kernel.alerts.tests.helpers import emit
from bastion.kernel.audit.kinds import EventKind
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Lines the menu's entries stand on: entries on one line overlap vertically with the first entry.
ONE_LINE = """() => {
  const entries = [...document.querySelectorAll('.mainnav > a, .mainnav > details')];
  const first = entries[0].getBoundingClientRect();
  return 1 + entries.filter(e => e.getBoundingClientRect().top >= first.bottom).length;
}"""


def test_the_administrators_menu_fits_one_line_and_the_user_menu_opens_and_closes(
    page: Any, live_server: Any, personas: Any
) -> None:
    secret = enrol_totp(personas.admin)
    emit(EventKind.SIGN_IN_FAILED, 10)
    assert len(scan()) == 1  # an open security alert: its count stands in the menu too
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server.url, "admin", secret)
    page.goto(f"{live_server.url}/contacts/")
    for name in ("Dashboard", "Imports", "Sales set-up", "Audit trail", "Access"):
        assert page.get_by_role("link", name=name, exact=True).is_visible()
    assert page.get_by_test_id("open-alerts").is_visible()
    assert page.evaluate(ONE_LINE) == 1, "the menu wraps onto a second line at 1,280 px"

    profile = page.get_by_role("link", name="Profile", exact=True)
    assert not profile.is_visible()
    page.get_by_test_id("user-menu").click()
    assert profile.is_visible() and page.get_by_test_id("sign-out").is_visible()
    page.keyboard.press("Escape")
    assert not profile.is_visible()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("heading", name="Contacts").click()  # a click elsewhere closes it
    assert not profile.is_visible()
    page.get_by_test_id("user-menu").click()
    profile.click()
    page.wait_for_url(re.compile(r"/accounts/profile/"))

    page.locator("header").get_by_label("Language").select_option("zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_role("link", name="联系人", exact=True).wait_for()
    assert page.evaluate(ONE_LINE) == 1, "the Chinese menu wraps onto a second line at 1,280 px"

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
