"""REST API for leads: create (capture from another system), read, change, delete, possible
duplicates and conversion. Token scope ``lead``. Email, phone and message are restricted:
encrypted at rest, decrypted for the roles that read customer records.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.directory.api import DENIED, ERRORS, ID, NOT_FOUND, _act, _out, _searchable, _valid, _writable
from bastion.directory.api_serializers import MaskedSerializerMixin
from bastion.directory.models import Industry, Language
from bastion.kernel.pagination import PaginationError, api_envelope, api_envelope_serializer, api_error, api_page_parameters
from bastion.kernel.pagination import api_page_request as page_request
from bastion.sales import actions_leads, selectors_leads
from bastion.sales.access import access_lead_by_id
from bastion.sales.api import SalesViewSet
from bastion.sales.models import Lead, LeadSource, LeadStatus


class LeadSerializer(MaskedSerializerMixin, serializers.ModelSerializer[Lead]):
    """A lead as the requesting user may see it: restricted values masked unless the role sees them."""

    email = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id", "given_name", "family_name", "company_name", "job_title", "country", "industry", "email", "phone",
            "message",
            "preferred_language", "status", "lifecycle_stage", "source", "score", "fit_score", "engagement_score",
            "consent_text",
            "consent_given_at", "owner", "team",
            "converted_at", "converted_contact", "converted_company", "converted_deal", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class LeadInputSerializer(serializers.Serializer[Any]):
    """What a client may set on a lead. A lead needs a name and an email or a phone."""

    given_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    company_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Country or region.")
    industry = serializers.ChoiceField(choices=[("", ""), *Industry.choices], required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    status = serializers.ChoiceField(choices=[c for c in LeadStatus.choices if c[0] != LeadStatus.CONVERTED], required=False)
    owner = serializers.IntegerField(required=False, allow_null=True)
    team = serializers.UUIDField(required=False, allow_null=True)
    consent_text = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="The exact words the person agreed to."
    )
    consent_given_at = serializers.DateTimeField(required=False, allow_null=True, help_text="When, with its time zone.")


class LeadFilterSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Start of a name, or an email or phone."
    )
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)
    source = serializers.ChoiceField(choices=LeadSource.choices, required=False)  # type: ignore[assignment]
    owner = serializers.IntegerField(required=False, min_value=1)


class DuplicateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["lead", "contact"])
    id = serializers.UUIDField(source="record.pk")
    name = serializers.CharField(source="record.display_name")
    reasons = serializers.ListField(child=serializers.CharField())


class ConvertInputSerializer(serializers.Serializer[Any]):
    contact = serializers.UUIDField(required=False, allow_null=True, help_text="An existing contact to use instead of a new one.")
    company = serializers.UUIDField(required=False, allow_null=True, help_text="An existing company.")
    create_company = serializers.BooleanField(required=False, help_text="Create a company from the lead's company name.")
    create_deal = serializers.BooleanField(required=False)
    deal_name = serializers.CharField(max_length=200, required=False)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, required=False)
    currency = serializers.CharField(max_length=3, required=False)
    stage = serializers.UUIDField(required=False)


@extend_schema_view(
    list=extend_schema(
        summary="List leads",
        parameters=[
            LeadFilterSerializer,
            *api_page_parameters(selectors_leads.LEAD_ORDERINGS, selectors_leads.DEFAULT_LEAD_ORDERING),
        ],
        responses={200: api_envelope_serializer(LeadSerializer), **ERRORS},
    ),
    retrieve=extend_schema(parameters=[ID], summary="Get a lead", responses={200: LeadSerializer, **DENIED, **NOT_FOUND}),
    create=extend_schema(
        summary="Capture a lead (source: API)", request=LeadInputSerializer, responses={201: LeadSerializer, **ERRORS}
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change a lead",
        request=LeadInputSerializer,
        responses={200: LeadSerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(parameters=[ID], summary="Delete a lead", responses={204: None, **DENIED, **NOT_FOUND}),
)
class LeadViewSet(SalesViewSet):
    """Leads."""

    token_resource = "lead"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors_leads.lead_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        values = _valid(LeadFilterSerializer, request.query_params)
        filters = selectors_leads.LeadFilters(
            q=_searchable(request, values.get("q", "")),
            status=values.get("status", ""),
            source=values.get("source", ""),
            owner_id=values.get("owner"),
        )
        orderings = selectors_leads.LEAD_ORDERINGS
        paging = page_request(request, orderings=orderings, default_ordering=selectors_leads.DEFAULT_LEAD_ORDERING)
        try:
            page = selectors_leads.lead_page(request.user, filters, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        rows = LeadSerializer(page.items, many=True, context=_out(request)).data
        return Response(api_envelope(request, page, rows))

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(LeadSerializer(access_lead_by_id(request.user, id), context=_out(request)).data)

    def create(self, request: Request) -> Response:
        data = _writable(request, Lead, _valid(LeadInputSerializer, request.data))
        lead = _act(lambda: actions_leads.create_lead(request.user, data, source=LeadSource.API))
        body = LeadSerializer(access_lead_by_id(request.user, lead.pk), context=_out(request)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": reverse("api-lead-detail", args=[lead.pk])})

    def partial_update(self, request: Request, id: str) -> Response:
        lead = access_lead_by_id(request.user, id, for_write=True)
        data = _writable(request, Lead, _valid(LeadInputSerializer, request.data, partial=True))
        _act(actions_leads.update_lead, request.user, lead.pk, data)
        return Response(LeadSerializer(access_lead_by_id(request.user, lead.pk), context=_out(request)).data)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions_leads.delete_lead, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="leads_duplicates",
        parameters=[ID],
        summary="Leads and contacts that may be the same person (same email, phone, or name and company)",
        responses={200: DuplicateSerializer(many=True), **DENIED, **NOT_FOUND},
    )
    def duplicates(self, request: Request, id: str) -> Response:
        lead = access_lead_by_id(request.user, id)
        return Response(DuplicateSerializer(selectors_leads.duplicates_of(request.user, lead), many=True).data)

    @extend_schema(
        operation_id="leads_convert",
        parameters=[ID],
        request=ConvertInputSerializer,
        summary="Convert a lead into a contact, a company and a deal, in one step",
        responses={200: LeadSerializer, **ERRORS, **NOT_FOUND},
    )
    def convert(self, request: Request, id: str) -> Response:
        data = _valid(ConvertInputSerializer, request.data)
        lead = access_lead_by_id(request.user, id, for_write=True)
        _act(actions_leads.convert_lead, request.user, lead.pk, data)
        return Response(LeadSerializer(access_lead_by_id(request.user, lead.pk), context=_out(request)).data)
