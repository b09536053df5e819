"""The accounts' checks for the configuration audit (S7; kernel/configaudit, ADR 0072): who hears of
alerts, dormant accounts, and the six-monthly access review."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bastion.accounts import staff
from bastion.accounts.models import Membership
from bastion.kernel.access.roles import Role
from bastion.kernel.configaudit.checks import FAIL, PASS, WARN, Check, Outcome

ACCOUNTS = gettext_lazy("Staff accounts")


def security_officer() -> Outcome:
    officers = Membership.objects.filter(role=Role.SECURITY_OFFICER, is_active=True, user__is_active=True).count()
    if officers:
        message = ngettext(
            "%(count)d active security officer reads the audit trail and receives the alerts.",
            "%(count)d active security officers read the audit trail and receive the alerts.",
            officers,
        )
        return Outcome(PASS, message % {"count": officers})
    return Outcome(
        WARN,
        _(
            "No active security officer: security alerts go to the administrators, who also hold the keys. "
            "Give the duty to someone else."
        ),
    )


def dormant_accounts() -> Outcome:
    dormant = staff.inactive_members()
    if dormant:
        message = ngettext(
            "%(count)d active account has not been used for %(days)d days and should have been disabled by the daily job: "
            "check the worker.",
            "%(count)d active accounts have not been used for %(days)d days and should have been disabled by the daily job: "
            "check the worker.",
            len(dormant),
        )
        return Outcome(FAIL, message % {"count": len(dormant), "days": settings.ACCESS_INACTIVE_DAYS})
    return Outcome(PASS, _("No active account has gone unused for %(days)d days.") % {"days": settings.ACCESS_INACTIVE_DAYS})


def access_review() -> Outcome:
    now = timezone.now()
    due = staff.review_due_at(now)
    if due <= now:
        return Outcome(WARN, _("The access review is due: review who may do what and sign it off on the staff page."))
    return Outcome(
        PASS, _("The access review was signed off; the next is due on %(date)s.") % {"date": timezone.localdate(due).isoformat()}
    )


CHECKS = [
    Check("security_officer", ACCOUNTS, gettext_lazy("A security officer"), security_officer),
    Check("dormant_accounts", ACCOUNTS, gettext_lazy("Dormant accounts disabled"), dormant_accounts),
    Check("access_review", ACCOUNTS, gettext_lazy("Access review signed off"), access_review),
]
