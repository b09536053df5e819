"""Every read of products and orders, always starting from ``objects.visible_to(user)``.

Lifetime value (ADR 0040): the sum, in the base currency, of a customer's *visible* orders that
were paid or shipped. A refunded order was paid and given back, so it counts for nothing (its
sum is reported beside the value); drafts, confirmed and cancelled orders are not revenue.
Sums add integer hundredths of the base currency, exact on both databases.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum

from bastion.commerce.models import Order, OrderLine, OrderStatus, Product
from bastion.directory.names import query_key
from bastion.directory.selectors import linked_to, prefix_match
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.selectors import EventFilters, filtered_events
from bastion.kernel.pagination import Page, PageRequest, paginate
from bastion.sales.money import from_cents

PRODUCT_ORDERINGS = {"name": "name_key", "price": "unit_price", "updated": "updated_at"}
DEFAULT_PRODUCT_ORDERING = "name"
ORDER_ORDERINGS = {"ordered": "ordered_at", "total": "total_base_cents", "updated": "updated_at"}
DEFAULT_ORDER_ORDERING = "-ordered"
REVENUE = (OrderStatus.PAID, OrderStatus.SHIPPED)


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    active: bool | None = None


@dataclass(frozen=True)
class OrderFilters:
    q: str = ""
    status: str = ""
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    owner_id: int | None = None


@dataclass(frozen=True)
class OrderTotals:
    count: int = 0
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class LifetimeValue:
    """Paid and shipped orders (the value), refunded ones beside it, all in the base currency."""

    value: Decimal = Decimal("0.00")
    orders: int = 0
    refunded: Decimal = Decimal("0.00")


# --- products -----------------------------------------------------------------------------


def product_queryset(user: Any) -> QuerySet[Product, Product]:
    return Product.objects.visible_to(user)


def product_list(user: Any, filters: ProductFilters) -> QuerySet[Product, Product]:
    queryset = product_queryset(user)
    key = query_key(filters.q)
    if key:
        queryset = queryset.filter(prefix_match("name_key", key) | Q(sku__iexact=filters.q.strip()))
    if filters.active is not None:
        queryset = queryset.filter(is_active=filters.active)
    return queryset


def product_page(user: Any, filters: ProductFilters, page: PageRequest) -> Page[Product]:
    return paginate(product_list(user, filters), page)


def active_products(user: Any) -> list[Product]:
    """The products a new order line may name, by name (for the order form)."""
    return list(product_queryset(user).filter(is_active=True).order_by("name_key", "id")[:500])


def product_in_use(user: Any, product: Product) -> bool:
    """Whether any order or deal line names the product (then it can only be deactivated)."""
    return bool(products_in_use(user, [product.pk]))


def products_in_use(user: Any, product_ids: Collection[Any]) -> set[Any]:
    """Which of these products (those the user may see) an order or deal line names: they can only be deactivated."""
    visible = product_queryset(user).filter(pk__in=product_ids)
    return set(visible.filter(Q(lines__isnull=False) | Q(deal_lines__isnull=False)).values_list("pk", flat=True).distinct())


# --- orders -------------------------------------------------------------------------------


def order_queryset(user: Any) -> QuerySet[Order, Order]:
    return Order.objects.visible_to(user)


def _matching(user: Any, filters: OrderFilters) -> QuerySet[Order, Order]:
    queryset = order_queryset(user)
    text = filters.q.strip().upper()
    if text:
        queryset = queryset.filter(number__icontains=text)
    if filters.status in OrderStatus.values:
        queryset = queryset.filter(status=filters.status)
    if filters.contact_id is not None:
        queryset = queryset.filter(contact_id=filters.contact_id)
    if filters.company_id is not None:
        queryset = queryset.filter(company_id=filters.company_id)
    if filters.owner_id is not None:
        queryset = queryset.filter(owner_id=filters.owner_id)
    return queryset


def order_list(user: Any, filters: OrderFilters) -> QuerySet[Order, Order]:
    return _matching(user, filters).select_related("contact", "company", "owner")


def order_page(user: Any, filters: OrderFilters, page: PageRequest) -> Page[Order]:
    """One keyset page of :func:`order_list` (raises PaginationError for a bad cursor)."""
    return paginate(order_list(user, filters), page)


def order_totals(user: Any, filters: OrderFilters) -> OrderTotals:
    """How many orders match and their sum in the base currency."""
    row = _matching(user, filters).order_by().aggregate(count=Count("id"), amount=Sum("total_base_cents"))
    return OrderTotals(row["count"] or 0, from_cents(row["amount"]))


def order_count(user: Any, *, company_ids: Collection[Any] = (), contact_ids: Collection[Any] = ()) -> int:
    """How many orders of these companies or contacts the user may see (told before deleting them)."""
    linked = linked_to(company_ids=company_ids, contact_ids=contact_ids)
    return order_queryset(user).filter(linked).order_by().count() if linked is not None else 0


def lines_of(user: Any, order: Order) -> list[OrderLine]:
    """The (visible) order's lines, in order."""
    return list(OrderLine.objects.visible_to(user).filter(order=order).select_related("product").order_by("position"))


