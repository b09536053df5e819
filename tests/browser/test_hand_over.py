"""Handing a colleague's work over in a real Chromium: the administrator chooses, confirms, and
lands on the job's page, whose progress bar (polled by htmx, no inline script) moves while the
worker hands the records over and turns to "Finished" without a reload.

The background worker's enqueue is replaced by nothing and the test plays the worker, a record a
step, so the page is seen at 0, at 1 and at the end (no timing assumptions)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

from bastion.accounts.testing import enrol_totp
from bastion.directory import actions as directory
from bastion.directory.models import Company
from bastion.sales import handover, handover_jobs
from bastion.sales.models import HandOverJob
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def one_step(job_id: Any) -> bool:
    """One worker step, tried again if SQLite's shared in-memory test database is busy serving the
    page's poll at that instant ("database table is locked": the step rolled back whole)."""
    for _attempt in range(50):
        try:
            return handover_jobs.step(job_id)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
    raise AssertionError("the test database stayed locked")


def test_hand_over_a_book_and_watch_it_go(page: Any, live_server: Any, personas: Any, monkeypatch: Any) -> None:
    admin, east, west = personas.admin, personas.rep_east, personas.rep_west
    book = [directory.create_company(east, {"name": name}) for name in ("Aurora Robotics", "Borealis Foods", "Cirrus Labs")]
    monkeypatch.setattr(handover_jobs, "enqueue", lambda job_id: None)  # the test plays the worker, below
    monkeypatch.setattr(handover, "BATCH", 1)
    sign_in(page, live_server.url, "admin", enrol_totp(admin))
    page.goto(f"{live_server.url}/staff/{east.pk}/hand-over/")
    page.get_by_label("Hand over to").select_option(str(west.pk))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Hand over", exact=True).click()

    status = page.get_by_test_id("hand-over-status")
    status.wait_for()
    assert status.get_attribute("data-status") == "queued" and page.get_by_text("0 of 3 records").count() == 1
    job = HandOverJob.objects.get()
    assert handover_jobs._claim(job.pk)
    assert one_step(job.pk) is True
    page.locator('#hand-over-progress[value="1"]').wait_for()
    assert page.get_by_test_id("moved-count").inner_text() == "1" and "/hand-over/" in page.url
    while one_step(job.pk):
        pass
    page.locator('[data-testid="hand-over-status"][data-status="done"]').wait_for()
    page.get_by_text("3 records were handed over to").wait_for()
    assert set(Company.objects.filter(pk__in=[c.pk for c in book]).values_list("owner_id", flat=True)) == {west.pk}
    page.get_by_role("link", name="Back to the hand-over page").click()
    page.get_by_test_id("hand-over-jobs").get_by_role("cell", name="Finished").wait_for()
    assert page.get_by_test_id("no-open-work").count() == 1
