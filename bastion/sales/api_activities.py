"""REST API for activities (tasks, calls, meetings, notes) and the user's iCalendar file. Token scope ``activity``."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.directory.api import DENIED, ERRORS, ID, NOT_FOUND, _act, _valid
from bastion.directory.validation import Errors
from bastion.sales import actions_activities, selectors_activities
from bastion.sales.access import access_activity_by_id
from bastion.sales.api import SalesViewSet
from bastion.sales.calendar import calendar_file
from bastion.sales.models import Activity, ActivityKind


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    class Meta:
        model = Activity
        fields = [
            "id", "kind", "subject", "details", "assignee", "due_at", "remind_at", "starts_at", "ends_at", "done_at", "at",
            "contact", "company", "lead", "deal", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ActivityInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    subject = serializers.CharField(max_length=200)
    details = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    assignee = serializers.IntegerField(required=False, allow_null=True, help_text="User id; defaults to you.")
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    remind_at = serializers.DateTimeField(required=False, allow_null=True)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    contact = serializers.UUIDField(required=False, allow_null=True)
    company = serializers.UUIDField(required=False, allow_null=True)
    lead = serializers.UUIDField(required=False, allow_null=True)
    deal = serializers.UUIDField(required=False, allow_null=True)


class ActivityChangeSerializer(ActivityInputSerializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    subject = serializers.CharField(max_length=200, required=False)
    done = serializers.BooleanField(required=False, help_text="Tasks: mark done (true) or open again (false).")


class TimelineFilterSerializer(serializers.Serializer[Any]):
    contact = serializers.UUIDField(required=False)
    company = serializers.UUIDField(required=False)
    lead = serializers.UUIDField(required=False)
    deal = serializers.UUIDField(required=False)


@extend_schema_view(
    list=extend_schema(
        summary="The timeline of one contact, company, lead or deal (newest first, at most 50)",
        parameters=[TimelineFilterSerializer],
        responses={200: ActivitySerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        parameters=[ID], summary="Get an activity", responses={200: ActivitySerializer, **DENIED, **NOT_FOUND}
    ),
    create=extend_schema(
        summary="Add a task, call, meeting or note",
        request=ActivityInputSerializer,
        responses={201: ActivitySerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        parameters=[ID],
        summary="Change an activity, or mark a task done",
        request=ActivityChangeSerializer,
        responses={200: ActivitySerializer, **ERRORS, **NOT_FOUND},
    ),
    destroy=extend_schema(parameters=[ID], summary="Delete an activity", responses={204: None, **DENIED, **NOT_FOUND}),
)
class ActivityViewSet(SalesViewSet):
    """Tasks, calls, meetings and notes."""

    token_resource = "activity"  # noqa: S105 - the API-token scope resource, not a secret

    def get_queryset(self) -> Any:
        return selectors_activities.activity_queryset(self.request.user)

    def list(self, request: Request) -> Response:
        filters = _valid(TimelineFilterSerializer, request.query_params)
        if len(filters) != 1:
            raise serializers.ValidationError({"contact": ["Give exactly one of contact, company, lead or deal."]})
        ((name, pk),) = filters.items()
        from bastion.sales.actions_activities import _link

        errors = Errors()
        record = _link(request.user, name, pk, errors)
        if record is None:
            return Response([])
        entries = selectors_activities.timeline(request.user, **{name: record})
        return Response(ActivitySerializer([e.activity for e in entries if e.activity is not None], many=True).data)

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(ActivitySerializer(access_activity_by_id(request.user, id)).data)

    def create(self, request: Request) -> Response:
        activity = _act(actions_activities.create_activity, request.user, _valid(ActivityInputSerializer, request.data))
        body = ActivitySerializer(access_activity_by_id(request.user, activity.pk)).data
        headers = {"Location": reverse("api-activity-detail", args=[activity.pk])}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    def partial_update(self, request: Request, id: str) -> Response:
        activity = access_activity_by_id(request.user, id, for_write=True)
        data = _valid(ActivityChangeSerializer, request.data, partial=True)
        done = data.pop("done", None)
        if data:
            _act(actions_activities.update_activity, request.user, activity.pk, data)
        if done is not None:
            _act(actions_activities.set_done, request.user, activity.pk, done)
        return Response(ActivitySerializer(access_activity_by_id(request.user, activity.pk)).data)

    def destroy(self, request: Request, id: str) -> Response:
        _act(actions_activities.delete_activity, request.user, id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="activities_calendar",
        summary="Your meetings and tasks as an iCalendar (.ics) file",
        responses={(200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="RFC 5545 calendar"), **DENIED},
    )
    def calendar(self, request: Request) -> HttpResponse:
        body = calendar_file(selectors_activities.calendar_items(request.user), host=request.get_host(), name="Bastion")
        return HttpResponse(body, content_type="text/calendar; charset=utf-8")
