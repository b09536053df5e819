"""Access primitives: roles, the scoped queryset every CRM model uses, and the not-found rule.

Rule 2 of DESIGN.md: every read goes through ``Model.objects.visible_to(user)`` or an
``access_*`` function built on it. Rule 3: deny by default; a user without a role, an
inactive user or an anonymous request sees nothing.
"""

from bastion.kernel.access.roles import CUSTOMER_DATA_ROLES, Role, role_of
from bastion.kernel.access.scoping import ScopedManager, ScopedQuerySet, can_see_customer_records

__all__ = ["CUSTOMER_DATA_ROLES", "Role", "ScopedManager", "ScopedQuerySet", "can_see_customer_records", "role_of"]
