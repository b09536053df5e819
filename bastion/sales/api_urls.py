"""API routes of sales, included under /api/v1/ (route names ``api-deal-*``, ``api-pipeline-*`` ...)."""

from typing import Any

from django.urls import path

from bastion.sales.api import DealViewSet, ExchangeRateViewSet, PipelineViewSet, StageViewSet
from bastion.sales.api_activities import ActivityViewSet
from bastion.sales.api_leads import LeadViewSet
from bastion.sales.api_lifecycle import ContactLifecycleViewSet, LeadLifecycleViewSet
from bastion.sales.api_setup import LeadRoutingViewSet, LifecyclePolicyViewSet, ScoringRuleViewSet, TerritoryRuleViewSet
from bastion.sales.views_export import ActivityExportView, DealExportView, LeadExportView
from bastion.sales.views_lead_reveal import LeadRevealView

LIST: dict[str, Any] = {"get": "list", "post": "create"}
LIFECYCLE: dict[str, Any] = {"get": "retrieve", "post": "create"}
DETAIL: dict[str, Any] = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
SETTING: dict[str, Any] = {"get": "retrieve", "put": "update"}

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
    # The lead set-up (api_setup.py): scoring rules, routing and territories, the lifecycle policy.
    path("scoring-rules/", ScoringRuleViewSet.as_view(LIST), name="api-scoring-rule-list"),
    path(
        "scoring-rules/<str:id>/",
        ScoringRuleViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api-scoring-rule-detail",
    ),
    path("lead-routing/", LeadRoutingViewSet.as_view(SETTING), name="api-lead-routing"),
    path("territory-rules/", TerritoryRuleViewSet.as_view(LIST), name="api-territory-rule-list"),
    path("territory-rules/<str:id>/", TerritoryRuleViewSet.as_view({"delete": "destroy"}), name="api-territory-rule-detail"),
    path("lifecycle-policy/", LifecyclePolicyViewSet.as_view(SETTING), name="api-lifecycle-policy"),
    path("leads/", LeadViewSet.as_view(LIST), name="api-lead-list"),
    path("leads/export/", LeadExportView.as_view(), name="api-lead-export"),
    path(
        "leads/<str:id>/",
        LeadViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api-lead-detail",
    ),
    path("leads/<str:id>/duplicates/", LeadViewSet.as_view({"get": "duplicates"}), name="api-lead-duplicates"),
    path("leads/<str:id>/convert/", LeadViewSet.as_view({"post": "convert"}), name="api-lead-convert"),
    path("leads/<str:id>/reveal/", LeadRevealView.as_view(), name="api-lead-reveal"),
    path("leads/<str:id>/lifecycle/", LeadLifecycleViewSet.as_view(LIFECYCLE), name="api-lead-lifecycle"),
    path("contacts/<str:id>/lifecycle/", ContactLifecycleViewSet.as_view(LIFECYCLE), name="api-contact-lifecycle"),
    path("activities/", ActivityViewSet.as_view(LIST), name="api-activity-list"),
    path("activities/calendar/", ActivityViewSet.as_view({"get": "calendar"}), name="api-activity-calendar"),
    path("activities/export/", ActivityExportView.as_view(), name="api-activity-export"),
    path(
        "activities/<str:id>/",
        ActivityViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api-activity-detail",
    ),
    path("deals/", DealViewSet.as_view(LIST), name="api-deal-list"),
    path("deals/totals/", DealViewSet.as_view({"get": "totals"}), name="api-deal-totals"),
    path("deals/export/", DealExportView.as_view(), name="api-deal-export"),
    path("deals/<str:id>/", DealViewSet.as_view(DETAIL), name="api-deal-detail"),
    path("deals/<str:id>/move/", DealViewSet.as_view({"post": "move"}), name="api-deal-move"),
    path("deals/<str:id>/history/", DealViewSet.as_view({"get": "history"}), name="api-deal-history"),
]
