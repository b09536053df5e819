"""REST API for pipelines, stages, exchange rates and deals: thin viewsets over the selectors and actions.

Reading needs a role that reads customer records; changing deals one that changes them;
changing the set-up (pipelines, stages, rates) an administrator (the actions check it).
Token scopes: ``deal`` and ``pipeline`` (bastion/accounts/scopes.py).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.directory.api import DENIED, ERRORS, ID, NOT_FOUND, CustomerRecordsPermission, _act, _out, _valid
from bastion.kernel.api import IsOrganisationStaff
from bastion.kernel.pagination import PaginationError, api_envelope, api_envelope_serializer, api_error, api_page_parameters
from bastion.kernel.pagination import api_page_request as page_request
from bastion.sales import actions, actions_setup, selectors
from bastion.sales.access import access_deal_by_id, access_pipeline_by_id, access_stage_by_id
from bastion.sales.api_serializers import (
    DealFilterSerializer,
    DealInputSerializer,
    DealSerializer,
    DealSummarySerializer,
    DealTotalsSerializer,
    ExchangeRateInputSerializer,
    ExchangeRateSerializer,
    MoveInputSerializer,
    PipelineInputSerializer,
    PipelineSerializer,
    StageChangeSerializer,
    StageCreateSerializer,
    StageInputSerializer,
    StageSerializer,
)
from bastion.sales.money import base_currency

CURRENCY = OpenApiParameter("currency", OpenApiTypes.STR, OpenApiParameter.PATH, description="ISO 4217 code, e.g. EUR.")


class SalesViewSet(viewsets.GenericViewSet):
    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, CustomerRecordsPermission]
    lookup_url_kwarg = "id"


@extend_schema_view(
    list=extend_schema(summary="List pipelines with their stages", responses={200: PipelineSerializer(many=True), **DENIED}),
    retrieve=extend_schema(parameters=[ID], summary="Get a pipeline", responses={200: PipelineSerializer, **DENIED, **NOT_FOUND}),
    create=extend_schema(
        summary="Add a pipeline (administrators; it gets New, Won and Lost stages)",
        request=PipelineInputSerializer,
        responses={201: PipelineSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change a pipeline (administrators)",
        request=PipelineInputSerializer,
        responses={200: PipelineSerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        parameters=[ID], summary="Delete a pipeline without deals (administrators)", responses={204: None, **ERRORS, **NOT_FOUND}
    ),
)
class PipelineViewSet(SalesViewSet):
    """Pipelines (the sales set-up)."""

    token_resource = "pipeline"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors.pipeline_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        return Response(PipelineSerializer(selectors.pipelines(request.user), many=True).data)

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(PipelineSerializer(access_pipeline_by_id(request.user, id)).data)

    def create(self, request: Request) -> Response:
        pipeline = _act(actions_setup.create_pipeline, request.user, _valid(PipelineInputSerializer, request.data))
        body = PipelineSerializer(access_pipeline_by_id(request.user, pipeline.pk)).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Location": reverse("api-pipeline-detail", args=[pipeline.pk])}
        )

    def partial_update(self, request: Request, id: str) -> Response:
        pipeline = access_pipeline_by_id(request.user, id)
        _act(
            actions_setup.update_pipeline, request.user, pipeline.pk, _valid(PipelineInputSerializer, request.data, partial=True)
        )
        return Response(PipelineSerializer(access_pipeline_by_id(request.user, pipeline.pk)).data)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions_setup.delete_pipeline, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(
        summary="Add a stage to a pipeline (administrators)",
        request=StageCreateSerializer,
        responses={201: StageSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change a stage (administrators)",
        request=StageInputSerializer,
        responses={200: StageSerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(
        parameters=[ID], summary="Delete a stage without deals (administrators)", responses={204: None, **ERRORS, **NOT_FOUND}
    ),
)
class StageViewSet(SalesViewSet):
    """Stages of pipelines (listed with their pipeline)."""

    token_resource = "pipeline"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors.all_stages(self.request.user)

    def create(self, request: Request) -> Response:
        data = _valid(StageCreateSerializer, request.data)
        stage = _act(actions_setup.create_stage, request.user, data.pop("pipeline"), data)
        body = StageSerializer(access_stage_by_id(request.user, stage.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, id: str) -> Response:
        stage = access_stage_by_id(request.user, id)
        _act(actions_setup.update_stage, request.user, stage.pk, _valid(StageInputSerializer, request.data, partial=True))
        return Response(StageSerializer(access_stage_by_id(request.user, stage.pk)).data)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions_setup.delete_stage, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List exchange rates to the base currency", responses={200: ExchangeRateSerializer(many=True), **DENIED}
    ),
    update=extend_schema(
        parameters=[CURRENCY],
        summary="Set an exchange rate (administrators); deals in that currency are converted again",
        request=ExchangeRateInputSerializer,
        responses={200: ExchangeRateSerializer, **ERRORS},
    ),
    destroy=extend_schema(
        parameters=[CURRENCY],
        summary="Delete an exchange rate no deal uses (administrators)",
        responses={204: None, **ERRORS},
    ),
)
class ExchangeRateViewSet(SalesViewSet):
    """Exchange rates."""

    token_resource = "pipeline"  # noqa: S105 - the API-token scope resource, not a secret
    lookup_url_kwarg = "currency"

    def get_queryset(self) -> Any:
        return selectors.rate_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        return Response(ExchangeRateSerializer(selectors.exchange_rates(request.user), many=True).data)

    def update(self, request: Request, currency: str) -> Response:
        data = _valid(ExchangeRateInputSerializer, request.data)
        return Response(ExchangeRateSerializer(_act(actions_setup.set_exchange_rate, request.user, currency, data["rate"])).data)

    def destroy(self, request: Request, currency: str) -> Response:
        _act(actions_setup.delete_exchange_rate, request.user, currency)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _filters(values: dict[str, Any]) -> selectors.DealFilters:
    return selectors.DealFilters(
        q=values.get("q", ""),
        pipeline_id=values.get("pipeline"),
        stage_id=values.get("stage"),
        owner_id=values.get("owner"),
        status=values.get("status", ""),
        company_id=values.get("company"),
        contact_id=values.get("contact"),
        closing=values.get("closing", ""),
    )


@extend_schema_view(
    list=extend_schema(
        summary="List deals",
        parameters=[DealFilterSerializer, *api_page_parameters(selectors.DEAL_ORDERINGS, selectors.DEFAULT_DEAL_ORDERING)],
        responses={200: api_envelope_serializer(DealSummarySerializer), **ERRORS},
    ),
    retrieve=extend_schema(parameters=[ID], summary="Get a deal", responses={200: DealSerializer, **DENIED, **NOT_FOUND}),
    create=extend_schema(summary="Add a deal", request=DealInputSerializer, responses={201: DealSerializer, **ERRORS}),
    update=extend_schema(
        parameters=[ID],
        summary="Replace a deal's fields",
        request=DealInputSerializer,
        responses={200: DealSerializer, **ERRORS, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change some of a deal's fields (a new stage is recorded in the stage history)",
        request=DealInputSerializer,
        responses={200: DealSerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(parameters=[ID], summary="Delete a deal", responses={204: None, **DENIED, **NOT_FOUND}),
)
class DealViewSet(SalesViewSet):
    """Deals in pipelines."""

    token_resource = "deal"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors.deal_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        filters = _filters(_valid(DealFilterSerializer, request.query_params))
        paging = page_request(request, orderings=selectors.DEAL_ORDERINGS, default_ordering=selectors.DEFAULT_DEAL_ORDERING)
        try:
            page = selectors.deal_page(request.user, filters, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        return Response(api_envelope(request, page, DealSummarySerializer(page.items, many=True).data))

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(DealSerializer(access_deal_by_id(request.user, id), context=_out(request)).data)

    def create(self, request: Request) -> Response:
        deal = _act(actions.create_deal, request.user, _valid(DealInputSerializer, request.data))
        body = DealSerializer(access_deal_by_id(request.user, deal.pk), context=_out(request)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": reverse("api-deal-detail", args=[deal.pk])})

    def update(self, request: Request, id: str, partial: bool = False) -> Response:
        deal = access_deal_by_id(request.user, id, for_write=True)
        _act(actions.update_deal, request.user, deal.pk, _valid(DealInputSerializer, request.data, partial=partial))
        return Response(DealSerializer(access_deal_by_id(request.user, deal.pk), context=_out(request)).data)

    def partial_update(self, request: Request, id: str) -> Response:
        return self.update(request, id, partial=True)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions.delete_deal, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="deals_move",
        parameters=[ID],
        request=MoveInputSerializer,
        summary="Move a deal to another stage (its probability becomes the stage's default)",
        responses={200: DealSerializer, **ERRORS, **NOT_FOUND},
    )
    def move(self, request: Request, id: str) -> Response:
        data = _valid(MoveInputSerializer, request.data)
        deal = access_deal_by_id(request.user, id, for_write=True)
        _act(lambda: actions.move_deal(request.user, deal.pk, data["stage"], lost_reason=data.get("lost_reason")))
        return Response(DealSerializer(access_deal_by_id(request.user, deal.pk), context=_out(request)).data)

    @extend_schema(
        operation_id="deals_stage_history",
        parameters=[ID],
        summary="Every stage the deal entered, oldest first, with who moved it and when",
        responses={200: StageChangeSerializer(many=True), **DENIED, **NOT_FOUND},
    )
    def history(self, request: Request, id: str) -> Response:
        deal = access_deal_by_id(request.user, id)
        return Response(StageChangeSerializer(selectors.stage_history(request.user, deal), many=True).data)

    @extend_schema(
        operation_id="deals_totals",
        parameters=[DealFilterSerializer],
        summary="Count, sum and probability-weighted sum (base currency) of the deals matching the filters",
        responses={200: DealTotalsSerializer, **ERRORS},
    )
    def totals(self, request: Request) -> Response:
        totals = selectors.deal_totals(request.user, _filters(_valid(DealFilterSerializer, request.query_params)))
        body = {"count": totals.count, "amount": totals.amount, "weighted": totals.weighted, "currency": base_currency()}
        return Response(DealTotalsSerializer(body).data)
