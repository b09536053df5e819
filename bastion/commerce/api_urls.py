"""API routes of commerce, included under /api/v1/ (route names ``api-product-*``, ``api-order-*``).

The exports come before the ``<str:id>/`` routes, which would otherwise take ``export`` for an id.
"""

from typing import Any

from django.urls import path

from bastion.commerce.api import OrderViewSet, ProductViewSet
from bastion.commerce.views_export import OrderExportView, ProductExportView

LIST: dict[str, Any] = {"get": "list", "post": "create"}
DETAIL: dict[str, Any] = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("products/", ProductViewSet.as_view(LIST), name="api-product-list"),
    path("products/export/", ProductExportView.as_view(), name="api-product-export"),
    path("products/<str:id>/", ProductViewSet.as_view(DETAIL), name="api-product-detail"),
    path("orders/", OrderViewSet.as_view(LIST), name="api-order-list"),
    path("orders/export/", OrderExportView.as_view(), name="api-order-export"),
    path("orders/lifetime-value/", OrderViewSet.as_view({"get": "lifetime_value"}), name="api-order-lifetime-value"),
    path("orders/<str:id>/", OrderViewSet.as_view(DETAIL), name="api-order-detail"),
    path("orders/<str:id>/status/", OrderViewSet.as_view({"post": "status"}), name="api-order-status"),
    path("orders/<str:id>/history/", OrderViewSet.as_view({"get": "history"}), name="api-order-history"),
]
