"""CSV import in a real Chromium against the real server: upload → mapping (suggested from the
headers, changed, preview updated by htmx) → start → progress bar polled by htmx while the rows are
imported → done → the report of rejected rows downloaded, naming each bad row's line and reason.

The background worker's enqueue is replaced by nothing, and the test itself plays the worker, row
by row, so the page is seen moving from 0 to 2 to all rows (no timing assumptions)."""

from __future__ import annotations

import csv
import functools
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError

from bastion.accounts.testing import enrol_totp
from bastion.directory.models import Contact
from bastion.imports import actions
from bastion.imports.adapters import adapter_for
from bastion.imports.models import ImportJob
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV_TEXT = (
    "姓名,邮箱,手机,城市,公司\n"
    "王小明,xiaoming@import.example,+86 138 0000 0001,上海,Aurora Robotics\n"
    "Ada Lovelace,ada@import.example,+44 20 7946 0001,London,Aurora Robotics\n"
    "Bad Row,this is not an email,,Paris,\n"
    "李雷,lilei@import.example,+86 138 0000 0002,北京,\n"
)


def next_row(*args: Any) -> int | None:
    """One worker step. On SQLite the live server shares the test's in-memory database, where a
    request being served at that instant (the page polls every second) makes a write fail at once
    with "database table is locked" instead of waiting; such a step is simply tried again (it
    rolled back whole)."""
    for _attempt in range(50):
        try:
            return actions.import_next_row(*args)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
    raise AssertionError("the test database stayed locked")


def test_upload_map_preview_import_progress_and_report(page: Any, live_server: Any, personas: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(actions, "enqueue", lambda job_id: None)  # the test runs the rows itself, below
    secret = enrol_totp(personas.rep_east)
    sign_in(page, live_server.url, "rep_east", secret)

    page.get_by_role("link", name="Imports", exact=True).click()
    page.get_by_text("No imports yet").wait_for()
    page.get_by_role("link", name="Import a CSV file").click()
    page.get_by_label("The file contains").select_option("contact")
    page.get_by_label("Source").fill("Shanghai trade fair")
    page.get_by_label("CSV file").set_input_files({"name": "fair.csv", "mimeType": "text/csv", "buffer": CSV_TEXT.encode("gbk")})
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("heading", name="Map the columns").wait_for()

    # Suggested from the Chinese headers; the encoding was detected as GBK.
    assert page.get_by_label("邮箱").input_value() == "email"
    assert page.get_by_label("手机").input_value() == "mobile"
    assert page.get_by_label("Encoding").input_value() == "gbk"
    preview = page.get_by_test_id("preview")
    assert preview.get_by_role("columnheader", name="City").count() == 1
    assert preview.get_by_role("cell", name="王小明").count() == 1 and preview.get_by_role("cell", name="上海").count() == 1

    # Do not import the city: htmx refreshes the preview without reloading the page.
    page.get_by_label("城市").select_option("")
    preview.get_by_role("columnheader", name="City").wait_for(state="detached")
    page.get_by_label("Create a new record anyway").check()
    page.get_by_role("button", name="Start the import").click()
    page.get_by_test_id("import-status").wait_for()
    status = page.get_by_test_id("import-status")
    assert status.get_attribute("data-status") == "queued"

    # Play the background worker: two rows, see the bar move; then the rest, see it finish.
    job = ImportJob.objects.get()
    claimed = actions._claim(job.pk)
    assert claimed is not None
    parsed, adapter = actions.load_rows(claimed), adapter_for(claimed.object_type)
    step = functools.partial(next_row, job.pk, parsed, adapter, personas.rep_east)
    assert [step(), step()] == [1, 2]
    page.locator('#import-progress[value="2"]').wait_for()
    assert page.get_by_text("2 of 4 rows").count() == 1
    assert [step(), step(), step()] == [3, 4, None]  # the last call finishes the job
    page.locator('[data-testid="import-status"][data-status="done"]').wait_for()
    assert page.get_by_test_id("created-count").inner_text() == "3"
    assert page.get_by_test_id("rejected-count").inner_text() == "1"
    assert page.get_by_test_id("rejections").get_by_role("cell", name="4", exact=True).count() == 1

    with page.expect_download() as download_info:
        page.get_by_test_id("report-link").click()
    report = download_info.value
    rows = list(csv.reader(io.StringIO(Path(report.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Line", "Columns", "Problem"]
    assert rows[1][0] == "4" and rows[1][1] == "邮箱" and re.search("not a valid email address", rows[1][2])
    assert {contact.family_name for contact in Contact.objects.all()} == {"王", "Lovelace", "李"}
