"""A new contact takes several email addresses and phone numbers in one go: "Add another" adds a
row to the form without a page load, focuses it, and stops at the most a contact may have."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.accounts.testing import enrol_totp
from bastion.directory import validation
from bastion.directory.models import Contact
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_another_email_and_phone_rows_then_save_them_all(page: Any, live_server: Any, personas: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    sign_in(page, live_server.url, "rep_east", secret)
    page.goto(f"{live_server.url}/contacts/new/")
    page.get_by_label("Given name").fill("Mei")
    page.get_by_label("Family name").fill("Chen")
    emails = page.locator('input[name^="emails-"][name$="-address"]')
    phones = page.locator('input[name^="phones-"][name$="-number"]')
    assert emails.count() == 1 and phones.count() == 1
    emails.nth(0).fill("mei@work.example")

    page.get_by_test_id("add-emails").click()
    assert emails.count() == 2
    page.keyboard.type("mei@home.example")  # the new row's first field has the focus
    assert emails.nth(1).input_value() == "mei@home.example"
    phones.nth(0).fill("+44 20 7946 0018")
    page.get_by_test_id("add-phones").click()
    page.keyboard.type("+44 7700 900123")

    # The button goes once the contact has as many rows as it may have.
    for _ in range(validation.MAX_PHONES - 2):
        page.get_by_test_id("add-phones").click()
    assert phones.count() == validation.MAX_PHONES and page.get_by_test_id("add-phones").is_hidden()

    page.get_by_role("button", name="Add contact").click()
    page.get_by_role("heading", name="Mei Chen").wait_for()
    contact = Contact.objects.get(family_name="Chen")
    assert sorted(email.address for email in contact.emails.all()) == ["mei@home.example", "mei@work.example"]
    assert len(contact.phones.all()) == 2  # the blank rows added and left empty are not saved
