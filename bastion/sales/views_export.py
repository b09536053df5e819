"""CSV export of the activity, deal and lead lists, from the list pages and the API: the same checks, in the
same order, as the company and contact exports (bastion.directory.views_export): a role that reads
customer records, a fresh second factor, the list's filters (a lead search by a field the role may
not see is refused), the export and search limits, then the audited, masked, streamed CSV."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from bastion.accounts.stepup import stepup_required
from bastion.directory.forms import valid_filters
from bastion.directory.views import reader_required, refused_search
from bastion.directory.views_export import EXPORT_RESPONSES, ExportView, _kinds, export_list
from bastion.sales import export, selectors, selectors_activities, selectors_leads
from bastion.sales.api import _filters as deal_api_filters
from bastion.sales.api_activities import ActivityFilterSerializer, activity_api_filters, check_records
from bastion.sales.api_leads import LeadFilterSerializer
from bastion.sales.api_serializers import DealFilterSerializer
from bastion.sales.views_activities import activity_filter_form, activity_filters
from bastion.sales.views_deals import _filter_form as deal_filter_form
from bastion.sales.views_deals import _filters as deal_filters
from bastion.sales.views_leads import lead_filters


@reader_required
@stepup_required
@require_GET
def deal_export(request: HttpRequest) -> HttpResponseBase:
    filters = deal_filters(valid_filters(deal_filter_form(request, request.GET)))
    return export_list(
        request, filters, build=export.deal_export, orderings=selectors.DEAL_ORDERINGS,
        default_ordering=selectors.DEFAULT_DEAL_ORDERING, nav="deals", list_url="sales:deal-list", kinds=_kinds(filters.q),
    )  # fmt: skip


@reader_required
@stepup_required
@require_GET
def lead_export(request: HttpRequest) -> HttpResponseBase:
    filters = lead_filters(request)
    refused = refused_search(request, filters.q, nav="leads", back=reverse("sales:lead-list"))
    if refused is not None:
        return refused
    return export_list(
        request, filters, build=export.lead_export, orderings=selectors_leads.LEAD_ORDERINGS,
        default_ordering=selectors_leads.DEFAULT_LEAD_ORDERING, nav="leads", list_url="sales:lead-list", kinds=_kinds(filters.q),
    )  # fmt: skip


@reader_required
@stepup_required
@require_GET
def activity_export(request: HttpRequest) -> HttpResponseBase:
    filters = activity_filters(activity_filter_form(request.GET), request.user)
    return export_list(
        request, filters, build=export.activity_export, orderings=selectors_activities.ACTIVITY_ORDERINGS,
        default_ordering=selectors_activities.DEFAULT_ACTIVITY_ORDERING, nav="my-day", list_url="sales:activity-list",
        kinds=_kinds(filters.q),
    )  # fmt: skip


class ActivityExportView(ExportView):
    token_resource = "activity"  # noqa: S105 - the API-token scope resource, not a secret
    filter_serializer = ActivityFilterSerializer
    orderings = selectors_activities.ACTIVITY_ORDERINGS
    default_ordering = selectors_activities.DEFAULT_ACTIVITY_ORDERING
    build = staticmethod(export.activity_export)

    def filters(self, values: dict[str, Any]) -> Any:
        check_records(self.request.user, values)  # a record filter names a record the user can see, as the list asks
        return activity_api_filters(values)

    @extend_schema(summary="Export activities as CSV", parameters=[ActivityFilterSerializer], responses=EXPORT_RESPONSES)
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class DealExportView(ExportView):
    token_resource = "deal"  # noqa: S105 - the API-token scope resource, not a secret
    filter_serializer = DealFilterSerializer
    orderings = selectors.DEAL_ORDERINGS
    default_ordering = selectors.DEFAULT_DEAL_ORDERING
    build = staticmethod(export.deal_export)

    def filters(self, values: dict[str, Any]) -> Any:
        return deal_api_filters(values)

    @extend_schema(summary="Export deals as CSV", parameters=[DealFilterSerializer], responses=EXPORT_RESPONSES)
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class LeadExportView(ExportView):
    token_resource = "lead"  # noqa: S105 - the API-token scope resource, not a secret
    filter_serializer = LeadFilterSerializer
    searches_contacts = True  # a lead's email and phone are restricted like a contact's
    orderings = selectors_leads.LEAD_ORDERINGS
    default_ordering = selectors_leads.DEFAULT_LEAD_ORDERING
    build = staticmethod(export.lead_export)

    def filters(self, values: dict[str, Any]) -> Any:
        return selectors_leads.LeadFilters(
            q=values.get("q", ""), status=values.get("status", ""), source=values.get("source", ""), owner_id=values.get("owner")
        )

    @extend_schema(summary="Export leads as CSV", parameters=[LeadFilterSerializer], responses=EXPORT_RESPONSES)
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)
