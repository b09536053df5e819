"""Fetch one product or order as a user: the only way views, the API and actions get one.

A record that does not exist and one the user may not see (or change, with ``for_write``)
raise the same ``Http404`` with the same message, so the answer never tells whether an id exists.

Who may do what (ADR 0040): the catalogue is the organisation's vocabulary, read by every role
that reads customer records and changed by administrators only (like the sales set-up). Orders
are owned records like deals; taking and changing them is the work of the selling and serving
roles (``ORDER_ROLES``): marketing roles, which otherwise change customer records, read orders
but do not take them.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from bastion.commerce.models import Order, Product
from bastion.directory.access import parse_uuid
from bastion.kernel.access.roles import Role, role_of
from bastion.kernel.access.scoping import can_change_customer_records, record_by_id
from bastion.sales.access import can_configure_sales

ORDER_ROLES = frozenset({Role.ADMINISTRATOR, Role.SALES_MANAGER, Role.SALES_REP, Role.SERVICE_MANAGER, Role.SERVICE_AGENT})


def can_manage_catalogue(user: Any) -> bool:
    """Products are set up by administrators, like pipelines and exchange rates."""
    return can_configure_sales(user)


def can_take_orders(user: Any) -> bool:
    """Whether the user's role may create, change and delete orders (those their record rights allow)."""
    return can_change_customer_records(user) and role_of(user) in ORDER_ROLES


def access_product_by_id(user: Any, product_id: Any, *, lock: bool = False) -> Product:
    pk = parse_uuid(product_id)
    queryset = Product.objects.visible_to(user)
    if lock:
        queryset = queryset.select_for_update()
    product = queryset.filter(pk=pk).first() if pk else None
    if product is None:
        raise Http404(_("No such product, or you do not have access to it."))
    return product


def access_order_by_id(user: Any, order_id: Any, *, for_write: bool = False, lock: bool = False) -> Order:
    """The order ``order_id`` if ``user`` may see it (and change it, with ``for_write``); else 404."""
    related = ("company", "contact", "owner", "team", "created_by", "updated_by")
    return record_by_id(
        Order,
        user,
        order_id,
        missing=_("No such order, or you do not have access to it."),
        for_write=for_write,
        lock=lock,
        related=related,
    )
