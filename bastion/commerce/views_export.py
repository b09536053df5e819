"""CSV export of the order list and the product catalogue, from the list pages and the API: the same
checks, in the same order, as the other list exports (bastion.directory.views_export,
bastion.sales.views_export): a role that reads customer records (orders and the catalogue are read
with them), a fresh second factor, the list's own filters and sort order (an unknown sort order is
a 400 naming it; through the API a bad filter too, and a contact or company filter the user may not
see is the list's 404), the export and search limits, then the audited, masked, streamed CSV."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from bastion.accounts.stepup import stepup_required
from bastion.commerce import export, selectors
from bastion.commerce.api import order_filters as order_api_filters
from bastion.commerce.api import product_filters as product_api_filters
from bastion.commerce.api_serializers import OrderFilterSerializer, ProductFilterSerializer
from bastion.commerce.forms import OrderFilterForm, ProductFilterForm
from bastion.commerce.views_orders import order_filters
from bastion.commerce.views_products import product_filters
from bastion.directory.api import NOT_FOUND
from bastion.directory.views import reader_required
from bastion.directory.views_export import EXPORT_RESPONSES, ExportView, _kinds, export_list


@reader_required
@stepup_required
@require_GET
def order_export(request: HttpRequest) -> HttpResponseBase:
    filters = order_filters(OrderFilterForm(request.GET))
    return export_list(
        request, filters, build=export.order_export, orderings=selectors.ORDER_ORDERINGS,
        default_ordering=selectors.DEFAULT_ORDER_ORDERING, nav="orders", list_url="commerce:order-list", kinds=_kinds(filters.q),
    )  # fmt: skip


@reader_required
@stepup_required
@require_GET
def product_export(request: HttpRequest) -> HttpResponseBase:
    filters = product_filters(ProductFilterForm(request.GET))
    return export_list(
        request, filters, build=export.product_export, orderings=selectors.PRODUCT_ORDERINGS,
        default_ordering=selectors.DEFAULT_PRODUCT_ORDERING, nav="products", list_url="commerce:product-list",
        kinds=_kinds(filters.q),
    )  # fmt: skip


class OrderExportView(ExportView):
    token_resource = "order"  # noqa: S105 - the API-token scope resource, not a secret
    filter_serializer = OrderFilterSerializer
    orderings = selectors.ORDER_ORDERINGS
    default_ordering = selectors.DEFAULT_ORDER_ORDERING
    build = staticmethod(export.order_export)

    def filters(self, values: dict[str, Any]) -> Any:
        return order_api_filters(self.request, values)

    @extend_schema(
        summary="Export orders as CSV (a contact or company filter names one you can see, else 404)",
        parameters=[OrderFilterSerializer],
        responses={**EXPORT_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class ProductExportView(ExportView):
    token_resource = "product"  # noqa: S105 - the API-token scope resource, not a secret
    filter_serializer = ProductFilterSerializer
    orderings = selectors.PRODUCT_ORDERINGS
    default_ordering = selectors.DEFAULT_PRODUCT_ORDERING
    build = staticmethod(export.product_export)

    def filters(self, values: dict[str, Any]) -> Any:
        return product_api_filters(values)

    @extend_schema(
        summary="Export the product catalogue as CSV", parameters=[ProductFilterSerializer], responses=EXPORT_RESPONSES
    )
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)
