"""The dashboard at a laptop's 1366 px: a month ("September 2026") stays on one line in the forecast,
revenue and leads tables, beside its figures, in English and in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.accounts.testing import enrol_totp
from bastion.commerce import actions as commerce
from bastion.directory import actions as directory
from bastion.sales import actions as sales
from bastion.sales import actions_setup
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How many month labels take more than one line: a label's height against the height of one line.
WRAPPED_MONTHS = """() => [...document.querySelectorAll('.dashboard-grid th[scope=row] time')].filter(time => {
  const lineHeight = parseFloat(getComputedStyle(time.parentElement).lineHeight);
  return time.getBoundingClientRect().height > lineHeight * 1.5;
}).length"""


def test_the_month_of_each_dashboard_row_stays_on_one_line(page: Any, live_server: Any, personas: Any) -> None:
    manager = personas.sales_manager
    company = directory.create_company(personas.rep_east, {"name": "Aurora Robotics Ltd"})
    lines = [{"description": "Set-up", "quantity": "1", "unit_price": "12345678.90"}]
    order = commerce.create_order(personas.rep_east, {"company": company.pk, "currency": "USD", "lines": lines})
    for status in ("confirmed", "paid"):
        commerce.change_order_status(personas.rep_east, order.pk, status)
    stages = [{"name": "Proposal", "probability": 50}, {"name": "Won", "probability": 100, "kind": "won"}]
    actions_setup.create_pipeline(personas.admin, {"name": "New business"}, stages=stages)
    sales.create_deal(personas.rep_east, {"name": "Aurora fleet", "amount": "98765432.10", "expected_close_date": "2099-01-31"})
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, live_server.url, manager.username, enrol_totp(manager))
    for language in ("en", "zh-hans"):
        page.context.add_cookies([{"name": "bastion_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/dashboard/")
        rows = page.locator(".dashboard-grid th[scope=row] time")
        assert page.locator("html").get_attribute("lang") == language
        assert rows.count() >= 12, "the forecast and revenue tables show six months each"
        assert page.get_by_test_id("forecast-later").is_visible()
        assert page.evaluate(WRAPPED_MONTHS) == 0, f"a month wraps onto a second line ({language})"
