"""REST API for activities (tasks, calls, meetings, notes) and the user's iCalendar file. Token scope ``activity``.

The list is the activity list of the web pages, a keyset page at a time, with the same filters
and, for one record's timeline, the contact, company, lead or deal it is about.
"""

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
from bastion.kernel.pagination import PaginationError, api_envelope, api_envelope_serializer, api_error, api_page_parameters
from bastion.kernel.pagination import api_page_request as page_request
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


class ActivityFilterSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Part of the subject.")
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    state = serializers.ChoiceField(choices=list(selectors_activities.TASK_STATES.items()), required=False)
    period = serializers.ChoiceField(
        choices=list(selectors_activities.PERIODS.items()), required=False, help_text="When it is due, starts or was written."
    )
    assignee = serializers.IntegerField(required=False, min_value=1, help_text="User id.")
    contact = serializers.UUIDField(required=False, help_text="Only the activities on this contact (its timeline).")
    company = serializers.UUIDField(required=False)
    lead = serializers.UUIDField(required=False)
    deal = serializers.UUIDField(required=False)


RECORDS = ("contact", "company", "lead", "deal")


def activity_api_filters(values: dict[str, Any]) -> selectors_activities.ActivityFilters:
    """The list's (and the export's) filters from the validated query parameters."""
    return selectors_activities.ActivityFilters(
        q=values.get("q", ""), kind=values.get("kind", ""), state=values.get("state", ""), period=values.get("period", ""),
        assignee_id=values.get("assignee"), **{f"{name}_id": values.get(name) for name in RECORDS},
    )  # fmt: skip


def check_records(user: Any, values: dict[str, Any]) -> None:
    """A record filter must name a record the user can see (a 400 naming it, as when adding an activity)."""
    from bastion.sales.actions_activities import _link

    errors = Errors()
    for name in RECORDS:
        _link(user, name, values.get(name), errors)
    _act(errors.raise_if_any)


def _read(user: Any, activity_id: Any) -> Activity:
    """The activity for a response: one the user may read (else 404), naming only the records they may see."""
    return selectors_activities.readable_activity(user, access_activity_by_id(user, activity_id))


@extend_schema_view(
    list=extend_schema(
        summary="List activities (all you can see, or one contact's, company's, lead's or deal's)",
        parameters=[
            ActivityFilterSerializer,
            *api_page_parameters(selectors_activities.ACTIVITY_ORDERINGS, selectors_activities.DEFAULT_ACTIVITY_ORDERING),
        ],
        responses={200: api_envelope_serializer(ActivitySerializer), **ERRORS},
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
        values = _valid(ActivityFilterSerializer, request.query_params)
        check_records(request.user, values)
        paging = page_request(
            request,
            orderings=selectors_activities.ACTIVITY_ORDERINGS,
            default_ordering=selectors_activities.DEFAULT_ACTIVITY_ORDERING,
        )
        try:
            page = selectors_activities.activity_page(request.user, activity_api_filters(values), paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        return Response(api_envelope(request, page, ActivitySerializer(page.items, many=True).data))

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(ActivitySerializer(_read(request.user, id)).data)

    def create(self, request: Request) -> Response:
        activity = _act(actions_activities.create_activity, request.user, _valid(ActivityInputSerializer, request.data))
        body = ActivitySerializer(_read(request.user, activity.pk)).data
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
        return Response(ActivitySerializer(_read(request.user, activity.pk)).data)

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
