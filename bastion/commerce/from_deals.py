"""A won deal becomes the customer's order (ADR 0044): its product lines, or one line for its amount.

Called by the deal actions, inside the transaction that moves the deal into a won stage, through
the order actions (so the order is validated, numbered, audited and re-checked like any other).
One order per deal (``Order.deal`` is unique): winning a reopened deal again makes no second one.
A deal with nothing to sell (no lines and no amount), with no contact or company the actor can
see, or won by someone whose role does not take orders, makes no order: winning it is never
blocked by the order. A line whose product has since been withdrawn keeps its description.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bastion.commerce import actions
from bastion.commerce.access import can_take_orders
from bastion.commerce.models import Order, OrderStatus
from bastion.directory import selectors as directory
from bastion.sales.models import Deal


def _lines_of(deal: Deal) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = [
        {"product": line.product_id if line.product and line.product.is_active else None,
         "description": line.description, "quantity": line.quantity, "unit_price": line.unit_price}
        for line in deal.lines.select_related("product").order_by("position")
    ]  # fmt: skip
    if not lines and deal.amount > Decimal(0):
        lines = [{"description": deal.name, "quantity": 1, "unit_price": deal.amount}]
    return lines


def order_for_won_deal(actor: Any, deal: Deal) -> Order | None:
    """The confirmed order for the won ``deal`` (the existing one if it already has one)."""
    existing = Order.objects.filter(deal=deal).first()
    if existing is not None:
        return existing
    lines = _lines_of(deal)
    contact = directory.contact_queryset(actor).filter(pk=deal.contact_id).exists() if deal.contact_id else False
    company = directory.company_queryset(actor).filter(pk=deal.company_id).exists() if deal.company_id else False
    if not lines or not (contact or company) or not can_take_orders(actor):
        return None
    owner = deal.owner_id if directory.assignable_owners().filter(pk=deal.owner_id).exists() else None
    data = {
        "contact": deal.contact_id if contact else None, "company": deal.company_id if company else None,
        "currency": deal.currency, "lines": lines, "owner": owner or actor, "team": deal.team_id,
    }  # fmt: skip
    order = actions.create_order(actor, data, deal=deal)
    return actions.change_order_status(actor, order.pk, OrderStatus.CONFIRMED)
