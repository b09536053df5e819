"""Alerts reach the security officers: by email (real SMTP), in the menu, on their pages, where they are
closed with a note; nobody else sees them; and the SIEM gets each one at syslog severity "alert"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bastion.kernel.alerts.detect import scan
from bastion.kernel.alerts.models import SecurityAlert
from bastion.kernel.alerts.notify import notify_pending
from bastion.kernel.alerts.tests.helpers import ADDRESS, emit
from bastion.kernel.audit.export import iter_entries
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.syslog import format_message
from bastion.kernel.tasks import detect_security_anomalies
from bastion.kernel.testing_smtp import Inbox, body, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(personas: Any) -> SecurityAlert:
    emit(EventKind.SIGN_IN_FAILED, 12)
    [raised] = scan()
    return raised


def test_the_worker_raises_and_emails_the_security_officers(personas: Any, smtp: Inbox) -> None:
    personas.auditor.email, personas.admin.email = "officer@bastion.test", "admin@bastion.test"
    personas.auditor.save(update_fields=["email"])
    personas.admin.save(update_fields=["email"])
    emit(EventKind.SIGN_IN_FAILED, 10)

    detect_security_anomalies.call_local()

    [message] = smtp.messages
    assert message["X-Envelope-To"] == "officer@bastion.test"  # the officers; administrators only when there are none
    assert message["Subject"] == "[Bastion] Security alert: Password guessing from one address"
    text = body(message)
    alert = SecurityAlert.objects.get()
    assert f"/audit/alerts/{alert.pk}/" in text and "10" in text and "同一地址的密码猜测" in text
    assert ADDRESS not in text  # the email names no address and no one: the signed-in page does
    alert.refresh_from_db()
    assert alert.notified_at is not None
    assert notify_pending() == 0 and len(smtp.messages) == 1  # never twice


def test_with_no_officer_the_administrators_are_told(personas: Any, smtp: Inbox, alert: SecurityAlert) -> None:
    personas.admin.email = "admin@bastion.test"
    personas.admin.save(update_fields=["email"])
    personas.auditor.is_active = False
    personas.auditor.save(update_fields=["is_active"])

    assert notify_pending() == 1
    assert smtp.messages[0]["X-Envelope-To"] == "admin@bastion.test"


def test_a_failed_email_is_sent_on_the_next_run(personas: Any, smtp: Inbox, settings: Any, alert: SecurityAlert) -> None:
    personas.auditor.email = "officer@bastion.test"
    personas.auditor.save(update_fields=["email"])
    settings.EMAIL_PORT = free_port()  # nothing listens there: the send fails
    assert notify_pending() == 0
    alert.refresh_from_db()
    assert alert.notified_at is None and smtp.messages == []
    settings.EMAIL_PORT = smtp.port
    assert notify_pending() == 1 and len(smtp.messages) == 1


def test_the_siem_gets_a_raised_alert_at_severity_alert(alert: SecurityAlert) -> None:
    raised = AuditEvent.objects.get(kind=EventKind.SECURITY_ALERT_RAISED)
    [(entry, leaf)] = list(iter_entries(raised.sequence, raised.sequence))
    message = format_message(entry, leaf, hostname="bastion")
    assert message.startswith(b"<81>1 ")  # authpriv (10) * 8 + alert (1)
    assert b" security.alert_raised " in message


def test_an_officer_sees_closes_and_the_close_is_audited(personas: Any, signed_in: Any, alert: SecurityAlert) -> None:
    officer = signed_in(personas.auditor)
    home = officer.get("/audit/alerts/").content.decode()
    assert 'data-testid="open-alerts"' in home and "1 open security alert<" in home
    assert "Password guessing from one address" in home and ADDRESS in home

    page = officer.get(f"/audit/alerts/{alert.pk}/").content.decode()
    assert page.count('data-testid="audit-event"') == 12 and "12 events" in page

    refused = officer.post(f"/audit/alerts/{alert.pk}/", {"note": "   "})
    assert refused.status_code == 400 and "The alert is still open" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.is_open

    done = officer.post(f"/audit/alerts/{alert.pk}/", {"note": "Blocked 203.0.113.9 at the firewall."}, follow=True)
    assert "The alert is closed." in done.content.decode() and "Closed by auditor" in done.content.decode()
    alert.refresh_from_db()
    assert not alert.is_open and alert.closed_by_name == "auditor" and alert.closing_note.startswith("Blocked")
    closed = AuditEvent.objects.get(kind=EventKind.SECURITY_ALERT_CLOSED)
    assert closed.actor_id == personas.auditor.pk and closed.target_id == str(alert.pk)
    again = officer.post(f"/audit/alerts/{alert.pk}/", {"note": "twice"})
    assert again.status_code == 400 and "already closed by auditor" in again.content.decode()
    assert AuditEvent.objects.filter(kind=EventKind.SECURITY_ALERT_CLOSED).count() == 1

    empty = officer.get("/audit/alerts/").content.decode()
    assert "No open alerts" in empty and 'data-testid="open-alerts"' not in empty
    assert "Closed by auditor" in officer.get("/audit/alerts/?status=closed").content.decode()


def test_filters_are_checked(personas: Any, signed_in: Any, alert: SecurityAlert) -> None:
    officer = signed_in(personas.auditor)
    assert officer.get("/audit/alerts/?status=everything").status_code == 400
    assert "No alerts match these filters" in officer.get("/audit/alerts/?rule=mass_export").content.decode()
    assert ADDRESS in officer.get("/audit/alerts/?rule=sign_in_guessing_address&severity=high").content.decode()


@pytest.mark.parametrize("who", ["rep_east", "sales_manager", "marketer", "outsider"])
def test_nobody_else_sees_or_closes_an_alert(personas: Any, signed_in: Any, alert: SecurityAlert, who: str) -> None:
    other = signed_in(getattr(personas, who))
    denied_before = AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).count()
    for response in (
        other.get("/audit/alerts/"),
        other.get(f"/audit/alerts/{alert.pk}/"),
        other.post(f"/audit/alerts/{alert.pk}/", {"note": "nothing to see"}),
    ):
        assert response.status_code == 403
        assert ADDRESS not in response.content.decode() and "Password guessing" not in response.content.decode()
    home = other.get("/", follow=True).content.decode()
    assert 'data-testid="open-alerts"' not in home and "security alert" not in home
    alert.refresh_from_db()
    assert alert.is_open and alert.closing_note == ""
    assert AuditEvent.objects.filter(kind=EventKind.SECURITY_ALERT_CLOSED).count() == 0
    assert AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).count() == denied_before + 3


def test_the_pages_in_chinese(personas: Any, signed_in: Any, alert: SecurityAlert) -> None:
    officer = signed_in(personas.auditor)
    page = officer.get(f"/audit/alerts/{alert.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "同一地址的密码猜测" in page and "关闭警报" in page


def test_a_missing_alert_is_404(personas: Any, signed_in: Any) -> None:
    officer = signed_in(personas.auditor)
    assert officer.get("/audit/alerts/7c1f6a52-3c1e-4d55-9a3e-2f1b8c7d0e99/").status_code == 404


def test_the_cli_scans_and_lists(personas: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    emit(EventKind.SIGN_IN_FAILED, 10, every=dt.timedelta(seconds=1))
    out = StringIO()
    call_command("alerts", "scan", "--no-email", stdout=out)
    assert out.getvalue().strip() == "1 alerts raised, 0 emailed"
    listed = StringIO()
    call_command("alerts", "list", stdout=listed)
    assert "sign_in_guessing_address" in listed.getvalue() and ADDRESS in listed.getvalue()
