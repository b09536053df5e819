"""The organisation's roles, defined in one place."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    SECURITY_OFFICER = "security_officer", _("Security officer")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SALES_REP = "sales_rep", _("Sales rep")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    SERVICE_AGENT = "service_agent", _("Service agent")
    MARKETING_MANAGER = "marketing_manager", _("Marketing manager")
    MARKETER = "marketer", _("Marketer")
    EXECUTIVE = "executive", _("Executive")
    READ_ONLY = "read_only", _("Read-only")


# Roles whose duty needs customer records. The security officer sees the audit trail and
# security settings, the executive sees aggregates: neither reads individual customers.
CUSTOMER_DATA_ROLES: frozenset[str] = frozenset(
    {
        Role.ADMINISTRATOR,
        Role.SALES_MANAGER,
        Role.SALES_REP,
        Role.SERVICE_MANAGER,
        Role.SERVICE_AGENT,
        Role.MARKETING_MANAGER,
        Role.MARKETER,
        Role.READ_ONLY,
    }
)
# Roles that may change customer records (read-only may not).
CUSTOMER_WRITE_ROLES: frozenset[str] = CUSTOMER_DATA_ROLES - {Role.READ_ONLY}


def role_of(user: Any) -> str | None:
    """The role of an active, signed-in user, or None (no role means no access)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    membership = getattr(user, "membership", None)
    if membership is None or not membership.is_active:
        return None
    return str(membership.role)