def lifetime_value(user: Any, *, contact_id: Any = None, company_id: Any = None) -> LifetimeValue:
    """The customer's lifetime value from the orders ``user`` can see (module docstring)."""
    orders = _matching(user, OrderFilters(contact_id=contact_id, company_id=company_id)).order_by()
    row = orders.aggregate(
        value=Sum("total_base_cents", filter=Q(status__in=REVENUE)),
        orders=Count("id", filter=Q(status__in=REVENUE)),
        refunded=Sum("total_base_cents", filter=Q(status=OrderStatus.REFUNDED)),
    )
    return LifetimeValue(from_cents(row["value"]), row["orders"] or 0, from_cents(row["refunded"]))


def purchase_history(user: Any, *, contact_id: Any = None, company_id: Any = None, limit: int = 20) -> list[Order]:
    """The customer's most recent visible orders (for their pages)."""
    filters = OrderFilters(contact_id=contact_id, company_id=company_id)
    return list(order_list(user, filters).order_by("-ordered_at", "-id")[:limit])


def has_q(filters: OrderFilters) -> bool:
    return filters != OrderFilters()


def order_for_deal(user: Any, deal_id: Any) -> Order | None:
    """The order a won deal became (ADR 0044), if ``user`` may see it."""
    return order_queryset(user).filter(deal_id=deal_id).only("id", "number", "status").first()


@dataclass(frozen=True)
class StatusChange:
    """A status the order entered: when, who moved it there, and whether this is the order's creation.

    ``by`` is the colleague; ``by_name`` their name, or the username the event kept for an account
    that no longer exists; both None for the console or a scheduled job.
    """

    status: str
    at: dt.datetime
    by: Any
    by_name: str | None = None
    created: bool = False

    @property
    def label(self) -> str:
        return str(OrderStatus(self.status).label) if self.status in OrderStatus.values else self.status


STATUS_HISTORY_LIMIT = 50


def status_history(user: Any, order: Order) -> list[StatusChange]:
    """Every status the (visible) order entered, oldest first, with who moved it.

    Read from the order's own audit events (``record.created`` and ``record.updated`` that changed
    ``status``): the trail that already proves who did what is the history, so the two cannot disagree.
    The latest ``STATUS_HISTORY_LIMIT``; events past the audit retention are in its signed archives,
    so the first entry of an old order may not be its creation (the page says so).
    """
    if not order_queryset(user).filter(pk=order.pk).exists():
        return []
    kinds = [EventKind.RECORD_CREATED, EventKind.RECORD_UPDATED]
    events = filtered_events(EventFilters(target_type="commerce.order", target_id=str(order.pk))).filter(
        kind__in=kinds, outcome=Outcome.SUCCESS, changes__has_key="status"
    )
    moves = list(events.only("timestamp", "kind", "actor_id", "actor_snapshot", "changes")[:STATUS_HISTORY_LIMIT])
    people = get_user_model().objects.in_bulk({event.actor_id for event in moves if event.actor_id is not None})
    return [_status_change(event, people.get(event.actor_id)) for event in reversed(moves)]


def _status_change(event: Any, user: Any) -> StatusChange:
    name: str | None = None
    if user is not None:
        name = str(user.get_full_name() or user.username)
    elif event.actor_id is not None:
        name = (event.actor_snapshot or {}).get("username")
    created = event.kind == EventKind.RECORD_CREATED
    return StatusChange(event.changes["status"]["new"], event.timestamp, user, by_name=name, created=created)


@dataclass(frozen=True)
class ProductSales:
    """Where a product is sold, among what the user can see: its latest order lines and its open deals."""

    order_lines: list[OrderLine]
    deal_lines: list[Any]  # sales.models.DealLine


PRODUCT_SALES_LIMIT = 10


def product_sales(user: Any, product: Product, limit: int = PRODUCT_SALES_LIMIT) -> ProductSales:
    """The latest visible order lines naming ``product`` and the lines of visible open deals that hold it."""
    from bastion.sales.models import DealLine, StageKind

    orders = (
        OrderLine.objects.visible_to(user).filter(product=product).select_related("order", "order__contact", "order__company")
    )
    deals = DealLine.objects.visible_to(user).filter(product=product, deal__stage__kind=StageKind.OPEN)
    return ProductSales(
        list(orders.order_by("-order__ordered_at", "-order_id")[:limit]),
        list(deals.select_related("deal", "deal__stage", "deal__company").order_by("deal__close_sort", "deal_id")[:limit]),
    )
