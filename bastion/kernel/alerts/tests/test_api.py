"""``/api/v1/security-alerts/``: officers' tokens list, read and close alerts; nobody else reads a thing."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.kernel.alerts.detect import scan
from bastion.kernel.alerts.models import SecurityAlert
from bastion.kernel.alerts.tests.helpers import ADDRESS, emit
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
LIST = "/api/v1/security-alerts/"


@pytest.fixture
def alert(personas: Any) -> SecurityAlert:
    emit(EventKind.SIGN_IN_FAILED, 10)
    [raised] = scan()
    return raised


def test_an_officer_lists_reads_and_closes(personas: Any, api_as: Any, alert: SecurityAlert) -> None:
    officer = api_as(personas.auditor, scopes=["security_alert:write"])
    body = officer.get(LIST).json()
    [listed] = body["results"]
    assert listed["id"] == str(alert.pk) and listed["rule"] == "sign_in_guessing_address" and listed["subject"] == ADDRESS
    assert listed["status"] == "open" and listed["events"] == 10 and listed["title"] == "Password guessing from one address"
    assert body["next"] is None
    assert officer.get(f"{LIST}{alert.pk}/").json()["first_sequence"] == alert.first_sequence

    refused = officer.post(f"{LIST}{alert.pk}/close/", {"note": ""}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()["fields"]
    closed = officer.post(f"{LIST}{alert.pk}/close/", {"note": "Address blocked."}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["closed_by"] == "auditor"
    again = officer.post(f"{LIST}{alert.pk}/close/", {"note": "Again."}, format="json")
    assert again.status_code == 400 and "already closed" in str(again.json()["fields"]["note"])
    assert AuditEvent.objects.filter(kind=EventKind.SECURITY_ALERT_CLOSED).count() == 1
    assert officer.get(LIST).json()["results"] == []
    assert [row["id"] for row in officer.get(f"{LIST}?status=closed").json()["results"]] == [str(alert.pk)]
    views = AuditEvent.objects.filter(kind=EventKind.AUDIT_LOG_VIEWED, target_type="kernel.securityalert")
    assert views.count() == 4  # every read is audited


def test_filters_and_ids_are_checked(personas: Any, api_as: Any, alert: SecurityAlert) -> None:
    officer = api_as(personas.auditor, scopes=["security_alert:read"])
    assert "status" in officer.get(f"{LIST}?status=everything").json()["fields"]
    assert "rule" in officer.get(f"{LIST}?rule=nonsense").json()["fields"]
    assert officer.get(f"{LIST}not-a-uuid/").status_code == 404
    assert officer.get(f"{LIST}7c1f6a52-3c1e-4d55-9a3e-2f1b8c7d0e99/").status_code == 404


def test_a_read_scope_does_not_close(personas: Any, api_as: Any, alert: SecurityAlert) -> None:
    reader = api_as(personas.auditor, scopes=["security_alert:read"])
    assert reader.post(f"{LIST}{alert.pk}/close/", {"note": "Address blocked."}, format="json").status_code == 403
    alert.refresh_from_db()
    assert alert.is_open and not AuditEvent.objects.filter(kind=EventKind.SECURITY_ALERT_CLOSED).exists()


def test_a_token_without_the_scope_reads_nothing(personas: Any, api_as: Any, alert: SecurityAlert) -> None:
    other = api_as(personas.admin, scopes=["contact:read"])
    response = other.get(LIST)
    assert response.status_code == 403 and ADDRESS not in response.content.decode()


@pytest.mark.parametrize("who", ["rep_east", "sales_manager", "marketer", "service_agent"])
def test_other_roles_read_and_close_nothing(personas: Any, api_as: Any, alert: SecurityAlert, who: str) -> None:
    client = api_as(getattr(personas, who), scopes=["security_alert:write"])  # the scope alone opens nothing
    for response in (
        client.get(LIST),
        client.get(f"{LIST}{alert.pk}/"),
        client.post(f"{LIST}{alert.pk}/close/", {"note": "nothing to see"}, format="json"),
    ):
        assert response.status_code == 403
        assert ADDRESS not in response.content.decode() and "sign_in_guessing" not in response.content.decode()
    alert.refresh_from_db()
    assert alert.is_open and alert.closing_note == ""
    assert not AuditEvent.objects.filter(kind=EventKind.SECURITY_ALERT_CLOSED).exists()
