"""End to end: each action of the product leaves its kind of audit event, and the log verifies."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from bastion.accounts import actions as account_actions
from bastion.accounts.testing import current_totp_code, enrol_totp, step_up
from bastion.directory import actions as directory_actions
from bastion.directory import actions_erase
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.tests.helpers import kinds_recorded
from bastion.kernel.audit.verify import verify_log
from bastion.kernel.audit.writer import record_event

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple 42"


def test_sign_in_events_with_ip_user_agent_and_request_id(client: Any, personas: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    client.post("/accounts/login/", {"login": "rep_east", "password": "wrong password!"}, HTTP_USER_AGENT="UA/1.0")
    failed = AuditEvent.objects.get(kind=EventKind.SIGN_IN_FAILED)
    assert failed.outcome == Outcome.FAILURE and failed.target_id == str(personas.rep_east.pk)
    assert failed.client_ip == "127.0.0.1" and failed.user_agent == "UA/1.0" and len(failed.request_id) == 32
    assert "wrong password" not in str(failed.extra) + str(failed.changes) + str(failed.target_snapshot)
    client.post("/accounts/login/", {"login": "rep_east", "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    client.post("/accounts/logout/")
    assert {EventKind.SIGN_IN_SUCCEEDED, EventKind.MFA_USED, EventKind.SIGNED_OUT} <= kinds_recorded()
    signed_in = AuditEvent.objects.get(kind=EventKind.SIGN_IN_SUCCEEDED)
    assert signed_in.actor_id == personas.rep_east.pk and signed_in.actor_snapshot == {
        "username": "rep_east",
        "role": "sales_rep",
    }
    assert verify_log().ok


def test_unknown_names_are_fingerprinted_never_stored(client: Any, personas: Any) -> None:
    client.post("/accounts/login/", {"login": "my-Password-typed-here", "password": "x" * 12})
    event = AuditEvent.objects.get(kind=EventKind.SIGN_IN_FAILED)
    assert event.target_type == "accounts.login" and "Password" not in event.target_id


def test_lockout_is_recorded_as_denied(client: Any, personas: Any, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/30m/key"}
    for _attempt in range(3):
        client.post("/accounts/login/", {"login": "rep_west", "password": "not the password"})
    denied = AuditEvent.objects.get(kind=EventKind.ACCESS_DENIED)
    assert denied.outcome == Outcome.DENIED and denied.extra["reason"] == "sign_in_locked"


def test_account_actions_record_their_events(personas: Any, rf: Any) -> None:
    user, _password = account_actions.create_staff_user("newbie", "newbie@bastion.test", "sales_rep", actor=personas.admin)
    issued = account_actions.create_api_token(personas.rep_east, name="laptop", days=5)
    from bastion.accounts.tokens import verify_token

    assert verify_token(issued.plaintext) is not None
    account_actions.revoke_own_token(personas.rep_east, issued.token.pk)
    account_actions.disable_member(personas.admin, user)
    kinds = kinds_recorded()
    wanted = {
        EventKind.USER_CREATED,
        EventKind.TOKEN_CREATED,
        EventKind.TOKEN_USED,
        EventKind.TOKEN_REVOKED,
        EventKind.USER_DISABLED,
        EventKind.SESSION_ENDED_BY_ADMIN,
    }
    assert wanted <= kinds
    created = AuditEvent.objects.get(kind=EventKind.TOKEN_CREATED)
    assert issued.secret not in str(created.extra)  # the secret never enters the log
    assert verify_log().ok


def test_mfa_and_password_and_own_session_events(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_west)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a brand new passphrase 77", "password2": "a brand new passphrase 77"},
    )
    assert response.status_code == 302
    assert EventKind.PASSWORD_CHANGED in kinds_recorded()
    with transaction.atomic():
        record_event(EventKind.MFA_ENROLLED, actor=personas.rep_west, target=personas.rep_west)
    assert EventKind.MFA_ENROLLED in kinds_recorded()


def test_directory_changes_views_and_denials(personas: Any, signed_in: Any) -> None:
    rep = personas.rep_east
    company = directory_actions.create_company(rep, {"name": "Acme Ltd", "city": "London"})
    directory_actions.update_company(rep, company.pk, {"name": "Acme Group", "notes": "Project Falcon"})
    contact = directory_actions.create_contact(
        rep, {"given_name": "Alice", "family_name": "Smith", "emails": [{"address": "alice@acme.example", "label": "work"}]}
    )
    client = signed_in(rep)
    assert client.get(f"/contacts/{contact.pk}/").status_code == 200
    history = client.get(f"/contacts/{contact.pk}/history/")
    assert history.status_code == 200 and "rep_east" in history.content.decode()
    directory_actions.delete_contact(rep, contact.pk)
    updated = AuditEvent.objects.get(kind=EventKind.RECORD_UPDATED)
    assert updated.changes["name"] == {"old": "Acme Ltd", "new": "Acme Group"}
    assert updated.changes["notes"] == {"changed": True}  # restricted: only that it changed
    created = AuditEvent.objects.filter(kind=EventKind.RECORD_CREATED, target_type="directory.contact").get()
    assert "alice@acme.example" not in str(created.changes) and "Alice" not in str(created.target_snapshot)
    other = signed_in(personas.rep_west)
    assert other.get("/companies/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert signed_in(personas.auditor).get("/companies/").status_code == 403
    denials = AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED)
    assert {event.extra["status"] for event in denials} == {403, 404}
    assert {EventKind.RECORD_CREATED, EventKind.RECORD_DELETED, EventKind.RECORD_VIEWED} <= kinds_recorded()
    assert verify_log().ok


def test_api_denials_are_recorded(personas: Any) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer bst_nothing_here")
    assert client.get("/api/v1/companies/").status_code == 401
    event = AuditEvent.objects.get(kind=EventKind.ACCESS_DENIED)
    assert event.extra["status"] == 401 and event.actor_id is None


def test_api_retrieve_records_record_viewed(personas: Any) -> None:
    from rest_framework.test import APIClient

    from bastion.accounts.tokens import issue_token

    rep = personas.rep_east
    company = directory_actions.create_company(rep, {"name": "Acme Ltd"})
    contact = directory_actions.create_contact(rep, {"given_name": "Alice", "family_name": "Smith", "company": company.pk})
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(rep, name='tests', days=1).plaintext}")
    assert client.get(f"/api/v1/companies/{company.pk}/").status_code == 200
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 200
    viewed = AuditEvent.objects.filter(kind=EventKind.RECORD_VIEWED).order_by("sequence")
    assert [(event.target_type, event.target_id, event.actor_id) for event in viewed] == [
        ("directory.company", str(company.pk), rep.pk),
        ("directory.contact", str(contact.pk), rep.pk),
    ]
    assert viewed[1].target_snapshot == {"owner": rep.pk, "company": str(company.pk)}  # ids only, no name
    assert len(viewed[0].request_id) == 32 and viewed[0].client_ip == "127.0.0.1"

    missing = "/api/v1/contacts/00000000-0000-4000-8000-000000000000/"
    assert client.get(missing).status_code == 404  # a denial, not a view
    assert AuditEvent.objects.filter(kind=EventKind.RECORD_VIEWED).count() == 2
    assert verify_log().ok


def test_auditor_ui_filters_and_csv_export_are_audited(personas: Any, signed_in: Any) -> None:
    directory_actions.create_company(personas.rep_east, {"name": "Acme Ltd"})
    auditor = signed_in(personas.auditor)
    step_up(auditor, personas.auditor)  # an export needs a second factor confirmed in the last 5 minutes
    page = auditor.get("/audit/", {"kind": EventKind.RECORD_CREATED})
    assert page.status_code == 200 and "directory.company" in page.content.decode()
    csv_response = auditor.get("/audit/export.csv", {"kind": EventKind.RECORD_CREATED})
    body = b"".join(csv_response.streaming_content).decode()
    assert "record.created" in body and "sign_in" not in body
    assert {EventKind.AUDIT_LOG_VIEWED, EventKind.EXPORTED} <= kinds_recorded()
    assert signed_in(personas.rep_west).get("/audit/").status_code == 403


def test_cli_export_and_key_kinds(tmp_path: Any, settings: Any, personas: Any) -> None:
    from bastion.kernel.crypto import keyring
    from bastion.kernel.crypto.provider import FileKeyProvider, set_provider

    settings.BASTION_KEY_FILE = str(tmp_path / "root_keys.json")
    call_command("keys", "init", stdout=io.StringIO())  # key.created
    set_provider(FileKeyProvider(tmp_path / "root_keys.json", create=False))
    keyring.clear_caches()
    try:
        contact = directory_actions.create_contact(personas.rep_east, {"given_name": "Ann"})
        call_command("keys", "rotate", stdout=io.StringIO())  # key.rotated
        actions_erase.shred_contact(personas.admin, contact.pk)  # key.destroyed
    finally:
        set_provider(None)
        keyring.clear_caches()
    call_command("auditlog", "export", "-o", str(tmp_path / "x.jsonl"), stdout=io.StringIO())
    assert {EventKind.KEY_CREATED, EventKind.KEY_ROTATED, EventKind.KEY_DESTROYED, EventKind.EXPORTED} <= kinds_recorded()
    assert verify_log().ok
