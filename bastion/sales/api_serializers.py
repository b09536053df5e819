"""API representations of pipelines, stages, exchange rates and deals, and the input the API accepts.

Input serializers only check shapes and types; the views hand ``validated_data`` to the
actions, which validate the business rules. Money is a decimal string ("1250.50"), never a
JSON float.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bastion.commerce.api_serializers import OrderLineInputSerializer
from bastion.commerce.selectors import order_for_deal
from bastion.directory.api_serializers import OwnerNameField
from bastion.sales.models import Deal, DealLine, DealStageChange, ExchangeRate, Pipeline, Stage, StageKind
from bastion.sales.money import MAX_AMOUNT
from bastion.sales.selectors import CLOSINGS


class StageSerializer(serializers.ModelSerializer[Stage]):
    class Meta:
        model = Stage
        fields = ["id", "pipeline", "name", "position", "probability", "kind"]
        read_only_fields = fields


class PipelineSerializer(serializers.ModelSerializer[Pipeline]):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "position", "is_default", "stages"]
        read_only_fields = fields


class PipelineInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    is_default = serializers.BooleanField(required=False)


class StageInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False)
    kind = serializers.ChoiceField(choices=StageKind.choices, required=False)


class StageCreateSerializer(StageInputSerializer):
    pipeline = serializers.UUIDField(help_text="The pipeline the stage belongs to.")


class ExchangeRateSerializer(serializers.ModelSerializer[ExchangeRate]):
    class Meta:
        model = ExchangeRate
        fields = ["currency", "rate", "updated_at"]
        read_only_fields = fields


class ExchangeRateInputSerializer(serializers.Serializer[Any]):
    rate = serializers.DecimalField(
        max_digits=18, decimal_places=8, help_text="Units of the base currency one unit of this currency is worth."
    )


class DealSummarySerializer(serializers.ModelSerializer[Deal]):
    """A deal as the list shows it. ``amount_base`` is in the organisation's base currency."""

    owner_name = OwnerNameField()
    amount_base = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    stage_kind = serializers.CharField(source="stage.kind", read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id", "name", "pipeline", "stage", "stage_name", "stage_kind", "amount", "currency", "amount_base",
            "probability", "expected_close_date", "closed_at", "company", "contact", "owner", "owner_name", "team",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class DealLineSerializer(serializers.ModelSerializer[DealLine]):
    class Meta:
        model = DealLine
        fields = ["product", "description", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class DealSerializer(DealSummarySerializer):
    """A deal with every field, its product lines, and the order it became when won."""

    lines = DealLineSerializer(many=True, read_only=True)
    order = serializers.SerializerMethodField()

    class Meta(DealSummarySerializer.Meta):
        fields = [*DealSummarySerializer.Meta.fields, "lost_reason", "notes", "lines", "order", "created_by", "updated_by"]
        read_only_fields = fields

    def get_order(self, deal: Deal) -> str | None:
        """Id of the order made when the deal was won (ADR 0044), if you may see it; else null."""
        order = order_for_deal(self.context["request"].user, deal.pk)
        return str(order.pk) if order is not None else None


class DealInputSerializer(serializers.Serializer[Any]):
    """What a client may set on a deal. ``stage`` alone picks its pipeline; ``pipeline`` alone its first stage."""

    name = serializers.CharField(max_length=200)
    pipeline = serializers.UUIDField(required=False, allow_null=True)
    stage = serializers.UUIDField(required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, max_value=MAX_AMOUNT, required=False)
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217; the base currency when omitted.")
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    company = serializers.UUIDField(required=False, allow_null=True, help_text="Id of a company you can see, or null.")
    contact = serializers.UUIDField(required=False, allow_null=True, help_text="Id of a contact you can see, or null.")
    owner = serializers.IntegerField(required=False, allow_null=True, help_text="User id of the owner; defaults to you.")
    team = serializers.UUIDField(required=False, allow_null=True)
    lost_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    lines = serializers.ListField(
        child=OrderLineInputSerializer(), required=False, max_length=100,
        help_text="Product lines; when given they replace the deal's lines, and the amount becomes their total.",
    )  # fmt: skip


class MoveInputSerializer(serializers.Serializer[Any]):
    stage = serializers.UUIDField(help_text="The stage to move the deal to (any pipeline).")
    lost_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StageChangeSerializer(serializers.ModelSerializer[DealStageChange]):
    changed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = DealStageChange
        fields = ["from_stage", "from_name", "to_stage", "to_name", "changed_by", "changed_by_name", "changed_at"]
        read_only_fields = fields

    def get_changed_by_name(self, change: DealStageChange) -> str | None:
        user = change.changed_by
        return str(user.get_full_name() or user.username) if user else None


class DealFilterSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Start of the deal's name.")
    pipeline = serializers.UUIDField(required=False)
    stage = serializers.UUIDField(required=False)
    owner = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=["open", "won", "lost"], required=False)
    company = serializers.UUIDField(required=False)
    contact = serializers.UUIDField(required=False)
    closing = serializers.ChoiceField(
        choices=list(CLOSINGS),
        required=False,
        help_text="Expected close date: passed while still open, this month, the next 30 days, or none set.",
    )


class DealTotalsSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Sum in the base currency.")
    weighted = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Sum weighted by probability.")
    currency = serializers.CharField(help_text="The base currency.")
