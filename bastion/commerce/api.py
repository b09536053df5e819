"""REST API for products and orders: thin viewsets over the selectors and actions.

Reading needs a role that reads customer records; changing orders a role that takes orders
(bastion.commerce.access.ORDER_ROLES); changing the catalogue an administrator (the actions
check it). Token scopes: ``product`` and ``order`` (bastion/accounts/scopes.py).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.commerce import actions, selectors
from bastion.commerce.access import access_order_by_id, access_product_by_id, can_take_orders
from bastion.commerce.api_serializers import (
    CustomerSerializer,
    LifetimeValueSerializer,
    OrderFilterSerializer,
    OrderInputSerializer,
    OrderSerializer,
    OrderSummarySerializer,
    ProductFilterSerializer,
    ProductInputSerializer,
    ProductSerializer,
    StatusChangeSerializer,
    StatusInputSerializer,
)
from bastion.directory import selectors as directory
from bastion.directory.api import DENIED, ERRORS, ID, NOT_FOUND, CustomerRecordsPermission, _act, _valid
from bastion.kernel.access.scoping import can_see_customer_records
from bastion.kernel.api import IsOrganisationStaff
from bastion.kernel.pagination import PaginationError, api_envelope, api_envelope_serializer, api_error, api_page_parameters
from bastion.kernel.pagination import api_page_request as page_request
from bastion.sales.money import base_currency


class OrdersPermission(BasePermission):
    """Reads need a role that sees customer records; writes one that takes orders."""

    message = "Your role does not allow this on orders."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return can_see_customer_records(request.user)
        return can_take_orders(request.user)


def product_filters(values: dict[str, Any]) -> selectors.ProductFilters:
    """The list's (and the export's) filters from validated ``ProductFilterSerializer`` values."""
    return selectors.ProductFilters(q=values.get("q", ""), active=values.get("active"))


@extend_schema_view(
    list=extend_schema(
        summary="List the product catalogue",
        parameters=[
            ProductFilterSerializer,
            *api_page_parameters(selectors.PRODUCT_ORDERINGS, selectors.DEFAULT_PRODUCT_ORDERING),
        ],
        responses={200: api_envelope_serializer(ProductSerializer), **ERRORS},
    ),
    retrieve=extend_schema(parameters=[ID], summary="Get a product", responses={200: ProductSerializer, **DENIED, **NOT_FOUND}),
    create=extend_schema(
        summary="Add a product (administrators)", request=ProductInputSerializer, responses={201: ProductSerializer, **ERRORS}
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change or deactivate a product (administrators)",
        request=ProductInputSerializer,
        responses={200: ProductSerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        parameters=[ID],
        summary="Delete a product that is on no order (administrators)",
        responses={204: None, **ERRORS, **NOT_FOUND},
    ),
)
class ProductViewSet(viewsets.GenericViewSet):
    """The product catalogue."""

    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, CustomerRecordsPermission]
    lookup_url_kwarg = "id"
    token_resource = "product"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors.product_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        filters = product_filters(_valid(ProductFilterSerializer, request.query_params))
        paging = page_request(request, orderings=selectors.PRODUCT_ORDERINGS, default_ordering=selectors.DEFAULT_PRODUCT_ORDERING)
        try:
            page = selectors.product_page(request.user, filters, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        return Response(api_envelope(request, page, ProductSerializer(page.items, many=True).data))

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(ProductSerializer(access_product_by_id(request.user, id)).data)

    def create(self, request: Request) -> Response:
        product = _act(actions.create_product, request.user, _valid(ProductInputSerializer, request.data))
        body = ProductSerializer(access_product_by_id(request.user, product.pk)).data
        headers = {"Location": reverse("api-product-detail", args=[product.pk])}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    def partial_update(self, request: Request, id: str) -> Response:
        product = access_product_by_id(request.user, id)
        _act(actions.update_product, request.user, product.pk, _valid(ProductInputSerializer, request.data, partial=True))
        return Response(ProductSerializer(access_product_by_id(request.user, product.pk)).data)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions.delete_product, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _customer(request: Request, values: dict[str, Any]) -> None:
    """A contact or company filter must name one the user can see (else the same 404 as a missing one)."""
    from django.http import Http404

    for name, queryset in (("contact", directory.contact_queryset), ("company", directory.company_queryset)):
        if values.get(name) and not queryset(request.user).filter(pk=values[name]).exists():
            raise Http404(f"No such {name}, or you do not have access to it.")


def order_filters(request: Request, values: dict[str, Any]) -> selectors.OrderFilters:
    """The list's (and the export's) filters from validated ``OrderFilterSerializer`` values."""
    _customer(request, values)
    return selectors.OrderFilters(
        q=values.get("q", ""), status=values.get("status", ""), contact_id=values.get("contact"),
        company_id=values.get("company"), owner_id=values.get("owner"),
    )  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List orders (filter by contact or company for a purchase history)",
        parameters=[OrderFilterSerializer, *api_page_parameters(selectors.ORDER_ORDERINGS, selectors.DEFAULT_ORDER_ORDERING)],
        responses={200: api_envelope_serializer(OrderSummarySerializer), **ERRORS},
    ),
    retrieve=extend_schema(
        parameters=[ID], summary="Get an order with its lines", responses={200: OrderSerializer, **DENIED, **NOT_FOUND}
    ),
    create=extend_schema(summary="Add a draft order", request=OrderInputSerializer, responses={201: OrderSerializer, **ERRORS}),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change an order (``lines`` replace all its lines; drafts and confirmed orders only)",
        request=OrderInputSerializer,
        responses={200: OrderSerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        parameters=[ID], summary="Delete a draft or cancelled order", responses={204: None, **ERRORS, **NOT_FOUND}
    ),
)
class OrderViewSet(viewsets.GenericViewSet):
    """Orders of contacts and companies."""

    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, OrdersPermission]
    lookup_url_kwarg = "id"
    token_resource = "order"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors.order_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        filters = order_filters(request, _valid(OrderFilterSerializer, request.query_params))
        paging = page_request(request, orderings=selectors.ORDER_ORDERINGS, default_ordering=selectors.DEFAULT_ORDER_ORDERING)
        try:
            page = selectors.order_page(request.user, filters, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        return Response(api_envelope(request, page, OrderSummarySerializer(page.items, many=True).data))

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(OrderSerializer(access_order_by_id(request.user, id)).data)

    def create(self, request: Request) -> Response:
        order = _act(actions.create_order, request.user, _valid(OrderInputSerializer, request.data))
        body = OrderSerializer(access_order_by_id(request.user, order.pk)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": reverse("api-order-detail", args=[order.pk])})

    def partial_update(self, request: Request, id: str) -> Response:
        order = access_order_by_id(request.user, id, for_write=True)
        _act(actions.update_order, request.user, order.pk, _valid(OrderInputSerializer, request.data, partial=True))
        return Response(OrderSerializer(access_order_by_id(request.user, order.pk)).data)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions.delete_order, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="orders_status",
        parameters=[ID],
        request=StatusInputSerializer,
        summary="Move an order to another status (draft → confirmed → paid → shipped; cancelled; refunded)",
        responses={200: OrderSerializer, **ERRORS, **NOT_FOUND},
    )
    def status(self, request: Request, id: str) -> Response:
        data = _valid(StatusInputSerializer, request.data)
        order = access_order_by_id(request.user, id, for_write=True)
        _act(actions.change_order_status, request.user, order.pk, data["status"])
        return Response(OrderSerializer(access_order_by_id(request.user, order.pk)).data)

    @extend_schema(
        operation_id="orders_status_history",
        parameters=[ID],
        summary="Every status the order entered, oldest first, with who moved it and when",
        responses={200: StatusChangeSerializer(many=True), **DENIED, **NOT_FOUND},
    )
    def history(self, request: Request, id: str) -> Response:
        order = access_order_by_id(request.user, id)
        return Response(StatusChangeSerializer(selectors.status_history(request.user, order), many=True).data)

    @extend_schema(
        operation_id="orders_lifetime_value",
        parameters=[CustomerSerializer],
        summary="A contact's or company's lifetime value: paid and shipped orders you can see, in the base currency",
        responses={200: LifetimeValueSerializer, **ERRORS, **NOT_FOUND},
    )
    def lifetime_value(self, request: Request) -> Response:
        values = _valid(CustomerSerializer, request.query_params)
        _customer(request, values)
        value = selectors.lifetime_value(request.user, contact_id=values.get("contact"), company_id=values.get("company"))
        body = {"value": value.value, "orders": value.orders, "refunded": value.refunded, "currency": base_currency()}
        return Response(LifetimeValueSerializer(body).data)
