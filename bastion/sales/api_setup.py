"""REST API for the lead set-up: lead-scoring rules (ADR 0041), lead routing and its territories
(ADR 0039, 0045) and the lifecycle policy (ADR 0044). Thin viewsets over the selectors the set-up
page reads and the actions it calls.

Like the rest of the sales set-up (api.py), every role that reads customer records reads it, and
only administrators change it: ``SalesSetupPermission`` refuses anyone else before the input is
even parsed, and the actions check it again. Token scope: ``pipeline`` (the sales set-up,
bastion/accounts/scopes.py).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.directory.api import DENIED, ID, INVALID, NOT_FOUND, _act, _valid
from bastion.directory.api_serializers import ApiErrorSerializer
from bastion.kernel.access.scoping import can_see_customer_records
from bastion.kernel.api import IsOrganisationStaff
from bastion.sales import actions_routing, actions_scoring, lifecycle, selectors
from bastion.sales.access import access_scoring_rule_by_id, access_territory_rule_by_id, can_configure_sales
from bastion.sales.api import SalesViewSet
from bastion.sales.api_serializers_setup import (
    LeadRoutingInputSerializer,
    LeadRoutingSerializer,
    LifecyclePolicyInputSerializer,
    LifecyclePolicySerializer,
    ScoringRuleInputSerializer,
    ScoringRuleSerializer,
    TerritoryRuleInputSerializer,
    TerritoryRuleSerializer,
)

# A change by anyone but an administrator is refused (403) before its input is looked at.
CHANGE_DENIED = {
    401: DENIED[401],
    403: OpenApiResponse(ApiErrorSerializer, description="Only an administrator may change the sales set-up."),
}
CHANGE_ERRORS = {**INVALID, **CHANGE_DENIED}


class SalesSetupPermission(BasePermission):
    """Reads need a role that reads customer records; changes an administrator (the actions check it too)."""

    # The refusal the set-up page and the actions give (SetupNotAllowed), already translated.
    message = gettext_lazy("Only an administrator can change the sales set-up.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return can_see_customer_records(request.user)
        return can_configure_sales(request.user)


class SetupViewSet(SalesViewSet):
    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, SalesSetupPermission]
    token_resource = "pipeline"  # noqa: S105 - the API-token scope resource, not a secret


# --- lead-scoring rules ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List the lead-scoring rules, fit first", responses={200: ScoringRuleSerializer(many=True), **DENIED}
    ),
    retrieve=extend_schema(
        parameters=[ID], summary="Get a lead-scoring rule", responses={200: ScoringRuleSerializer, **DENIED, **NOT_FOUND}
    ),
    create=extend_schema(
        summary="Add a lead-scoring rule (administrators; every lead is scored again)",
        request=ScoringRuleInputSerializer,
        responses={201: ScoringRuleSerializer, **CHANGE_ERRORS},
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change a lead-scoring rule (administrators; every lead is scored again)",
        request=ScoringRuleInputSerializer,
        responses={200: ScoringRuleSerializer, **CHANGE_ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        parameters=[ID],
        summary="Delete a lead-scoring rule (administrators; every lead is scored again)",
        responses={204: None, **CHANGE_DENIED, **NOT_FOUND},
    ),
)
class ScoringRuleViewSet(SetupViewSet):
    """Lead-scoring rules: points for fit and engagement."""

    def list(self, request: Request) -> Response:
        return Response(ScoringRuleSerializer(selectors.scoring_rules(request.user), many=True).data)

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(ScoringRuleSerializer(access_scoring_rule_by_id(request.user, id)).data)

    def create(self, request: Request) -> Response:
        rule = _act(actions_scoring.create_rule, request.user, _valid(ScoringRuleInputSerializer, request.data))
        body = ScoringRuleSerializer(access_scoring_rule_by_id(request.user, rule.pk)).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Location": reverse("api-scoring-rule-detail", args=[rule.pk])}
        )

    def partial_update(self, request: Request, id: str) -> Response:
        rule = access_scoring_rule_by_id(request.user, id)
        data = _valid(ScoringRuleInputSerializer, request.data, partial=True)
        _act(actions_scoring.update_rule, request.user, rule.pk, data)
        return Response(ScoringRuleSerializer(access_scoring_rule_by_id(request.user, rule.pk)).data)

    def destroy(self, request: Request, id: str) -> Response:
        rule = access_scoring_rule_by_id(request.user, id)
        _act(actions_scoring.delete_rule, request.user, rule.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- lead routing and territories ------------------------------------------------------------------


def _routing_body(user: Any) -> dict[str, Any]:
    routing = selectors.lead_routing(user)
    body = {
        "team": routing.team_id, "team_name": routing.team.name if routing.team is not None else None,
        "receivers": selectors.lead_receivers(user, routing), "updated_at": routing.updated_at,
    }  # fmt: skip
    return LeadRoutingSerializer(body).data


@extend_schema_view(
    retrieve=extend_schema(
        summary="Where web-form leads go: the receiving team and its members in turn",
        responses={200: LeadRoutingSerializer, **DENIED},
    ),
    update=extend_schema(
        summary="Choose the team that receives web-form leads, in turn (administrators)",
        request=LeadRoutingInputSerializer,
        responses={200: LeadRoutingSerializer, **CHANGE_ERRORS},
    ),
)
class LeadRoutingViewSet(SetupViewSet):
    """The routing of web-form leads (one for the organisation)."""

    def retrieve(self, request: Request) -> Response:
        return Response(_routing_body(request.user))

    def update(self, request: Request) -> Response:
        data = _valid(LeadRoutingInputSerializer, request.data)
        _act(actions_routing.set_lead_routing, request.user, data["team"])
        return Response(_routing_body(request.user))


@extend_schema_view(
    list=extend_schema(
        summary="List the territories of the receiving team, in the order they are tried",
        responses={200: TerritoryRuleSerializer(many=True), **DENIED},
    ),
    create=extend_schema(
        summary="Add a territory: matching web-form leads go to one receiver (administrators)",
        request=TerritoryRuleInputSerializer,
        responses={201: TerritoryRuleSerializer, **CHANGE_ERRORS},
    ),
    destroy=extend_schema(
        parameters=[ID],
        summary="Remove a territory; its leads go to the next receiver in turn (administrators)",
        responses={204: None, **CHANGE_DENIED, **NOT_FOUND},
    ),
)
class TerritoryRuleViewSet(SetupViewSet):
    """Territories: web-form leads by country or region and industry."""

    def list(self, request: Request) -> Response:
        return Response(TerritoryRuleSerializer(selectors.territory_rules(request.user), many=True).data)

    def create(self, request: Request) -> Response:
        rule = _act(actions_routing.add_territory_rule, request.user, _valid(TerritoryRuleInputSerializer, request.data))
        body = TerritoryRuleSerializer(access_territory_rule_by_id(request.user, rule.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, id: str) -> Response:
        rule = access_territory_rule_by_id(request.user, id)
        _act(actions_routing.delete_territory_rule, request.user, rule.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the lifecycle policy --------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(
        summary="The lifecycle policy: the qualifying score and the churn period",
        responses={200: LifecyclePolicySerializer, **DENIED},
    ),
    update=extend_schema(
        summary="Set the qualifying score and the churn period (administrators)",
        request=LifecyclePolicyInputSerializer,
        responses={200: LifecyclePolicySerializer, **CHANGE_ERRORS},
    ),
)
class LifecyclePolicyViewSet(SetupViewSet):
    """The organisation's policy for automatic lifecycle moves."""

    def retrieve(self, request: Request) -> Response:
        return Response(LifecyclePolicySerializer(selectors.lifecycle_policy(request.user)).data)

    def update(self, request: Request) -> Response:
        _act(lifecycle.set_lifecycle_policy, request.user, _valid(LifecyclePolicyInputSerializer, request.data))
        return Response(LifecyclePolicySerializer(selectors.lifecycle_policy(request.user)).data)
