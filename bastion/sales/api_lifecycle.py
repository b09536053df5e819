"""API of the lifecycle (ADR 0044): a contact's or lead's stage with its history, and a move by hand."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bastion.directory.access import access_contact_by_id
from bastion.directory.api import DENIED, ERRORS, ID, NOT_FOUND, _act, _valid
from bastion.directory.models import LifecycleStage
from bastion.sales import lifecycle
from bastion.sales.access import access_lead_by_id
from bastion.sales.api import SalesViewSet
from bastion.sales.models import LifecycleChange


class LifecycleChangeSerializer(serializers.ModelSerializer[LifecycleChange]):
    changed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = LifecycleChange
        fields = ["from_stage", "to_stage", "reason", "changed_by", "changed_by_name", "changed_at"]
        read_only_fields = fields

    def get_changed_by_name(self, change: LifecycleChange) -> str | None:
        user = change.changed_by
        return (user.get_full_name() or user.get_username()) if user is not None else None


class LifecycleSerializer(serializers.Serializer[Any]):
    lifecycle_stage = serializers.ChoiceField(choices=LifecycleStage.choices, read_only=True)
    history = LifecycleChangeSerializer(many=True, read_only=True, help_text="Newest first, at most 50.")


class LifecycleInputSerializer(serializers.Serializer[Any]):
    lifecycle_stage = serializers.ChoiceField(choices=LifecycleStage.choices, help_text="The stage to move the person to.")


def _body(user: Any, kind: str, record: Any) -> dict[str, Any]:
    data = {"lifecycle_stage": record.lifecycle_stage, "history": lifecycle.history(user, kind, record.pk)}
    return LifecycleSerializer(data).data


class _LifecycleViewSet(SalesViewSet):
    kind = ""

    def _fetch(self, user: Any, pk: Any, *, for_write: bool = False) -> Any:
        fetch = access_contact_by_id if self.kind == "contact" else access_lead_by_id
        return fetch(user, pk, for_write=for_write)

    def _set(self, user: Any, pk: Any, stage: str) -> Any:
        if self.kind == "contact":
            return lifecycle.set_contact_lifecycle_stage(user, pk, stage)
        return lifecycle.set_lead_lifecycle_stage(user, pk, stage)

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(_body(request.user, self.kind, self._fetch(request.user, id)))

    def create(self, request: Request, id: str) -> Response:
        data = _valid(LifecycleInputSerializer, request.data)
        record = self._fetch(request.user, id, for_write=True)
        _act(self._set, request.user, record.pk, data["lifecycle_stage"])
        return Response(_body(request.user, self.kind, self._fetch(request.user, record.pk)))


_GET: dict[str, Any] = {"parameters": [ID], "responses": {200: LifecycleSerializer, **DENIED, **NOT_FOUND}}
_POST: dict[str, Any] = {
    "parameters": [ID],
    "request": LifecycleInputSerializer,
    "responses": {200: LifecycleSerializer, **ERRORS, **NOT_FOUND},
}


class ContactLifecycleViewSet(_LifecycleViewSet):
    """A contact's lifecycle stage."""

    kind = "contact"
    token_resource = "contact"  # noqa: S105 - the API-token scope resource, not a secret

    @extend_schema(operation_id="contacts_lifecycle", summary="A contact's lifecycle stage and its history", **_GET)
    def retrieve(self, request: Request, id: str) -> Response:
        return super().retrieve(request, id)

    @extend_schema(operation_id="contacts_lifecycle_move", summary="Move a contact to another lifecycle stage", **_POST)
    def create(self, request: Request, id: str) -> Response:
        return super().create(request, id)


class LeadLifecycleViewSet(_LifecycleViewSet):
    """A lead's lifecycle stage."""

    kind = "lead"
    token_resource = "lead"  # noqa: S105 - the API-token scope resource, not a secret

    @extend_schema(operation_id="leads_lifecycle", summary="A lead's lifecycle stage and its history", **_GET)
    def retrieve(self, request: Request, id: str) -> Response:
        return super().retrieve(request, id)

    @extend_schema(operation_id="leads_lifecycle_move", summary="Move a lead to another lifecycle stage", **_POST)
    def create(self, request: Request, id: str) -> Response:
        return super().create(request, id)
