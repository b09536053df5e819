"""REST API for what a list does with chosen records: change their owner (an activity's assignee),
(companies and contacts) add and take off tags, (deals) move them to a stage, (leads) set their
status, (orders) move them to a status, (activities) mark the tasks done, (products) activate or
deactivate them, delete them. ``POST /api/v1/<kind>/change-owner/``,
``/api/v1/<kind>/tags/``, ``/api/v1/deals/move/``, ``/api/v1/leads/status/``, ``/api/v1/orders/status/``,
``/api/v1/activities/done/``, ``/api/v1/products/active/`` and ``/api/v1/<kind>/delete/``.

The same functions serve the web pages (bastion.sales.views_chosen): each record changes through
its update action and audit event, so one the user may only read, or could no longer see after
the change, is refused and named in ``refused``; an id the user cannot see is refused the same way
as one that does not exist, so the answer tells nothing about records out of sight.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.commerce import chosen_orders, chosen_products
from bastion.commerce.access import can_manage_catalogue
from bastion.commerce.actions import REACHABLE
from bastion.commerce.api import OrdersPermission
from bastion.directory import selectors as directory
from bastion.directory.api import ERRORS, CustomerRecordsPermission, _act, _valid
from bastion.directory.validation import MAX_TAG_LENGTH, MAX_TAGS
from bastion.kernel.api import IsOrganisationStaff
from bastion.sales import chosen_deals, chosen_delete, chosen_leads, chosen_tasks, handover, selectors_chosen, tagging
from bastion.sales.forms_leads import OPEN_STATUSES


def _tags(help_text: str) -> serializers.ListField:
    tag = serializers.CharField(max_length=MAX_TAG_LENGTH)
    return serializers.ListField(child=tag, required=False, default=list, max_length=MAX_TAGS, help_text=help_text)


class ChosenRecordsSerializer(serializers.Serializer):
    records = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=selectors_chosen.BATCH,
        help_text=f"Ids of the chosen records (at most {selectors_chosen.BATCH}).",
    )


class ChangeOwnerInputSerializer(ChosenRecordsSerializer):
    owner = serializers.IntegerField(
        min_value=1, help_text="User id of the new owner: an active colleague whose role can own records."
    )


class TagChosenInputSerializer(ChosenRecordsSerializer):
    add = _tags("Tags to add.")
    remove = _tags("Tags to take off.")


class MoveChosenInputSerializer(ChosenRecordsSerializer):
    stage = serializers.UUIDField(help_text="Id of the stage to move the deals to (of any pipeline).")
    lost_reason = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, help_text="Why they were lost: only for a lost stage."
    )


class LeadStatusChosenInputSerializer(ChosenRecordsSerializer):
    status = serializers.ChoiceField(
        choices=[value for value, _label in OPEN_STATUSES],
        help_text="The status to give the leads: new, contacted, qualified or disqualified (converting is one lead at a time).",
    )


class OrderStatusChosenInputSerializer(ChosenRecordsSerializer):
    status = serializers.ChoiceField(
        choices=REACHABLE,
        help_text="The status to move the orders to: each moves only by the allowed steps "
        "(draft → confirmed → paid → shipped; cancelled; refunded), else it is refused with why.",
    )


class ProductActiveChosenInputSerializer(ChosenRecordsSerializer):
    active = serializers.BooleanField(help_text="true activates the products; false deactivates them (no new orders).")


class RefusedRecordSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The record's id, as sent.")
    reason = serializers.CharField(help_text="Why it was left as it was.")


class ChosenOutcomeSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="Records that changed (each with its own audit event).")
    unchanged = serializers.IntegerField(help_text="Records that already were as asked, left as they were.")
    refused = RefusedRecordSerializer(many=True, help_text="Records left as they were, and why.")


class ChosenRecordsView(APIView, metaclass=ABCMeta):
    """Base of them all: the kind comes from the route (``as_view(kind=..., token_resource=...)``); each
    subclass names its input and what it does with the chosen records the user may see (``change``).
    The API's description of each is CHOSEN_DESCRIPTION, not this docstring."""

    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, CustomerRecordsPermission]
    kind = ""
    token_resource = ""
    input_serializer: type[serializers.Serializer] = ChosenRecordsSerializer

    @abstractmethod
    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        """What the action does with the chosen records' ids (those the user may see) and the checked input."""

    def post(self, request: Request) -> Response:
        data = _valid(self.input_serializer, request.data)
        found, refused = self.chosen(request, data["records"])
        result = _act(self.change, request, [record.pk for record in found], data)
        return self.outcome(result, found, refused)

    def chosen(self, request: Request, records: list[Any]) -> tuple[list[Any], list[dict[str, str]]]:
        """The records the user may see, and a refusal for each other id."""
        found = selectors_chosen.chosen(request.user, self.kind, records)
        seen = {str(record.pk) for record in found}
        unknown = _("No such record, or you may not see it.")
        return found, [{"id": str(pk), "reason": unknown} for pk in dict.fromkeys(records) if str(pk) not in seen]

    def outcome(self, result: handover.HandOver, found: list[Any], refused: list[dict[str, str]]) -> Response:
        failed = [{"id": str(pk), "reason": why} for _key, pk, why in result.failed]
        unchanged = len(found) - result.moved_count - len(result.failed)
        body = {"changed": result.moved_count, "unchanged": unchanged, "refused": refused + failed}
        return Response(ChosenOutcomeSerializer(body).data)


