"""Revealing a lead's masked field: the lead page's form (with a reason) and the API endpoint, with the
same checks, in the same order, as a contact's (bastion.directory.views_reveal)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.accounts.stepup import StepUpRequired, stepup_required
from bastion.directory import reveal
from bastion.directory.api_serializers import ApiErrorSerializer
from bastion.directory.views import reader_required
from bastion.directory.views_reveal import MayReveal, reveal_page, reveal_response, revealer_required
from bastion.kernel.api import IsOrganisationStaff
from bastion.sales.access import access_lead_by_id
from bastion.sales.reveal_leads import LEAD_REVEALABLE, reveal_lead_field


@reader_required
@revealer_required
@stepup_required
@require_http_methods(["GET", "POST"])
def lead_reveal(request: HttpRequest, lead_id: UUID, field: str) -> HttpResponse:
    lead = access_lead_by_id(request.user, lead_id)
    return reveal_page(
        request, lead, field, LEAD_REVEALABLE,
        lambda reason: reveal_lead_field(request.user, lead.pk, field, reason, request=request),
        nav="leads", templates=("sales/leads/reveal.html", "sales/leads/revealed.html"), name="lead",
    )  # fmt: skip


class LeadRevealInputSerializer(serializers.Serializer[Any]):
    field = serializers.ChoiceField(choices=sorted(LEAD_REVEALABLE), help_text="The masked field to reveal.")
    reason = serializers.CharField(
        min_length=reveal.MIN_REASON_LENGTH,
        max_length=reveal.MAX_REASON_LENGTH,
        help_text="Why you need the value; recorded in the audit trail (the value is not).",
    )


class LeadRevealView(APIView):
    """Reveal one masked field of a lead; a session with a fresh second factor only (tokens are refused)."""

    permission_classes = [IsOrganisationStaff, MayReveal, StepUpRequired, TokenAndNetworkPolicy]
    token_resource = "lead"  # noqa: S105 - the API-token scope resource, not a secret

    @extend_schema(
        summary="Reveal a masked field of a lead (audited, rate-limited, step-up)",
        request=LeadRevealInputSerializer,
        responses={
            200: inline_serializer(
                "RevealedLeadField",
                {"field": serializers.CharField(), "values": serializers.ListField(child=serializers.CharField())},
            ),
            400: OpenApiResponse(ApiErrorSerializer, description="No reason, or a field that cannot be revealed."),
            403: OpenApiResponse(
                ApiErrorSerializer,
                description="A role that may not reveal; no second factor in the last 5 minutes (`step_up_required`); "
                "or an API token (`step_up_unavailable`).",
            ),
            404: OpenApiResponse(ApiErrorSerializer, description="No such lead, or you may not see it."),
            429: OpenApiResponse(ApiErrorSerializer, description="Too many reveals; `detail` says when to retry."),
        },
    )
    def post(self, request: Request, id: str) -> Response:
        lead = access_lead_by_id(request.user, id)
        return reveal_response(
            request,
            LeadRevealInputSerializer,
            lambda field, reason: reveal_lead_field(request.user, lead.pk, field, reason, request=request._request),
        )
