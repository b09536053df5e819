"""An order takes more lines than the form first shows: "Add a line" adds a row without a page load
and focuses it, the server's "Add lines" stand-in is hidden, and every filled row is saved."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.accounts.testing import enrol_totp
from bastion.commerce.models import Order
from bastion.directory import actions as directory
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_line_without_a_page_load_then_save_every_line(page: Any, live_server: Any, personas: Any) -> None:
    company = directory.create_company(personas.rep_east, {"name": "Aurora Robotics Ltd"})
    sign_in(page, live_server.url, "rep_east", enrol_totp(personas.rep_east))
    page.goto(f"{live_server.url}/orders/new/?company={company.pk}")
    descriptions = page.locator('input[name^="lines-"][name$="-description"]')
    shown = descriptions.count()
    assert shown >= 1
    assert page.get_by_role("button", name="Add lines").is_hidden()  # the no-script stand-in
    for number in range(shown):
        descriptions.nth(number).fill(f"Service {number + 1}")
        page.locator(f'input[name="lines-{number}-quantity"]').fill("1")
        page.locator(f'input[name="lines-{number}-unit_price"]').fill("10")
    page.evaluate("window.__same_page = true")
    page.get_by_test_id("add-line").click()
    assert descriptions.count() == shown + 1
    assert page.evaluate("window.__same_page === true"), "adding a line reloaded the page"
    assert page.evaluate("document.activeElement.name") == f"lines-{shown}-product"  # the new row has the focus
    assert page.locator(f'label[for="id_lines-{shown}-product"]').text_content() == f"Product, line {shown + 1}"
    page.keyboard.press("Tab")
    page.keyboard.type("Training day")
    assert descriptions.nth(shown).input_value() == "Training day"
    page.locator(f'input[name="lines-{shown}-quantity"]').fill("2")
    page.locator(f'input[name="lines-{shown}-unit_price"]').fill("500")

    page.get_by_role("button", name="Add order").click()
    page.get_by_test_id("order-status").wait_for()
    order = Order.objects.get()
    lines = sorted((line.description, line.line_total) for line in order.lines.all())
    assert len(lines) == shown + 1 and ("Training day", 1000) in [(d, int(t)) for d, t in lines]
