"""Email each new security alert to the security officers (or, with none, the administrators).

The email names the rule, how many events and when, and links to the alert; it names no one and
no address (email is a weaker channel than the signed-in page). An alert whose email failed keeps
``notified_at`` empty and is sent again on the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.kernel.alerts.models import SecurityAlert
from bastion.kernel.alerts.rules import rule_named

logger = logging.getLogger(__name__)
BATCH = 50


def notify_pending() -> int:
    """Email the alerts not emailed yet (at most ``BATCH`` a run); how many were sent."""
    from bastion.accounts.selectors import security_alert_recipients

    recipients = security_alert_recipients()
    if not recipients:
        logger.warning("security alerts are waiting but no security officer or administrator has an email address")
        return 0
    sent = 0
    pending = SecurityAlert.objects.filter(notified_at=None).order_by("raised_at", "id").values_list("pk", flat=True)
    for alert_id in list(pending[:BATCH]):
        try:
            sent += _send_one(alert_id, recipients)
        except Exception:  # one failed email must not stop the others; retried next run
            logger.exception("Security alert %s could not be emailed; it is retried on the next run", alert_id)
    return sent


def _send_one(alert_id: uuid.UUID, recipients: list[str]) -> int:
    with transaction.atomic():
        alert = SecurityAlert.objects.select_for_update().filter(pk=alert_id, notified_at=None).first()
        if alert is None:  # sent by another worker meanwhile
            return 0
        alert.notified_at = timezone.now()
        alert.save(update_fields=["notified_at"])
        subject, body = message(alert)
        send_mail(subject, body, None, recipients)  # raises: notified_at is rolled back
    return 1


def message(alert: SecurityAlert) -> tuple[str, str]:
    """The email's subject and body, in English and Chinese (Bastion keeps no per-user language for emails)."""
    rule = rule_named(alert.rule)
    link = settings.BASTION_BASE_URL + reverse("audit:alert-detail", args=[alert.pk])
    parts = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            title = str(rule.title) if rule is not None else alert.rule
            lines = [
                _("Security alert (%(severity)s): %(title)s") % {"severity": alert.get_severity_display(), "title": title},
                rule.describe() if rule is not None else "",
                _("%(count)s counted between %(first)s and %(last)s (UTC).")
                % {
                    "count": alert.events,
                    "first": alert.first_event_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                    "last": alert.last_event_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                },
                _("Open the alert: %(link)s") % {"link": link},
            ]
            parts.append("\n".join(line for line in lines if line))
    with translation.override("en"):
        title = str(rule.title) if rule is not None else alert.rule
        subject = _("[Bastion] Security alert: %(title)s") % {"title": title}
    return subject[:150], "\n\n---\n\n".join(parts) + "\n"
