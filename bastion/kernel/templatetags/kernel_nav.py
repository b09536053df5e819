"""``{% if user|can_see_records %}`` and friends: which entries of the main menu a user is shown.

Each filter is the very predicate the target view checks (``reader_required``,
``writer_required``, ``auditor_required``, the staff pages), so the menu never offers a page
that would answer 403.
"""

from __future__ import annotations

from typing import Any

from django import template

from bastion.accounts import staff
from bastion.accounts.selectors import sign_in_unfinished
from bastion.kernel.access import scoping
from bastion.kernel.access.roles import policy_of
from bastion.kernel.access.scoping import can_change_customer_records, can_see_customer_records
from bastion.kernel.audit.views import can_read_audit_trail

register = template.Library()


@register.filter
def can_see_records(user: Any) -> bool:
    """Customer-record pages (companies, contacts, leads, deals, products, orders, search, my day)."""
    return can_see_customer_records(user)


@register.filter
def can_change_records(user: Any) -> bool:
    """Pages and buttons that create or change customer records (add a task, import)."""
    return can_change_customer_records(user)


@register.filter
def sees_all_records(user: Any) -> bool:
    """The role sees every customer record whatever its owner or shares (administrators)."""
    policy = policy_of(user)
    return policy is not None and policy.all_records


@register.filter
def can_see_dashboards(user: Any) -> bool:
    """The dashboard's organisation-wide figures (roles whose policy has ``dashboards``)."""
    return scoping.can_see_dashboards(user)


@register.filter
def can_read_audit(user: Any) -> bool:
    return can_read_audit_trail(user)


@register.filter
def open_security_alerts(user: Any) -> int:
    """How many security alerts are open, for the menu of those who read the audit trail (0 for anyone else)."""
    if not can_read_audit_trail(user):
        return 0
    from bastion.kernel.alerts.selectors import open_alert_count

    return open_alert_count()


@register.filter
def can_manage_staff(user: Any) -> bool:
    return staff.can_manage_staff(user)


@register.filter
def can_review_access(user: Any) -> bool:
    return staff.can_review_access(user)


@register.filter
def is_finishing_sign_in(user: Any) -> bool:
    """Still at the set-up the sign-in policy requires (second factor, own password): no main menu,
    since every entry would only send the user back to set-up (bastion.accounts.middleware)."""
    return sign_in_unfinished(user)
