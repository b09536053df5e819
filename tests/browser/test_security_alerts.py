"""A security officer learns of an alert from the menu, reads what it counted and closes it with a
note, by keyboard; the browser refuses to close it without one."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bastion.accounts.testing import enrol_totp
from bastion.kernel.alerts.detect import scan
from bastion.kernel.alerts.models import SecurityAlert
from bastion.kernel.alerts.tests.helpers import ADDRESS, emit
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_opens_the_alert_from_the_menu_and_closes_it_with_a_note(page: Any, live_server: Any, personas: Any) -> None:
    secret = enrol_totp(personas.auditor)
    emit(EventKind.SIGN_IN_FAILED, 11)
    [alert] = scan()
    sign_in(page, live_server.url, "auditor", secret, landing="/audit/")

    badge = page.get_by_test_id("open-alerts")
    assert badge.inner_text().startswith("1")
    badge.click()
    page.wait_for_url(re.compile(r"/audit/alerts/$"))
    row = page.get_by_test_id("alert")
    assert "Password guessing from one address" in row.inner_text() and ADDRESS in row.inner_text()
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/audit/alerts/{alert.pk}/$"))
    assert page.get_by_test_id("alert-count").inner_text() == "11 events"
    assert page.get_by_test_id("audit-event").count() == 11

    note = page.get_by_label("What you checked or did")
    page.get_by_test_id("close-alert").click()  # no note: the browser keeps the form
    assert note.evaluate("field => field.validity.valueMissing") is True
    assert SecurityAlert.objects.get().is_open and not AuditEvent.objects.filter(kind=EventKind.SECURITY_ALERT_CLOSED).exists()

    note.fill("Blocked the address at the firewall; no account was opened.")
    note.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("The alert is closed.").wait_for()
    assert "Closed by auditor" in page.get_by_test_id("alert-status").inner_text()
    assert page.get_by_test_id("open-alerts").count() == 0
    closed = SecurityAlert.objects.get()
    assert not closed.is_open and closed.closing_note.startswith("Blocked the address")
