"""CSV exports of the order list and the product catalogue, as the user sees them: the same machinery
as the directory's (bastion.directory.export: scoped and filtered by the list's own selectors, masked
for the role, streamed a keyset page at a time, formula cells defused, the ``export`` audit event
recorded before the first row)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bastion.commerce import selectors
from bastion.directory.export import Column, Export, _date, _filter_record, _owner
from bastion.kernel.pagination import Ordering
from bastion.sales.money import base_currency


def _base_total_label() -> str:
    """The header of the base-currency total, as the list's totals name it ("Total (USD)")."""
    return gettext("Total (%(base_currency)s)") % {"base_currency": base_currency()}


ORDER_COLUMNS: list[Column] = [
    (_("Id"), lambda r: r.pk),
    (_("Number"), lambda r: r.number),
    (_("Status"), lambda r: r.get_status_display()),
    (_("Ordered"), lambda r: _date(r.ordered_at)),
    (_("Contact"), lambda r: r.contact.display_name if r.contact else ""),
    (_("Company"), lambda r: r.company.name if r.company else ""),
    (_("Currency"), lambda r: r.currency),
    (_("Total"), lambda r: r.total),
    (lazy(_base_total_label, str)(), lambda r: r.total_base),
    (_("Owner"), _owner),
    (_("Team"), lambda r: r.team.name if r.team else ""),
    (_("Created"), lambda r: _date(r.created_at)),
    (_("Updated"), lambda r: _date(r.updated_at)),
]

PRODUCT_COLUMNS: list[Column] = [
    (_("Id"), lambda r: r.pk),
    (_("SKU"), lambda r: r.sku or ""),
    (_("Name"), lambda r: r.name),
    (_("Description"), lambda r: r.description),
    (_("Unit price"), lambda r: r.unit_price),
    (_("Currency"), lambda r: r.currency),
    (_("Status"), lambda r: _("Active") if r.is_active else _("Inactive")),
    (_("Created"), lambda r: _date(r.created_at)),
    (_("Updated"), lambda r: _date(r.updated_at)),
]


def order_export(user: Any, filters: selectors.OrderFilters, ordering: Ordering) -> Export:
    """The orders ``user`` can see (``Order.objects.visible_to``) that match the list's filters."""
    queryset = selectors.order_list(user, filters).select_related("team")
    return Export("commerce.order", queryset, ordering, ORDER_COLUMNS, _filter_record(asdict(filters)))


def product_export(user: Any, filters: selectors.ProductFilters, ordering: Ordering) -> Export:
    """The catalogue as the product list shows it, with its search and active filter."""
    queryset = selectors.product_list(user, filters)
    return Export("commerce.product", queryset, ordering, PRODUCT_COLUMNS, _filter_record(asdict(filters)))
