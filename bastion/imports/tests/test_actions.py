"""Import actions end to end (the huey queue runs tasks immediately in tests): rows go through the
directory's actions, bad rows are rejected with their line, column and reason, duplicates follow
the chosen policy, encodings are detected, limits are enforced, only writers may import."""

from __future__ import annotations

import codecs
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from bastion.directory import actions as directory_actions
from bastion.directory.models import Company, Contact
from bastion.directory.selectors import contact_ids_with_email
from bastion.imports import actions, selectors
from bastion.imports.models import ImportJob, ImportRejection, SavedMapping, Status
from bastion.imports.tests.helpers import HEADER_ZH, contacts_csv
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent


def upload(
    user: Any, text: str | bytes, *, object_type: str = "contact", source: str = "Fair 2026", encoding: str = ""
) -> ImportJob:
    data = text.encode() if isinstance(text, str) else text
    return actions.create_import(
        user, object_type=object_type, source_name=source, file_name="people.csv", data=data, encoding=encoding
    )


def run(user: Any, job: ImportJob, dedupe: str = "skip") -> ImportJob:
    actions.start_import(user, job.pk, mapping=list(job.mapping), dedupe=dedupe)
    job.refresh_from_db()
    return job


def test_good_rows_are_imported_and_bad_rows_reported_with_line_column_and_reason(personas: Any) -> None:
    text, bad_lines = contacts_csv(20, bad_every=5)
    job = upload(personas.rep_east, text)
    assert job.mapping == ["given_name", "family_name", "email", "phone", "company", "city"]
    job = run(personas.rep_east, job)
    assert (job.status, job.total_rows, job.position) == (Status.DONE, 24, 24)
    assert (job.created_count, job.rejected_count, job.skipped_count) == (20, 4, 0)
    assert Contact.objects.count() == 20 and Company.objects.count() == 7  # companies found by name or added once
    assert contact_ids_with_email("p3@import.example")  # indexed through the action: found by the blind index
    rejected = selectors.rejections(job)
    assert [r.line for r in rejected] == bad_lines == [7, 13, 19, 25]
    assert rejected[0].columns == "Email"
    assert "Column “Email”" in rejected[0].reason and "not a valid email address" in rejected[0].reason
    assert job.upload is None or ImportJob.objects.get(pk=job.pk).upload is None  # the file is gone once done
    kinds = list(AuditEvent.objects.filter(target_type="imports.importjob").values_list("kind", flat=True).order_by("sequence"))
    assert kinds == [EventKind.RECORD_CREATED, EventKind.RECORD_UPDATED, EventKind.DATA_IMPORTED]
    done = AuditEvent.objects.get(kind=EventKind.DATA_IMPORTED)
    assert (done.extra["created"], done.extra["rejected"], done.extra["rows"]) == (20, 4, 24)
    assert AuditEvent.objects.filter(kind=EventKind.RECORD_CREATED, target_type="directory.contact").count() == 20


