"""API representations of the lead set-up (lead-scoring rules, lead routing and its territories, the
lifecycle policy) and the input the API accepts for them.

As in api_serializers.py, input serializers only check shapes and types; the views hand
``validated_data`` to the same actions the set-up page calls, which validate the business rules
(a condition that fits what the rule looks at, an owner in the receiving team ...).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bastion.directory.api_serializers import OwnerNameField
from bastion.directory.models import Industry
from bastion.sales.models import LifecyclePolicy, ScoringRule, TerritoryRule
from bastion.sales.models_scoring import Operator, ScoreCategory, ScoredField

# --- lead-scoring rules (ADR 0041) -----------------------------------------------------------------


class ScoringRuleSerializer(serializers.ModelSerializer[ScoringRule]):
    class Meta:
        model = ScoringRule
        fields = ["id", "name", "category", "field", "operator", "value", "points", "is_active", "created_at", "updated_at"]
        read_only_fields = fields


class ScoringRuleInputSerializer(serializers.Serializer[Any]):
    """A rule: a lead whose field meets the condition (operator and value) gets the points, of fit or engagement."""

    name = serializers.CharField(max_length=120, help_text="For example “Decision maker”.")
    category = serializers.ChoiceField(choices=ScoreCategory.choices, help_text="Fit (who the lead is) or engagement.")
    field = serializers.ChoiceField(choices=ScoredField.choices, help_text="What the rule looks at.")
    operator = serializers.ChoiceField(
        choices=Operator.choices,
        help_text="Numbers (activities, interactions, days since the last activity) take at_least or at_most; "
        "text takes contains, equals or is_set.",
    )
    value = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Text to look for (any case), a whole number to compare with, or empty for is_set. "
        "For source, preferred_language and status with equals: one of their codes.",
    )
    points = serializers.IntegerField(min_value=-100, max_value=100, help_text="From -100 to 100, not 0.")
    is_active = serializers.BooleanField(required=False, help_text="Inactive rules score nothing; true when omitted.")


# --- lead routing and territories (ADR 0039, 0045) ---------------------------------------------------


class ReceiverSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk", help_text="The colleague's user id (a territory's owner).")
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return str(user.get_full_name() or user.get_username())


class LeadRoutingSerializer(serializers.Serializer[Any]):
    """Web-form leads go to the team, to each of its receivers in turn (a matching territory first);
    without a team, only administrators see them until they assign them."""

    team = serializers.UUIDField(allow_null=True, help_text="The team that receives web-form leads; null: none.")
    team_name = serializers.CharField(allow_null=True)
    receivers = ReceiverSerializer(many=True, help_text="Its members who may change customer records, in turn order.")
    updated_at = serializers.DateTimeField(allow_null=True, help_text="Null until an administrator first sets it.")


class LeadRoutingInputSerializer(serializers.Serializer[Any]):
    team = serializers.UUIDField(
        allow_null=True, help_text="Id of the team that receives web-form leads; null: administrators only."
    )


class TerritoryRuleSerializer(serializers.ModelSerializer[TerritoryRule]):
    owner_name = OwnerNameField()

    class Meta:
        model = TerritoryRule
        fields = ["id", "position", "country", "industry", "owner", "owner_name", "created_at"]
        read_only_fields = fields


class TerritoryRuleInputSerializer(serializers.Serializer[Any]):
    """Web-form leads from the country and/or in the industry (at least one of them) go to the owner."""

    country = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Country or region, compared without case or spaces."
    )
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    owner = serializers.IntegerField(help_text="User id of one of the routing's receivers.")


# --- the lifecycle policy (ADR 0044) ----------------------------------------------------------------


class LifecyclePolicySerializer(serializers.ModelSerializer[LifecyclePolicy]):
    updated_at = serializers.DateTimeField(
        allow_null=True, read_only=True, help_text="Null until an administrator first sets it."
    )

    class Meta:
        model = LifecyclePolicy
        fields = ["qualifying_score", "churn_after_days", "updated_at"]
        read_only_fields = fields


class LifecyclePolicyInputSerializer(serializers.Serializer[Any]):
    qualifying_score = serializers.IntegerField(
        min_value=1, max_value=1000, help_text="A lead whose score reaches this becomes marketing-qualified."
    )
    churn_after_days = serializers.IntegerField(
        min_value=30, max_value=3650, help_text="Days without an order (checked nightly) before a customer is churned."
    )
