"""``{% if user|can_import %}``: whether to show the Imports entry in the navigation (roles.POLICIES decides)."""

from __future__ import annotations

from typing import Any

from django import template

from bastion.kernel.access.scoping import can_change_customer_records

register = template.Library()


@register.filter
def can_import(user: Any) -> bool:
    return can_change_customer_records(user)
