"""Import pages: upload → mapping with preview → start → progress → report; deny and limit cases."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bastion.directory.models import Contact
from bastion.imports.models import ImportJob, Status
from bastion.imports.tests.helpers import contacts_csv
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent


def post_upload(client: Any, text: str | bytes, **extra: str) -> Any:
    data = text.encode() if isinstance(text, str) else text
    form = {"object_type": "contact", "source_name": "Fair", "encoding": "", **extra}
    return client.post(reverse("imports:new"), {**form, "file": SimpleUploadedFile("people.csv", data, "text/csv")})


def test_upload_map_preview_start_and_download_the_report(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    text, bad_lines = contacts_csv(6, bad_every=3)
    response = post_upload(client, text)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:mapping", args=[job.pk])
    assert "Fair" not in response["Location"] and "people" not in response["Location"]  # nothing of the file in the URL

    page = client.get(response["Location"]).content.decode()
    assert '<option value="email" selected>' in page and "p0@import.example" in page  # suggested and previewed
    form = {f"column_{i}": field for i, field in enumerate(job.mapping)} | {"encoding": "utf-8", "dedupe": "skip"}
    form["column_5"] = ""  # do not import the city
    preview = client.post(response["Location"], form, HTTP_HX_REQUEST="true").content.decode()
    assert preview.startswith('<section id="preview"') and "London" not in preview and "Given1" in preview

    started = client.post(response["Location"], {**form, "action": "start"})
    assert started.status_code == 302 and started["Location"] == reverse("imports:detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_count) == (Status.DONE, 6, 2)
    assert {contact.city for contact in Contact.objects.all()} == {""}  # the unmapped column was not imported

    fragment = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert 'data-status="done"' in fragment and "hx-trigger" not in fragment  # polling stops when done
    assert 'value="8"' in fragment and "not-an-email" in fragment

    report = client.get(reverse("imports:report", args=[job.pk]))
    assert report["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Line", "Columns", "Problem"]
    assert [int(row[0]) for row in rows[1:]] == bad_lines and rows[1][1] == "Email" and rows[1][5] == "not-an-email-2"
    assert AuditEvent.objects.filter(kind=EventKind.EXPORTED, target_id=str(job.pk)).count() == 1


def test_a_running_job_page_polls_for_progress(personas: Any, signed_in: Any, settings: Any) -> None:
    from bastion.imports import actions

    text, _bad = contacts_csv(3)
    job = actions.create_import(personas.rep_east, object_type="contact", source_name="x", file_name="a.csv", data=text.encode())
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, position=1)
    page = signed_in(personas.rep_east).get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("imports:progress", args=[job.pk])}"' in page and 'hx-trigger="every 1s"' in page
    assert '<progress id="import-progress" max="3" value="1">' in page


def test_a_too_large_file_is_refused_with_its_size(personas: Any, signed_in: Any, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    response = post_upload(signed_in(personas.rep_east), b"Name\n" + b"x" * (2 * 1024 * 1024))
    assert response.status_code == 400
    assert "The file is 2.0 MB; the largest file you can import is 1 MB." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_missing_source_name_is_named(personas: Any, signed_in: Any) -> None:
    text, _bad = contacts_csv(1)
    response = post_upload(signed_in(personas.rep_east), text, source_name="")
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("persona", ["auditor", "outsider"])
def test_roles_without_customer_write_access_are_refused(personas: Any, signed_in: Any, persona: str) -> None:
    client = signed_in(getattr(personas, persona))
    text, _bad = contacts_csv(1)
    assert client.get(reverse("imports:list")).status_code == 403
    assert post_upload(client, text).status_code == 403
    assert ImportJob.objects.count() == 0 and Contact.objects.count() == 0
    assert "imports/" not in client.get(reverse("home")).content.decode()  # no navigation entry either


def test_another_users_import_is_404_everywhere(personas: Any, signed_in: Any) -> None:
    from bastion.imports import actions

    text, _bad = contacts_csv(2, bad_every=1)
    job = actions.create_import(personas.rep_east, object_type="contact", source_name="x", file_name="a.csv", data=text.encode())
    actions.start_import(personas.rep_east, job.pk, mapping=job.mapping, dedupe="skip")
    other = signed_in(personas.rep_west)
    for name in ("detail", "mapping", "progress", "report", "delete"):
        response = other.get(reverse(f"imports:{name}", args=[job.pk]))
        assert response.status_code == 404, name
        assert b"not-an-email" not in response.content
    assert other.post(reverse("imports:delete", args=[job.pk]), {"confirmed": "yes"}).status_code == 404
    assert ImportJob.objects.filter(pk=job.pk).exists()
    assert not AuditEvent.objects.filter(kind=EventKind.EXPORTED).exists()


def test_delete_asks_first_then_removes_the_job(personas: Any, signed_in: Any) -> None:
    from bastion.imports import actions

    text, _bad = contacts_csv(1)
    job = actions.create_import(personas.rep_east, object_type="contact", source_name="x", file_name="a.csv", data=text.encode())
    client = signed_in(personas.rep_east)
    assert "Delete the import" in client.get(reverse("imports:delete", args=[job.pk])).content.decode()
    assert ImportJob.objects.filter(pk=job.pk).exists()
    assert client.post(reverse("imports:delete", args=[job.pk]), {"confirmed": "yes"}).status_code == 302
    assert not ImportJob.objects.filter(pk=job.pk).exists()


def test_the_list_shows_the_users_imports_and_an_empty_state(personas: Any, signed_in: Any) -> None:
    from bastion.imports import actions

    client = signed_in(personas.rep_east)
    assert "No imports yet" in client.get(reverse("imports:list")).content.decode()
    text, _bad = contacts_csv(1)
    actions.create_import(
        personas.rep_west, object_type="contact", source_name="West fair", file_name="w.csv", data=text.encode()
    )
    actions.create_import(
        personas.rep_east, object_type="contact", source_name="East fair", file_name="e.csv", data=text.encode()
    )
    page = client.get(reverse("imports:list")).content.decode()
    assert "East fair" in page and "West fair" not in page
