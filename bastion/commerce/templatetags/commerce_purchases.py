"""``{% purchase_history contact=contact %}``: the orders and lifetime value of a contact or company.

An inclusion tag so that the directory's pages can show purchases without their views knowing
about commerce; it reads through the scoped selectors with the signed-in user.
"""

from __future__ import annotations

from typing import Any

from django import template

from bastion.commerce.access import can_take_orders
from bastion.commerce.selectors import lifetime_value
from bastion.commerce.selectors import purchase_history as history_of
from bastion.sales.money import base_currency

register = template.Library()


@register.inclusion_tag("commerce/orders/_purchase_history.html", takes_context=True)
def purchase_history(context: Any, **record: Any) -> dict[str, Any]:
    request = context["request"]
    ((name, value),) = record.items()
    # The directory's pages hold masked records (bastion.kernel.access.masking): look up by id.
    customer = {f"{name}_id": value.pk}
    return {
        "orders": history_of(request.user, **customer),
        "value": lifetime_value(request.user, **customer),
        "base_currency": base_currency(),
        "link_name": name,
        "link_id": value.pk,
        "can_edit": can_take_orders(request.user),
    }
