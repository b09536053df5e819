"""``/api/v1/security-alerts/``: the security alerts for a SIEM, SOAR or ticketing tool to poll and close.

For the roles that read the audit trail (security officers, administrators), with the token scope
``security_alert`` (read to list, write to close). Every read is audited like the pages' reads.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.kernel.alerts import selectors
from bastion.kernel.alerts.actions import NOTE_LIMIT, AlertError, close_alert, record_alerts_read
from bastion.kernel.alerts.models import SecurityAlert, Severity
from bastion.kernel.alerts.rules import BY_CODE, rule_named
from bastion.kernel.api import IsOrganisationStaff
from bastion.kernel.audit.views import can_read_audit_trail
from bastion.kernel.pagination import PaginationError, api_envelope, api_envelope_serializer, api_error, api_page_parameters
from bastion.kernel.pagination import api_page_request as page_request

ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The alert's id (a UUID).")
DENIED = {
    401: OpenApiResponse(description="No valid bearer token or session."),
    403: OpenApiResponse(description="Only security officers and administrators read security alerts."),
}
INVALID = {400: OpenApiResponse(description="Invalid input; `fields` names each bad field or parameter.")}
NOT_FOUND = {404: OpenApiResponse(description="No such alert.")}


class ReadsAuditTrail(BasePermission):
    message = "Only security officers and administrators read security alerts."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_read_audit_trail(request.user)


class SecurityAlertSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    rule = serializers.CharField(help_text="The rule's code, e.g. `sign_in_guessing_address` (security policy 6.7).")
    title = serializers.SerializerMethodField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    subject_type = serializers.CharField(
        help_text="`staff`, `address`, `account` (a sign-in name) or `record` (a stored record)."
    )
    subject = serializers.CharField(source="subject_label", help_text="The user name or address; empty for an unknown name.")
    events = serializers.IntegerField(help_text="What the rule counted: events, or rows for `mass_export`.")
    first_sequence = serializers.IntegerField(help_text="The first audit event counted (its sequence).")
    last_sequence = serializers.IntegerField()
    first_event_at = serializers.DateTimeField()
    last_event_at = serializers.DateTimeField()
    raised_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_by = serializers.CharField(source="closed_by_name")
    closing_note = serializers.CharField()

    def get_title(self, alert: SecurityAlert) -> str:
        rule = rule_named(alert.rule)
        return str(rule.title) if rule is not None else alert.rule

    def get_status(self, alert: SecurityAlert) -> str:
        return "open" if alert.is_open else "closed"


class AlertFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["open", "closed", "all"], required=False, default="open")
    rule = serializers.ChoiceField(choices=sorted(BY_CODE), required=False)
    severity = serializers.ChoiceField(choices=Severity.values, required=False)


class CloseInputSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=NOTE_LIMIT, help_text="What was checked or done; kept with the alert and audited.")


def _alert(id: str) -> SecurityAlert:
    alert = selectors.alert_by_id(id) if _is_uuid(id) else None
    if alert is None:
        raise Http404("No such alert.")
    return alert


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@extend_schema_view(
    list=extend_schema(
        summary="List security alerts (open ones by default), newest first",
        parameters=[AlertFilterSerializer, *api_page_parameters(selectors.ORDERINGS, selectors.DEFAULT_ORDERING)],
        responses={200: api_envelope_serializer(SecurityAlertSerializer), **INVALID, **DENIED},
    ),
    retrieve=extend_schema(
        parameters=[ID], summary="Get a security alert", responses={200: SecurityAlertSerializer, **DENIED, **NOT_FOUND}
    ),
)
class SecurityAlertViewSet(viewsets.GenericViewSet):
    """The security alerts raised by the intrusion detector (ADR 0070)."""

    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, ReadsAuditTrail]
    lookup_url_kwarg = "id"
    token_resource = "security_alert"  # noqa: S105 - the API-token scope resource, not a secret
    serializer_class = SecurityAlertSerializer

    def list(self, request: Request) -> Response:
        filters = AlertFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        chosen = selectors.AlertFilters(status=values["status"], rule=values.get("rule", ""), severity=values.get("severity", ""))
        paging = page_request(request, orderings=selectors.ORDERINGS, default_ordering=selectors.DEFAULT_ORDERING)
        try:
            page = selectors.alert_page(chosen, paging)
        except PaginationError as exc:
            raise api_error(exc) from exc
        record_alerts_read(request.user, filters=chosen)
        return Response(api_envelope(request, page, SecurityAlertSerializer(page.items, many=True).data))

    def retrieve(self, request: Request, id: str) -> Response:
        alert = _alert(id)
        record_alerts_read(request.user, alert=alert)
        return Response(SecurityAlertSerializer(alert).data)

    @extend_schema(
        operation_id="security_alerts_close",
        parameters=[ID],
        summary="Close a security alert with a note",
        request=CloseInputSerializer,
        responses={200: SecurityAlertSerializer, **INVALID, **DENIED, **NOT_FOUND},
    )
    def close(self, request: Request, id: str) -> Response:
        alert = _alert(id)
        note = CloseInputSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        try:
            closed = close_alert(request.user, alert.pk, note.validated_data["note"], request=request)
        except AlertError as exc:
            raise ValidationError({"note": [str(exc)]}) from exc
        return Response(SecurityAlertSerializer(closed).data)
