"""Email each new security alert to the security officers (or, with none, the administrators), and
each sign-in from a new network to the member of staff it was (``sign_ins.py``).

The email names the rule, how many events and when, and links to the alert; it names no one and
no address (email is a weaker channel than the signed-in page). An alert whose email failed keeps
``notified_at`` empty and is sent again on the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.kernel.alerts.models import SecurityAlert, SignInNotice
from bastion.kernel.alerts.rules import rule_named

logger = logging.getLogger(__name__)
BATCH = 50


def notify_pending() -> int:
    """Email the alerts not emailed yet (at most ``BATCH`` a run); how many were sent."""
    from bastion.accounts.selectors import security_alert_recipients

    if not SecurityAlert.objects.filter(notified_at=None).exists():
        return 0
    recipients = security_alert_recipients()
    if not recipients:
        logger.warning("security alerts are waiting but no security officer or administrator has an email address")
        return 0
    return _send_pending(SecurityAlert, "raised_at", lambda alert: (*message(alert), recipients))


def send_sign_in_notices() -> int:
    """Email each member of staff the sign-ins from a new network not told yet; how many were sent."""
    return _send_pending(SignInNotice, "signed_in_at", sign_in_message)


Compose = Callable[[Any], tuple[str, str, list[str]]]


def _send_pending(model: type[SecurityAlert] | type[SignInNotice], oldest_first: str, compose: Compose) -> int:
    sent = 0
    pending = model.objects.filter(notified_at=None).order_by(oldest_first, "id").values_list("pk", flat=True)
    for pk in list(pending[:BATCH]):
        try:
            sent += _send_one(model, pk, compose)
        except Exception:  # one failed email must not stop the others; retried next run
            logger.exception("%s %s could not be emailed; it is retried on the next run", model.__name__, pk)
    return sent


def _send_one(model: type[SecurityAlert] | type[SignInNotice], pk: uuid.UUID, compose: Compose) -> int:
    """Claim one (``notified_at``), compose and send it; a failed send rolls the claim back."""
    with transaction.atomic():
        item = model.objects.select_for_update().filter(pk=pk, notified_at=None).first()
        if item is None:  # sent by another worker meanwhile
            return 0
        item.notified_at = timezone.now()
        item.save(update_fields=["notified_at"])
        subject, body, recipients = compose(item)
        if not recipients:  # nobody to tell (no email address): nothing is retried
            return 0
        send_mail(subject, body, None, recipients)  # raises: notified_at is rolled back
    return 1


def sign_in_message(notice: SignInNotice) -> tuple[str, str, list[str]]:
    """The sign-in notice's subject, body (English and Chinese) and recipient: the member of staff, if active."""
    from bastion.accounts.selectors import staff_member

    user = staff_member(notice.user_id)
    if user is None or not user.is_active or not user.email:
        return "", "", []
    link = settings.BASTION_BASE_URL + reverse("accounts:profile")
    words = {
        "username": user.get_username(),
        "when": notice.signed_in_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "address": notice.address,
        "browser": notice.user_agent[:120] or "—",
        "link": link,
    }
    parts = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            lines = [
                _("Your Bastion account %(username)s was signed in on %(when)s (UTC) from %(address)s, a network it "
                  "had not been signed in from in the last 90 days. Browser: %(browser)s.") % words,
                _("If this was you, there is nothing to do."),
                _("If it was not: change your password now, end your other sessions on your profile page "
                  "(%(link)s), and tell your security officer.") % words,
            ]  # fmt: skip
            parts.append("\n".join(lines))
    with translation.override("en"):
        subject = _("[Bastion] New sign-in to your account from %(address)s") % words
    return subject[:150], "\n\n---\n\n".join(parts) + "\n", [user.email]


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
