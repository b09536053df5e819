"""Background jobs of the kernel (huey): audit checkpoints, retention, shipping and intrusion detection."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from bastion.kernel.audit.archive import archive_events
from bastion.kernel.audit.checkpoints import make_checkpoint
from bastion.kernel.audit.sealer import seal_pending

logger = logging.getLogger(__name__)


def every_n_minutes(minutes: int) -> Callable[[dt.datetime], bool]:
    """A huey schedule that runs every ``minutes`` minutes, for any positive ``minutes``.

    ``crontab(minute="*/N")`` is wrong for N > 59 (the minute field only counts 0-59, so */90
    means "at minute 0" = hourly) and uneven when N does not divide 60 (*/7 fires at :56 and
    again at :00). Counting whole minutes since the Unix epoch gives the same interval across
    hours and days: huey asks once a minute, with the seconds at zero.
    """
    if minutes < 1:
        raise ValueError("the interval must be at least one minute")

    def validate(when: dt.datetime) -> bool:
        return (calendar.timegm(when.timetuple()) // 60) % minutes == 0

    return validate


@db_periodic_task(every_n_minutes(settings.AUDIT_CHECKPOINT_MINUTES))
def sign_audit_checkpoint() -> None:
    """Every few minutes: sign the audit tree head if events were added since the last checkpoint."""
    checkpoint = make_checkpoint()
    if checkpoint is not None:
        logger.info("signed audit checkpoint of %d events", checkpoint.tree_size)


@db_periodic_task(crontab(minute="41", hour="3"))
def archive_old_audit_events() -> None:
    """Daily: archive (signed file) and remove events older than the retention period."""
    result = archive_events()
    if result is not None:
        logger.info("archived %d audit events to %s", result.events, result.path)


@db_periodic_task(crontab(minute="*"))
def seal_audit_inbox() -> None:
    """Every minute: seal events left in the audit inbox (a process that died before sealing; ADR 0024)."""
    sealed = seal_pending(wait=True)
    if sealed:
        logger.info("sealed %d audit events left in the inbox", sealed)


@db_periodic_task(crontab(minute="*"))
def ship_audit_to_syslog() -> None:
    """Every minute, when BASTION_AUDIT_SYSLOG_URL is set: send the events not shipped yet (resumable)."""
    if not settings.AUDIT_SYSLOG_URL:
        return
    from bastion.kernel.audit.syslog import ship_new

    sent = ship_new(settings.AUDIT_SYSLOG_URL)
    if sent:
        logger.info("shipped %d audit events to syslog", sent)


@db_periodic_task(crontab(minute="*"))
def detect_security_anomalies() -> None:
    """Every minute: judge the new audit events against the detection rules, then email new alerts and sign-in notices (S6)."""
    from bastion.kernel.alerts.detect import scan
    from bastion.kernel.alerts.notify import notify_pending, send_sign_in_notices

    raised = scan()
    if raised:
        logger.warning("raised %d security alerts: %s", len(raised), ", ".join(sorted({alert.rule for alert in raised})))
    notify_pending()
    send_sign_in_notices()


@db_periodic_task(crontab(minute="17", hour="2", day="1"))
def scan_for_card_numbers() -> None:
    """Monthly: read every stored text for payment card numbers; a finding becomes a security alert (L3, ADR 0071)."""
    from bastion.kernel.cardnumbers_scan import scan

    report = scan()
    if report.findings:
        logger.warning("the card-number scan found %d stored card numbers", len(report.findings))


@db_periodic_task(crontab(minute="7", hour="4"))
def audit_configuration() -> None:
    """Daily: run the configuration audit and record it; a failed check becomes a security alert (S7, ADR 0072)."""
    from bastion.kernel.configaudit.checks import FAIL
    from bastion.kernel.configaudit.run import audit

    failed = [result.check.code for result in audit() if result.status == FAIL]
    if failed:
        logger.warning("the configuration audit failed: %s", ", ".join(failed))
