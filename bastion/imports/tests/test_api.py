"""Import API: upload (multipart) → start → follow → rejected rows → delete; scopes and roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from bastion.accounts.tokens import issue_token
from bastion.directory.models import Contact
from bastion.imports.models import ImportJob
from bastion.imports.tests.helpers import contacts_csv
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent


def upload(client: APIClient, text: str, **extra: Any) -> Any:
    body = {"object_type": "contact", "source_name": "API fair", "file": SimpleUploadedFile("p.csv", text.encode()), **extra}
    return client.post("/api/v1/imports/", body, format="multipart")


def test_upload_start_follow_and_read_the_rejected_rows(personas: Any, api_as: Any) -> None:
    client = api_as(personas.rep_east)
    text, bad_lines = contacts_csv(5, bad_every=5)
    created = upload(client, text)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["mapping"] == ["given_name", "family_name", "email", "phone", "company", "city"]
    assert body["status"] == "uploaded" and {"key": "email", "label": "Email"} in body["fields_available"]
    assert created["Location"] == f"/api/v1/imports/{body['id']}/"

    started = client.post(f"/api/v1/imports/{body['id']}/start/", {"mapping": body["mapping"], "dedupe": "skip"}, format="json")
    assert started.status_code == 202, started.json()
    job = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert (job["status"], job["created_count"], job["rejected_count"]) == ("done", 5, 1)

    rejected = client.get(f"/api/v1/imports/{body['id']}/rejections/").json()
    assert rejected["next_after"] is None
    assert [(r["line"], r["columns"], r["values"][2]) for r in rejected["results"]] == [(bad_lines[0], "Email", "not-an-email-4")]
    assert AuditEvent.objects.filter(kind=EventKind.EXPORTED, target_id=body["id"]).exists()

    listed = client.get("/api/v1/imports/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert client.delete(f"/api/v1/imports/{body['id']}/").status_code == 204
    assert not ImportJob.objects.exists() and Contact.objects.count() == 5


def test_errors_name_the_field(personas: Any, api_as: Any) -> None:
    client = api_as(personas.rep_east)
    response = client.post(
        "/api/v1/imports/",
        {"object_type": "contact", "source_name": "x", "file": SimpleUploadedFile("p.csv", b"")},
        format="multipart",
    )
    assert response.status_code == 400 and "file" in response.json()["fields"]
    text, _bad = contacts_csv(1)
    job = upload(client, text).json()
    bad = client.post(f"/api/v1/imports/{job['id']}/start/", {"mapping": ["nope"], "dedupe": "skip"}, format="json")
    assert bad.status_code == 400 and "mapping" in bad.json()["fields"]
    assert ImportJob.objects.get().status == "uploaded"


def test_a_token_without_the_import_scope_is_refused(personas: Any) -> None:
    token = issue_token(personas.rep_east, name="contacts only", days=1, scopes=["contact:write"]).plaintext
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    text, _bad = contacts_csv(1)
    response = upload(client, text)
    assert response.status_code == 403 and "import:write" in response.json()["detail"]
    assert not ImportJob.objects.exists() and not Contact.objects.exists()


@pytest.mark.parametrize("persona", ["auditor", "outsider"])
def test_roles_that_may_not_write_customer_records_are_refused(personas: Any, api_as: Any, persona: str) -> None:
    client = api_as(getattr(personas, persona))
    text, _bad = contacts_csv(1)
    assert upload(client, text).status_code == 403
    assert client.get("/api/v1/imports/").status_code == 403
    assert not ImportJob.objects.exists() and not Contact.objects.exists()


def test_another_users_import_is_not_found_and_not_changed(personas: Any, api_as: Any) -> None:
    text, _bad = contacts_csv(2)
    job = upload(api_as(personas.rep_east), text).json()
    other = api_as(personas.rep_west)
    assert other.get(f"/api/v1/imports/{job['id']}/").status_code == 404
    assert other.get(f"/api/v1/imports/{job['id']}/rejections/").status_code == 404
    assert other.post(f"/api/v1/imports/{job['id']}/start/", {"mapping": job["mapping"]}, format="json").status_code == 404
    assert other.delete(f"/api/v1/imports/{job['id']}/").status_code == 404
    assert ImportJob.objects.get().status == "uploaded" and not Contact.objects.exists()
    assert not AuditEvent.objects.filter(kind=EventKind.EXPORTED).exists()
