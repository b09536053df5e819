"""Changes to security alerts: closing one, with a note saying what was found or done."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.kernel import cardnumbers
from bastion.kernel.alerts.models import SecurityAlert
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event

NOTE_LIMIT = 2000


class AlertError(ValueError):
    """An alert change that cannot be made; the message says why, for the officer."""


def close_alert(actor: Any, alert_id: Any, note: str, *, request: Any = None) -> SecurityAlert:
    """Close an open alert with ``note`` (what was checked, what was done); audited as ``security.alert_closed``.

    The caller has checked that ``actor`` may read the audit trail (security officer, administrator).
    """
    text = (note or "").strip()
    if not text:
        raise AlertError(_("Say what you checked or did before closing the alert."))
    if len(text) > NOTE_LIMIT:
        raise AlertError(_("The note is too long: at most %(limit)s characters.") % {"limit": NOTE_LIMIT})
    card = cardnumbers.first_in(text)
    if card is not None:
        raise AlertError(cardnumbers.refusal(_("The note"), card))
    with transaction.atomic():
        alert = SecurityAlert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise AlertError(_("This alert does not exist."))
        if not alert.is_open:
            raise AlertError(_("This alert was already closed by %(name)s.") % {"name": alert.closed_by_name or "—"})
        alert.closed_at = timezone.now()
        alert.closed_by_id = actor.pk
        alert.closed_by_name = actor.get_username()
        alert.closing_note = text
        alert.save(update_fields=["closed_at", "closed_by_id", "closed_by_name", "closing_note"])
        target = Target("kernel.securityalert", str(alert.pk), {"rule": alert.rule})
        record_event(EventKind.SECURITY_ALERT_CLOSED, actor=actor, target=target, extra={"rule": alert.rule}, request=request)
    return alert


def record_alerts_read(actor: Any, *, filters: Any = None, alert: SecurityAlert | None = None) -> None:
    """Audit a read of the alerts (``audit.viewed``): a list with its set ``filters`` (``AlertFilters``), or one ``alert``.

    Alerts are read from the audit trail and name staff and addresses, so reading them is audited
    as reading the trail is, from the pages and the API alike.
    """
    extra = {"alert": str(alert.pk)} if alert is not None else {"alerts": {k: v for k, v in vars(filters).items() if v}}
    with transaction.atomic():
        record_event(EventKind.AUDIT_LOG_VIEWED, actor=actor, target=Target("kernel.securityalert"), extra=extra)
