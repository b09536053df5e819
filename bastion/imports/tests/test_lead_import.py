"""Importing leads (issue 6, item 8): rows go through the lead actions (source "import", encrypted,
blind-indexed, scored), bad rows are reported with their line and reason, duplicates by email or
phone follow the chosen policy, and field-level security holds for the mapping."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from bastion.imports import actions, selectors
from bastion.imports.models import Status
from bastion.sales import actions_leads
from bastion.sales.models import Lead, LeadSource

CSV = """Name,Company,Title,Email,Phone,Status
王伟,杭州云帆物流,运营经理,wang.wei@yunfan.example,+86 571 8123 4567,contacted
Ana Souza,Tidewater Freight,COO,ana@tidewater.example,,new
Nobody Reachable,Acme,CEO,,,new
Bad Email,Acme,CTO,not-an-email,,new
Li Na,Harbour,Director,li.na@harbour.example,,converted
"""


def upload(user: Any, text: str) -> Any:
    return actions.create_import(
        user, object_type="lead", source_name="Trade fair", file_name="leads.csv", data=text.encode(), encoding=""
    )


def test_leads_are_imported_through_the_actions_and_bad_rows_reported(personas: Any) -> None:
    earlier = actions_leads.create_lead(personas.rep_east, {"given_name": "Old", "email": "ana@tidewater.example"})
    job = upload(personas.rep_east, CSV)
    assert job.mapping == ["full_name", "company_name", "job_title", "email", "phone", "status"]
    actions.start_import(personas.rep_east, job.pk, mapping=list(job.mapping), dedupe="skip")
    job.refresh_from_db()
    assert (job.status, job.created_count, job.skipped_count, job.rejected_count) == (Status.DONE, 1, 1, 3)
    wang = Lead.objects.get(source=LeadSource.IMPORT)
    assert (wang.family_name, wang.given_name, wang.status, str(wang.phone)) == ("王", "伟", "contacted", "+86 571 8123 4567")
    assert wang.owner == personas.rep_east and Lead.objects.get(pk=earlier.pk).given_name == "Old"  # skipped, unchanged
    reasons = {row.line: row.reason for row in selectors.rejections(job)}
    assert set(reasons) == {4, 5, 6}
    assert "neither an email address nor a phone number" in reasons[4] and "Email" in reasons[5]
    assert "converted" in reasons[6].lower()


def test_update_fills_the_duplicate_found_by_email(personas: Any) -> None:
    earlier = actions_leads.create_lead(personas.rep_east, {"given_name": "Old", "email": "ana@tidewater.example"})
    job = upload(personas.rep_east, CSV)
    actions.start_import(personas.rep_east, job.pk, mapping=list(job.mapping), dedupe="update")
    job.refresh_from_db()
    assert (job.created_count, job.updated_count) == (1, 1)
    earlier.refresh_from_db()
    assert (earlier.given_name, earlier.family_name, earlier.company_name) == ("Ana", "Souza", "Tidewater Freight")


def test_a_marketer_may_not_import_lead_emails_or_phones(personas: Any) -> None:
    job = upload(personas.marketer, CSV)
    with pytest.raises(ValidationError) as error:
        actions.start_import(personas.marketer, job.pk, mapping=list(job.mapping), dedupe="skip")
    assert error.value.message_dict["mapping"] == [
        "Column 4: your role may not change Email; choose “Do not import” for this column.",
        "Column 5: your role may not change Phone; choose “Do not import” for this column.",
    ]
    assert not Lead.objects.exists()
