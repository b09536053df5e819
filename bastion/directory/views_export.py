"""CSV export of the company and contact lists, from the list pages and the API.

Each export: a role that reads customer records, a fresh second factor (step-up), the search
and export rate limits, the list's own filters and search (a search by a field the role may
not see is refused), then the ``export`` audit event and the streamed, masked CSV
(bastion.directory.export).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from bastion.accounts import limits
from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.accounts.stepup import StepUpRequired, stepup_required
from bastion.directory import export, fieldsecurity, selectors
from bastion.directory.api_serializers import ApiErrorSerializer, CompanyFilterSerializer, ContactFilterSerializer
from bastion.directory.forms import CompanyFilterForm, ContactFilterForm, valid_filters
from bastion.directory.views import bad_page_request, reader_required, refused_search
from bastion.directory.views_companies import _filters as company_filters
from bastion.directory.views_contacts import _filters as contact_filters
from bastion.kernel.access.masking import FieldNotVisible
from bastion.kernel.access.scoping import can_see_customer_records
from bastion.kernel.api import IsOrganisationStaff
from bastion.kernel.pagination import PaginationError, api_error, parse_ordering


def _stream(request: HttpRequest, spec: export.Export) -> HttpResponseBase:
    export.record_export(request.user, spec, request=request)
    response = StreamingHttpResponse(export.rows(request.user, spec), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(spec.object_type)}"'
    response["Cache-Control"] = "no-store"
    return response


def _limited(request: HttpRequest, *kinds: str) -> HttpResponse | None:
    for kind in kinds:
        hit = limits.check_request(request, kind)
        if hit is not None:
            return render(request, "directory/rate_limited.html", {"message": limits.refusal_message(hit)}, status=429)
    return None


def _kinds(query: str) -> tuple[str, ...]:
    return ("export", "search") if query else ("export",)


def export_list(
    request: HttpRequest,
    filters: Any,
    *,
    build: Callable[..., export.Export],
    orderings: dict[str, str],
    default_ordering: str,
    nav: str,
    list_url: str,
    kinds: tuple[str, ...] = ("export",),
) -> HttpResponseBase:
    """What every list's web export does after reading its filters: the ordering (a clear 400 naming a
    bad one), the rate limits of ``kinds``, then the audited, masked, streamed CSV from ``build``."""
    try:
        ordering = parse_ordering(request.GET.get("ordering"), orderings, default_ordering)
    except PaginationError as error:
        return bad_page_request(request, error, nav=nav, back=reverse(list_url))
    return _limited(request, *kinds) or _stream(request, build(request.user, filters, ordering))


@reader_required
@stepup_required
@require_GET
def company_export(request: HttpRequest) -> HttpResponseBase:
    filters = company_filters(valid_filters(CompanyFilterForm(request.GET, owners=selectors.assignable_owners())))
    refused = refused_search(request, filters.q, nav="companies", back=reverse("directory:company-list"), contacts=False)
    if refused is not None:
        return refused
    return export_list(
        request, filters, build=export.company_export, orderings=selectors.COMPANY_ORDERINGS,
        default_ordering=selectors.DEFAULT_COMPANY_ORDERING, nav="companies", list_url="directory:company-list",
    )  # fmt: skip


@reader_required
@stepup_required
@require_GET
def contact_export(request: HttpRequest) -> HttpResponseBase:
    form = ContactFilterForm(request.GET, owners=selectors.assignable_owners(), tags=selectors.tags_in_use(request.user))
    filters = contact_filters(valid_filters(form))
    refused = refused_search(request, filters.q, nav="contacts", back=reverse("directory:contact-list"))
    if refused is not None:
        return refused
    return export_list(
        request, filters, build=export.contact_export, orderings=selectors.CONTACT_ORDERINGS,
        default_ordering=selectors.DEFAULT_CONTACT_ORDERING, nav="contacts", list_url="directory:contact-list",
    )  # fmt: skip


# --- API ---------------------------------------------------------------------------------------


class ReadsCustomerRecords(BasePermission):
    message = "Your role does not allow this on customer records."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_see_customer_records(request.user)


class RateLimited(APIException):
    status_code = 429
    default_code = "rate_limited"


EXPORT_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file, masked for your role."),
    400: OpenApiResponse(ApiErrorSerializer, description="A bad filter, or a search by a field your role may not see."),
    403: OpenApiResponse(
        ApiErrorSerializer,
        description="Your role may not read customer records; or no second factor in the last 5 minutes "
        "(`step_up_required`); or an API token (`step_up_unavailable`: tokens cannot export).",
    ),
    429: OpenApiResponse(ApiErrorSerializer, description="Too many exports or searches; `detail` says when to retry."),
}


class ExportView(APIView):
    """Base of the two export endpoints: a session with a fresh second factor; tokens are refused."""

    permission_classes = [IsOrganisationStaff, ReadsCustomerRecords, StepUpRequired, TokenAndNetworkPolicy]
    filter_serializer: Any = None
    searches_contacts = False
    orderings: dict[str, str] = {}
    default_ordering = ""
    build: Callable[..., export.Export]

    def filters(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError  # pragma: no cover - each endpoint defines it

    def get(self, request: Request) -> HttpResponseBase:
        serializer = self.filter_serializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        filters = self.filters(dict(serializer.validated_data))
        if self.searches_contacts:
            try:
                fieldsecurity.check_contact_search(request.user, filters.q)
            except FieldNotVisible as exc:
                raise ValidationError({exc.param: [fieldsecurity.refusal_message(exc)]}) from exc
        try:
            ordering = parse_ordering(request.query_params.get("ordering"), self.orderings, self.default_ordering)
        except PaginationError as exc:
            raise api_error(exc) from exc
        for kind in _kinds(getattr(filters, "q", "")):
            hit = limits.check_request(request._request, kind, request.user)
            if hit is not None:
                raise RateLimited(limits.refusal_message(hit))
        return _stream(request._request, type(self).build(request.user, filters, ordering))


class CompanyExportView(ExportView):
    token_resource = "company"  # noqa: S105 - the API-token scope resource, not a secret
    filter_serializer = CompanyFilterSerializer
    orderings = selectors.COMPANY_ORDERINGS
    default_ordering = selectors.DEFAULT_COMPANY_ORDERING
    build = staticmethod(export.company_export)

    def filters(self, values: dict[str, Any]) -> Any:
        return selectors.CompanyFilters(
            q=values.get("q", ""), industry=values.get("industry", ""), size=values.get("size", ""), owner_id=values.get("owner")
        )

    @extend_schema(summary="Export companies as CSV", parameters=[CompanyFilterSerializer], responses=EXPORT_RESPONSES)
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)


class ContactExportView(ExportView):
    token_resource = "contact"  # noqa: S105 - the API-token scope resource, not a secret
    filter_serializer = ContactFilterSerializer
    searches_contacts = True
    orderings = selectors.CONTACT_ORDERINGS
    default_ordering = selectors.DEFAULT_CONTACT_ORDERING
    build = staticmethod(export.contact_export)

    def filters(self, values: dict[str, Any]) -> Any:
        return selectors.ContactFilters(
            q=values.get("q", ""),
            company_id=values.get("company"),
            owner_id=values.get("owner"),
            tag=values.get("tag", ""),
            preferred_language=values.get("preferred_language", ""),
        )

    @extend_schema(summary="Export contacts as CSV", parameters=[ContactFilterSerializer], responses=EXPORT_RESPONSES)
    def get(self, request: Request) -> HttpResponseBase:
        return super().get(request)
