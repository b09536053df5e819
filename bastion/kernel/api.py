"""API plumbing shared by every domain: the default permission and error format."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from bastion.kernel.access import can_see_customer_records
from bastion.kernel.access.roles import role_of


class IsOrganisationStaff(BasePermission):
    """Deny by default: only signed-in members of the organisation with a role get in."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return role_of(request.user) is not None


class CanReadCustomerRecords(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return can_see_customer_records(request.user)
