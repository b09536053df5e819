"""The order list's "Set the status": the orders ticked on the list moved to one status (confirmed,
paid, shipped, cancelled or refunded), each through ``actions.change_order_status`` (its lock, its
seller and record checks, the allowed transitions, its audit event and lifecycle follow-up).

An order already in that status is left as it was and not counted; one whose status may not move
there (a draft cannot be shipped; a cancelled order stays cancelled) and one the user may only read
are refused and reported with the reason, as on the other lists' actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bastion.commerce import actions
from bastion.commerce.models import Order, OrderStatus
from bastion.sales.handover import HandOver, set_each

KEY = "orders"


def set_status(actor: Any, pks: Iterable[Any], status: Any) -> HandOver:
    """Move the chosen orders (at most ``BATCH``) to ``status``. ``moved`` counts those that changed."""
    if status not in actions.REACHABLE:
        labels = ", ".join(str(OrderStatus(value).label) for value in actions.REACHABLE)
        raise ValidationError({"status": [_("Choose one of: %(choices)s.") % {"choices": labels}]})
    return set_each(KEY, pks, Order, "status", status, lambda pk: actions.change_order_status(actor, pk, status))
