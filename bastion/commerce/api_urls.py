"""API routes of commerce, included under /api/v1/ (route names ``api-product-*``, ``api-order-*``)."""

from typing import Any

from django.urls import path

from bastion.commerce.api import OrderViewSet, ProductViewSet

LIST: dict[str, Any] = {"get": "list", "post": "create"}
DETAIL: dict[str, Any] = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("products/", ProductViewSet.as_view(LIST), name="api-product-list"),
    path("products/<str:id>/", ProductViewSet.as_view(DETAIL), name="api-product-detail"),
    path("orders/", OrderViewSet.as_view(LIST), name="api-order-list"),
    path("orders/lifetime-value/", OrderViewSet.as_view({"get": "lifetime_value"}), name="api-order-lifetime-value"),
    path("orders/<str:id>/", OrderViewSet.as_view(DETAIL), name="api-order-detail"),
    path("orders/<str:id>/status/", OrderViewSet.as_view({"post": "status"}), name="api-order-status"),
]