def test_the_rejected_rows_are_told_in_the_language_of_the_upload(personas: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(actions, "enqueue", lambda job_id: None)  # the worker runs later, with no request around it
    text, _bad_lines = contacts_csv(5, bad_every=5)
    with translation.override("zh-hans"):
        job = upload(personas.rep_east, text)
        run(personas.rep_east, job)
    assert job.language == "zh-hans"
    with translation.override("en"):
        actions.run_job(job.pk)
    reason = selectors.rejections(ImportJob.objects.get(pk=job.pk))[0].reason
    assert reason.startswith("列“Email”：") and "不是有效的邮箱地址。" in reason and "not a valid" not in reason
    assert translation.get_language() == "en"  # the worker's language is its own again afterwards


def test_chinese_headers_gbk_and_bom_files_are_read(personas: Any) -> None:
    text, _bad = contacts_csv(3, header=HEADER_ZH)
    text = text.replace("Given0", "小明").replace("Family0", "王")
    gbk = upload(personas.rep_east, text.encode("gbk"))
    assert (gbk.detected_encoding, gbk.mapping) == ("gbk", ["given_name", "family_name", "email", "mobile", "company", "city"])
    bom = upload(personas.rep_east, codecs.BOM_UTF8 + text.encode(), source="Other")
    assert bom.detected_encoding == "utf-8-sig" and bom.headers[0] == "名"
    run(personas.rep_east, gbk)
    assert Contact.objects.filter(family_name="王", given_name="小明").count() == 1


def test_a_wrong_encoding_override_is_refused_with_a_clear_message(personas: Any) -> None:
    text, _bad = contacts_csv(2, header=HEADER_ZH)
    job = upload(personas.rep_east, text.encode("gbk"))
    with pytest.raises(ValidationError) as caught:
        actions.start_import(personas.rep_east, job.pk, mapping=job.mapping, dedupe="skip", encoding="utf-8")
    assert "cannot be read as UTF-8" in caught.value.message_dict["encoding"][0]
    assert ImportJob.objects.get(pk=job.pk).status == Status.UPLOADED


@pytest.mark.parametrize(
    ("dedupe", "contacts", "counts"),
    [("skip", 2, (1, 0, 1)), ("update", 2, (1, 1, 0)), ("create", 3, (2, 0, 0))],
)
def test_duplicates_follow_the_chosen_policy(personas: Any, dedupe: str, contacts: int, counts: tuple[int, int, int]) -> None:
    directory_actions.create_contact(personas.rep_east, {"given_name": "Old", "emails": [{"address": "P0@import.example"}]})
    text, _bad = contacts_csv(2)
    job = run(personas.rep_east, upload(personas.rep_east, text), dedupe)
    assert (job.created_count, job.updated_count, job.skipped_count) == counts
    assert Contact.objects.count() == contacts
    if dedupe == "update":
        updated = Contact.objects.get(pk=contact_ids_with_email("p0@import.example")[0])
        assert (updated.given_name, updated.city) == ("Given0", "London")
        assert [row.address for row in updated.emails.all()] == ["P0@import.example"]  # not added twice


def test_the_mapping_is_saved_per_source_and_offered_next_time(personas: Any) -> None:
    text = "Vorname,Nachname,E-Mail-Adresse\nAda,Lovelace,ada@import.example\n"
    job = upload(personas.rep_east, text, source="Messe Köln")
    assert job.mapping == ["", "", ""]
    actions.start_import(personas.rep_east, job.pk, mapping=["given_name", "family_name", "email"], dedupe="skip")
    saved = SavedMapping.objects.get(source_name="Messe Köln").columns
    assert saved == {"vorname": "given_name", "nachname": "family_name", "emailadresse": "email"}
    again = upload(personas.rep_west, text, source="messe köln")
    assert again.mapping == ["given_name", "family_name", "email"]


def test_mapping_errors_name_the_column(personas: Any) -> None:
    text, _bad = contacts_csv(1)
    job = upload(personas.rep_east, text)
    with pytest.raises(ValidationError) as caught:
        actions.start_import(personas.rep_east, job.pk, mapping=["email", "email", "", "", "", ""], dedupe="skip")
    assert caught.value.message_dict["mapping"] == ["Column 2: Email is already chosen for another column."]


def test_columns_filling_fields_the_role_may_not_change_are_refused(personas: Any) -> None:
    """Field-level security holds for imports too: a marketer may not write emails or phones (docs/adr/0030)."""
    text, _bad = contacts_csv(3)
    job = upload(personas.marketer, text)
    assert job.mapping == ["given_name", "family_name", "email", "phone", "company", "city"]
    with pytest.raises(ValidationError) as caught:
        actions.start_import(personas.marketer, job.pk, mapping=list(job.mapping), dedupe="skip")
    assert caught.value.message_dict["mapping"] == [
        "Column 3: your role may not change Email; choose “Do not import” for this column.",
        "Column 4: your role may not change Phone; choose “Do not import” for this column.",
        "Column 6: your role may not change City; choose “Do not import” for this column.",  # the postal address
    ]
    job.refresh_from_db()
    assert job.status == Status.UPLOADED and Contact.objects.count() == 0 and not SavedMapping.objects.exists()
    actions.start_import(personas.marketer, job.pk, mapping=["given_name", "family_name", "", "", "company", ""], dedupe="skip")
    job.refresh_from_db()
    assert (job.status, job.created_count) == (Status.DONE, 3)
    assert not any(contact.emails.exists() or contact.phones.exists() for contact in Contact.objects.all())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"Name,Email\n", "no data rows"),
        (b"\xff\xfe\x00N\x00a", "neither UTF-8 nor GBK"),
    ],
)
def test_unreadable_files_are_refused_before_anything_is_stored(personas: Any, data: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        upload(personas.rep_east, data)
    assert message in caught.value.message_dict["file"][0]
    assert ImportJob.objects.count() == 0


def test_size_and_row_limits(personas: Any, settings: Any) -> None:
    settings.IMPORT_MAX_ROWS = 3
    text, _bad = contacts_csv(4)
    with pytest.raises(ValidationError) as caught:
        upload(personas.rep_east, text)
    assert "more than 3 data rows" in caught.value.message_dict["file"][0]
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        upload(personas.rep_east, "x" * 101)
    assert "largest file you can import" in caught.value.message_dict["file"][0]
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("persona", ["auditor", "outsider", "read_only"])
def test_roles_that_may_not_write_customer_records_cannot_import(personas: Any, persona: str, read_only: Any) -> None:
    user = read_only if persona == "read_only" else getattr(personas, persona)
    text, _bad = contacts_csv(2)
    with pytest.raises(actions.ImportNotAllowed):
        upload(user, text)
    assert ImportJob.objects.count() == 0 and Contact.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_the_upload_and_the_rejected_rows_are_encrypted_at_rest(personas: Any) -> None:
    text, _bad = contacts_csv(2, bad_every=1)
    job = upload(personas.rep_east, text)
    with connection.cursor() as cursor:
        key = job.pk.hex if connection.vendor == "sqlite" else job.pk
        cursor.execute("SELECT upload FROM imports_importjob WHERE id = %s", [key])
        stored = bytes(cursor.fetchone()[0])
    assert b"import.example" not in stored and len(stored) > len(text)
    run(personas.rep_east, job)
    with connection.cursor() as cursor:
        cursor.execute('SELECT reason, "values" FROM imports_importrejection')
        for reason, values in cursor.fetchall():
            assert b"not-an-email" not in bytes(reason) and b"not-an-email" not in bytes(values)
    assert "not-an-email-0" in ImportRejection.objects.get(line=3).values


def test_deleting_an_import_shreds_its_key(personas: Any) -> None:
    text, _bad = contacts_csv(2, bad_every=1)
    job = run(personas.rep_east, upload(personas.rep_east, text))
    actions.delete_import(personas.rep_east, job.pk)
    from bastion.kernel.crypto import keyring

    assert keyring.is_erased(job.pk)
    assert ImportJob.objects.count() == 0 and ImportRejection.objects.count() == 0
    assert Contact.objects.count() == 2  # the imported records stay


def test_another_users_import_is_not_found(personas: Any) -> None:
    text, _bad = contacts_csv(1)
    job = upload(personas.rep_east, text)
    from django.http import Http404

    with pytest.raises(Http404):
        actions.start_import(personas.rep_west, job.pk, mapping=job.mapping, dedupe="skip")
    assert ImportJob.objects.get(pk=job.pk).status == Status.UPLOADED
    assert selectors.job_queryset(personas.admin).filter(pk=job.pk).exists()
