"""API routes of sales, included under /api/v1/ (route names ``api-deal-*``, ``api-pipeline-*`` ...)."""

from typing import Any

from django.urls import path

from bastion.sales.api import DealViewSet, ExchangeRateViewSet, PipelineViewSet, StageViewSet

LIST: dict[str, Any] = {"get": "list", "post": "create"}
DETAIL: dict[str, Any] = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("pipelines/", PipelineViewSet.as_view(LIST), name="api-pipeline-list"),
    path(
        "pipelines/<str:id>/",
        PipelineViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api-pipeline-detail",
    ),
    path("stages/", StageViewSet.as_view({"post": "create"}), name="api-stage-list"),
    path("stages/<str:id>/", StageViewSet.as_view({"patch": "partial_update", "delete": "destroy"}), name="api-stage-detail"),
    path("exchange-rates/", ExchangeRateViewSet.as_view({"get": "list"}), name="api-rate-list"),
    path(
        "exchange-rates/<str:currency>/",
        ExchangeRateViewSet.as_view({"put": "update", "delete": "destroy"}),
        name="api-rate-detail",
    ),
    path("deals/", DealViewSet.as_view(LIST), name="api-deal-list"),
    path("deals/totals/", DealViewSet.as_view({"get": "totals"}), name="api-deal-totals"),
    path("deals/<str:id>/", DealViewSet.as_view(DETAIL), name="api-deal-detail"),
    path("deals/<str:id>/move/", DealViewSet.as_view({"post": "move"}), name="api-deal-move"),
    path("deals/<str:id>/history/", DealViewSet.as_view({"get": "history"}), name="api-deal-history"),
]
