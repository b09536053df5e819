"""REST API for interaction events and interests (ADR 0042): thin views over the selectors and actions.

Recording needs a role that changes customer records and a person (contact or lead) the user may
change; reading, a person the user may see (else the same 404 as a missing one). Token scope
``interaction`` (bastion/accounts/scopes.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.directory.api import DENIED, ERRORS, NOT_FOUND, CustomerRecordsPermission, _act, _valid
from bastion.engagement import actions, selectors
from bastion.engagement.models import Interaction, InteractionKind, Interest
from bastion.kernel.api import IsOrganisationStaff
from bastion.kernel.pagination import PaginationError, api_envelope, api_envelope_serializer, api_error, api_page_parameters
from bastion.kernel.pagination import api_page_request as page_request


class InteractionSerializer(serializers.ModelSerializer[Interaction]):
    class Meta:
        model = Interaction
        fields = ["id", "contact", "lead", "kind", "occurred_at", "recorded_at", "properties", "product", "source"]
        read_only_fields = fields


class InteractionInputSerializer(serializers.Serializer[Any]):
    """One event (for the schema; the action checks every field and names each mistake)."""

    contact = serializers.UUIDField(required=False, help_text="The contact it is about (or give lead).")
    lead = serializers.UUIDField(required=False, help_text="The lead it is about (or give contact).")
    kind = serializers.ChoiceField(choices=InteractionKind.choices)
    occurred_at = serializers.DateTimeField(required=False, help_text="When it happened (default: now); not in the future.")
    properties = serializers.DictField(
        required=False,
        help_text="At most 20 flat values (text up to 500 characters, numbers, true/false), 4 KB in all: url, title, "
        "campaign, topic (becomes an interest), product (a catalogue product's id or SKU; becomes an interest) ...",
    )
    source = serializers.CharField(  # type: ignore[assignment]  # the metaclass moves it out of the class
        required=False, max_length=64, help_text="The system that saw it, e.g. website."
    )


class InteractionBatchSerializer(serializers.Serializer[Any]):
    events = InteractionInputSerializer(many=True, help_text="1 to 100 events, recorded all or none.")


class InteractionBatchResultSerializer(serializers.Serializer[Any]):
    results = InteractionSerializer(many=True)


class InterestSerializer(serializers.ModelSerializer[Interest]):
    product_name = serializers.CharField(source="product.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Interest
        fields = ["id", "contact", "lead", "topic", "product", "product_name", "count", "first_seen", "last_seen"]
        read_only_fields = fields


class PersonSerializer(serializers.Serializer[Any]):
    contact = serializers.UUIDField(required=False)
    lead = serializers.UUIDField(required=False)


def _person(request: Request) -> tuple[str, Any]:
    """The one person (contact or lead) of the query, if the user may see it; else 400 or 404."""
    values = _valid(PersonSerializer, request.query_params)
    if len(values) != 1:
        raise ValidationError({"contact": ["Give exactly one of contact or lead."]})
    ((field, person_id),) = values.items()
    return field, selectors.visible_person(request.user, field, person_id)


ONE_OR_BATCH = PolymorphicProxySerializer(
    component_name="InteractionOrBatch",
    serializers=[InteractionInputSerializer, InteractionBatchSerializer],
    resource_type_field_name=None,
)
RECORDED = PolymorphicProxySerializer(
    component_name="RecordedInteractions",
    serializers=[InteractionSerializer, InteractionBatchResultSerializer],
    resource_type_field_name=None,
)


class InteractionViewSet(viewsets.GenericViewSet):
    """Interaction events of contacts and leads."""

    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, CustomerRecordsPermission]
    token_resource = "interaction"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors.interaction_queryset(self.request.user)

    @extend_schema(
        summary="A contact's or lead's interactions, newest first",
        parameters=[
            PersonSerializer,
            *api_page_parameters(selectors.INTERACTION_ORDERINGS, selectors.DEFAULT_INTERACTION_ORDERING),
        ],
        responses={200: api_envelope_serializer(InteractionSerializer), **ERRORS, **NOT_FOUND},
    )
    def list(self, request: Request) -> Response:
        field, person_id = _person(request)
        paging = page_request(
            request, orderings=selectors.INTERACTION_ORDERINGS, default_ordering=selectors.DEFAULT_INTERACTION_ORDERING
        )
        try:
            page = selectors.interaction_page(request.user, field, person_id, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        return Response(api_envelope(request, page, InteractionSerializer(page.items, many=True).data))

    @extend_schema(
        summary="Record one interaction, or a batch of up to 100 (all or none)",
        description='Send one event, or `{"events": [...]}`. Errors name the field, in a batch as `events[i].field`.',
        request=ONE_OR_BATCH,
        responses={201: RECORDED, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = request.data
        if isinstance(data, Mapping) and "events" in data:
            if set(data) != {"events"}:
                raise ValidationError({"events": ["Send a batch as an object with only events."]})
            recorded = _act(actions.record_interactions, request.user, data["events"])
            body = {"results": InteractionSerializer(recorded, many=True).data}
            return Response(body, status=status.HTTP_201_CREATED)
        if not isinstance(data, Mapping):
            raise ValidationError({"non_field_errors": ['Send one event as an object, or {"events": [...]}.']})
        interaction = _act(actions.record_event, request.user, dict(data.items()))
        return Response(InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED)


class InterestViewSet(viewsets.GenericViewSet):
    """Interests derived from a person's interactions."""

    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, CustomerRecordsPermission]
    token_resource = "interaction"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors.interest_queryset(self.request.user)

    @extend_schema(
        summary="A contact's or lead's interests (topics and products), strongest first, at most 100",
        parameters=[PersonSerializer],
        responses={200: InterestSerializer(many=True), **DENIED, **NOT_FOUND, 400: ERRORS[400]},
    )
    def list(self, request: Request) -> Response:
        field, person_id = _person(request)
        interests = selectors.interests_of(request.user, field, person_id, limit=selectors.MAX_INTERESTS)
        return Response(InterestSerializer(interests, many=True).data)
