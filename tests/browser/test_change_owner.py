"""A list's "Change owner" and "Tag" in a real Chromium: the box in the table's head ticks every
record on the page (boxes that belong to the form below the table), the page that asks names them,
and they change; the Tag button sends the same boxes to its own page. The activity list's boxes
mark the chosen tasks done at once; the lead and order lists' set the chosen records' status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bastion.accounts.testing import enrol_totp
from bastion.commerce import actions as commerce
from bastion.commerce.models import Order
from bastion.directory import actions as directory
from bastion.directory.models import Company
from bastion.sales import actions_activities, actions_leads
from bastion.sales.models import Activity, Lead
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tick_every_company_on_the_page_and_give_them_to_a_colleague(page: Any, live_server: Any, personas: Any) -> None:
    east, manager = personas.rep_east, personas.sales_manager
    mine = [directory.create_company(east, {"name": name}) for name in ("Aurora Robotics", "Borealis Foods", "Cirrus Labs")]
    sign_in(page, live_server.url, "rep_east", enrol_totp(east))
    page.goto(f"{live_server.url}/companies/")
    page.get_by_label("Choose every record on this page").check()
    assert page.locator("input[name=record]:checked").count() == 3
    page.get_by_label("Choose Borealis Foods").uncheck()
    page.get_by_test_id("change-owner").click()

    page.get_by_role("heading", name="Change the owner of 2 companies").wait_for()
    chosen = page.get_by_test_id("chosen-records").inner_text()
    assert "Aurora Robotics" in chosen and "Cirrus Labs" in chosen and "Borealis" not in chosen
    page.get_by_label("New owner").select_option(str(manager.pk))
    page.get_by_role("button", name="Change owner", exact=True).click()

    page.get_by_text("2 records handed over to").wait_for()
    assert page.url.rstrip("/").endswith("/companies")
    owners = dict(Company.objects.filter(pk__in=[c.pk for c in mine]).values_list("name", "owner_id"))
    assert owners == {"Aurora Robotics": manager.pk, "Borealis Foods": east.pk, "Cirrus Labs": manager.pk}

    page.get_by_label("Choose Aurora Robotics").check()
    page.get_by_label("Choose Borealis Foods").check()
    page.get_by_test_id("tag-chosen").click()
    page.get_by_role("heading", name="Tag 2 companies").wait_for()
    page.get_by_label("Tags to add").fill("Partner, 渠道伙伴")
    page.get_by_role("button", name="Change tags").click()
    page.get_by_text("The tags of 2 records changed.").wait_for()
    for company in mine[:2]:
        assert sorted(Company.objects.get(pk=company.pk).tags.values_list("name", flat=True)) == ["Partner", "渠道伙伴"]
    assert page.locator(".tag", has_text="渠道伙伴").count() == 2  # back on the list, which shows them


def test_tick_tasks_on_the_activity_list_and_mark_them_done(page: Any, live_server: Any, personas: Any) -> None:
    east = personas.rep_east
    later = timezone.now() + dt.timedelta(days=1)
    tasks = [
        actions_activities.create_activity(east, {"kind": "task", "subject": s, "due_at": later}) for s in ("Quote", "Invoice")
    ]
    sign_in(page, live_server.url, "rep_east", enrol_totp(east))
    page.goto(f"{live_server.url}/activities/")
    page.get_by_label("Choose every activity on this page").check()
    assert page.locator("input[name=record]:checked").count() == 2
    page.get_by_test_id("done-chosen").click()
    page.get_by_text("2 tasks marked done.").wait_for()
    assert page.url.rstrip("/").endswith("/activities")
    assert all(Activity.objects.get(pk=task.pk).done_at is not None for task in tasks)
    assert page.get_by_role("button", name="Reopen").count() == 2  # the list shows them done


def test_tick_leads_and_disqualify_them(page: Any, live_server: Any, personas: Any) -> None:
    east = personas.rep_east
    leads = [
        actions_leads.create_lead(east, {"given_name": given, "family_name": "Spam", "email": f"{given}@spam.example"})
        for given in ("Xavier", "Yolanda", "Zed")
    ]
    sign_in(page, live_server.url, "rep_east", enrol_totp(east))
    page.goto(f"{live_server.url}/leads/")
    page.get_by_label("Choose every record on this page").check()
    page.get_by_label("Choose Zed Spam").uncheck()
    page.get_by_test_id("status-chosen").click()
    page.get_by_role("heading", name="Set the status of 2 leads").wait_for()
    page.get_by_label("New status").select_option("disqualified")
    page.get_by_role("button", name="Set status", exact=True).click()
    page.get_by_text("2 leads changed status.").wait_for()
    assert page.url.rstrip("/").endswith("/leads")
    statuses = dict(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("given_name", "status"))
    assert statuses == {"Xavier": "disqualified", "Yolanda": "disqualified", "Zed": "new"}


def test_tick_orders_and_cancel_them_after_confirming(page: Any, live_server: Any, personas: Any) -> None:
    east, admin = personas.rep_east, personas.admin
    product = commerce.create_product(admin, {"name": "Widget", "unit_price": "10.00", "currency": "USD"})
    contact = directory.create_contact(east, {"given_name": "Mei", "family_name": "Chen"})
    orders = [
        commerce.create_order(east, {"contact": contact.pk, "lines": [{"product": product.pk, "quantity": "1"}]})
        for _ in range(2)
    ]
    sign_in(page, live_server.url, "rep_east", enrol_totp(east))
    page.goto(f"{live_server.url}/orders/")
    page.get_by_label("Choose every record on this page").check()
    page.get_by_test_id("status-chosen").click()
    page.get_by_role("heading", name="Set the status of 2 orders").wait_for()
    page.get_by_label("New status").select_option("cancelled")
    page.get_by_role("button", name="Set status", exact=True).click()
    page.get_by_text("Tick the box to confirm").wait_for()  # a final status is asked first: nothing changed yet
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)) == {"draft"}
    page.get_by_label("I understand that a cancelled or refunded order cannot change again").check()
    page.get_by_role("button", name="Set status", exact=True).click()
    page.get_by_text("2 orders changed status.").wait_for()
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)) == {"cancelled"}


def test_tick_leads_and_delete_them_after_confirming(page: Any, live_server: Any, personas: Any) -> None:
    east = personas.rep_east
    leads = [
        actions_leads.create_lead(east, {"given_name": given, "family_name": "Bounce", "email": f"{given}@bounce.example"})
        for given in ("Xena", "Yuri", "Zoe")
    ]
    sign_in(page, live_server.url, "rep_east", enrol_totp(east))
    page.goto(f"{live_server.url}/leads/")
    page.get_by_label("Choose Xena Bounce").check()
    page.get_by_label("Choose Yuri Bounce").check()
    page.get_by_test_id("delete-chosen").click()
    page.get_by_role("heading", name="Delete 2 leads").wait_for()
    page.get_by_role("button", name="Delete 2 leads").click()  # the browser asks for the tick first (required)
    confirm = page.get_by_label("I understand that the records listed below are deleted for good")
    assert confirm.evaluate("box => box.validity.valueMissing") is True
    page.get_by_role("heading", name="Delete 2 leads").wait_for()
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads]).count() == 3
    confirm.check()
    page.get_by_role("button", name="Delete 2 leads").click()
    page.get_by_text("2 leads deleted.").wait_for()
    assert page.url.rstrip("/").endswith("/leads")
    assert list(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("given_name", flat=True)) == ["Zoe"]