CHOSEN_DESCRIPTION = (
    f"At most {selectors_chosen.BATCH} ids. Each record changes through its own action and audit event; one already as asked is "
    "counted as unchanged, and one that cannot change is refused with the reason. An id you cannot see is "
    "refused exactly like one that does not exist."
)


def _documented(summary: str, request: type[serializers.Serializer]) -> Any:
    """The OpenAPI description of a chosen-records view's POST."""
    responses = {200: OpenApiResponse(ChosenOutcomeSerializer), **ERRORS}
    operation = extend_schema(summary=summary, description=CHOSEN_DESCRIPTION, request=request, responses=responses)
    return extend_schema_view(post=operation)


@_documented(
    "Give the chosen records (of the kind in the path) to a colleague, each through its update", ChangeOwnerInputSerializer
)
class ChangeOwnerView(ChosenRecordsView):
    input_serializer = ChangeOwnerInputSerializer

    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        recipient = directory.assignable_owners().filter(pk=data["owner"]).first()
        return handover.reassign(request.user, self.kind, pks, recipient)


@_documented(
    "Add tags to the chosen companies or contacts and take tags off them, each through its update", TagChosenInputSerializer
)
class TagChosenView(ChosenRecordsView):
    input_serializer = TagChosenInputSerializer

    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        return tagging.tag_chosen(request.user, self.kind, pks, add=data["add"], remove=data["remove"])


@_documented(
    "Mark the chosen tasks done, each through its own change (other activities are left as they are)", ChosenRecordsSerializer
)
class MarkDoneView(ChosenRecordsView):
    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        return chosen_tasks.mark_done(request.user, pks)


@_documented(
    "Move the chosen deals to a stage, each through the board's move (stage history, audit event)", MoveChosenInputSerializer
)
class MoveChosenView(ChosenRecordsView):
    input_serializer = MoveChosenInputSerializer

    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        return chosen_deals.move_chosen(request.user, pks, data["stage"], data["lost_reason"])


@_documented(
    "Set the status of the chosen leads, each through its update (rescored, audited; converted leads keep theirs)",
    LeadStatusChosenInputSerializer,
)
class LeadStatusChosenView(ChosenRecordsView):
    input_serializer = LeadStatusChosenInputSerializer

    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        return chosen_leads.set_status(request.user, pks, data["status"])


@_documented(
    "Move the chosen orders to a status, each by the allowed transitions (audited; refused ones say why)",
    OrderStatusChosenInputSerializer,
)
class OrderStatusChosenView(ChosenRecordsView):
    permission_classes = [IsOrganisationStaff, TokenAndNetworkPolicy, OrdersPermission]
    input_serializer = OrderStatusChosenInputSerializer

    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        return chosen_orders.set_status(request.user, pks, data["status"])


class ManagesCatalogue(BasePermission):
    """Only administrators change the product catalogue: anyone else is refused before the body is read."""

    message = "Only an administrator can change the product catalogue."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_manage_catalogue(request.user)


@_documented(
    "Activate or deactivate the chosen products, each through its update (administrators only; audited)",
    ProductActiveChosenInputSerializer,
)
class ProductActiveChosenView(ChosenRecordsView):
    permission_classes = [*ChosenRecordsView.permission_classes, ManagesCatalogue]
    input_serializer = ProductActiveChosenInputSerializer

    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        return chosen_products.set_active(request.user, pks, data["active"])


class DeleteChosenInputSerializer(ChosenRecordsSerializer):
    confirmed = serializers.BooleanField(help_text="Must be true: deleted records cannot be brought back.")

    def validate_confirmed(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Send true to confirm: deleted records cannot be brought back."))
        return value


@_documented(
    "Delete the chosen records (of the kind in the path; orders: drafts and cancelled ones only; products: administrators, "
    "those on no order or deal), each through its delete action",
    DeleteChosenInputSerializer,
)
class DeleteChosenView(ChosenRecordsView):
    input_serializer = DeleteChosenInputSerializer

    def change(self, request: Request, pks: list[Any], data: dict[str, Any]) -> handover.HandOver:
        return chosen_delete.delete_chosen(request.user, self.kind, pks)


class OrderDeleteChosenView(DeleteChosenView):
    permission_classes = OrderStatusChosenView.permission_classes


class ProductDeleteChosenView(DeleteChosenView):
    permission_classes = ProductActiveChosenView.permission_classes
