"""A CSV row holding a card number is rejected with its line and column, and the rejected-rows report keeps
only the last four digits; a source name with one is refused (L3, ADR 0071)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from bastion.directory.models import Contact
from bastion.imports import actions, selectors
from bastion.imports.models import ImportJob
from bastion.imports.report import rejected_rows_csv
from bastion.imports.tests.helpers import HEADER_EN
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def file_with_a_card_number() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER_EN)
    writer.writerow(["Ana", "Silva", "ana@import.example", "+44 20 7946 0001", "Firm", "London"])
    writer.writerow(["Ben", "Card", "ben@import.example", "+44 20 7946 0002", "Firm", "Visa 4111 1111 1111 1111"])
    writer.writerow(["Cy", "Card", "5555 5555 5555 4444", "", "Firm", "Leeds"])  # quoted back by the email check
    return out.getvalue().encode()


def test_the_row_is_rejected_and_nothing_keeps_the_number(personas: Any) -> None:
    job = actions.create_import(
        personas.rep_east,
        object_type="contact",
        source_name="Fair",
        file_name="p.csv",
        data=file_with_a_card_number(),
        encoding="",
    )
    actions.start_import(personas.rep_east, job.pk, mapping=list(job.mapping), dedupe="skip")
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.created_count, job.rejected_count) == (1, 2)
    assert list(Contact.objects.values_list("given_name", flat=True)) == ["Ana"]
    rejected, quoted = selectors.rejections(job)
    assert quoted.columns == "Email" and "ending 4444" in str(quoted.reason)
    assert "5555" not in str(quoted.reason).replace("ending 4444", "") + str(quoted.values)
    assert rejected.line == 3 and rejected.columns == "City"
    assert "Column “City”" in str(rejected.reason) and "ending 1111" in str(rejected.reason)
    assert "Visa •••• •••• •••• 1111" in str(rejected.values) and "4111" not in str(rejected.values)
    report = rejected_rows_csv(job, [rejected, quoted])
    assert "•••• •••• •••• 1111" in report and "4111 1111" not in report and "5555 5555" not in report
    assert "4111 1111" not in str(list(AuditEvent.objects.values_list("changes", "extra", "target_snapshot")))
    assert job.upload is None or ImportJob.objects.get(pk=job.pk).upload is None  # the file itself is gone once done
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM imports_importjob WHERE upload IS NOT NULL")
        assert cursor.fetchone()[0] == 0


def test_a_source_name_with_a_card_number_is_refused(personas: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.create_import(
            personas.rep_east, object_type="contact", source_name="Card 5555 5555 5555 4444", file_name="p.csv",
            data=file_with_a_card_number(), encoding="",
        )  # fmt: skip
    assert "ending 4444" in caught.value.message_dict["source_name"][0]
    assert not ImportJob.objects.exists()
