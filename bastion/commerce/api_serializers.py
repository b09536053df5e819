"""API representations of products and orders, and the input the API accepts.

Input serializers only check shapes and types; the views hand ``validated_data`` to the
actions, which validate the business rules. Money is a decimal string ("1250.50"), never a
JSON float.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bastion.commerce.models import Order, OrderLine, OrderStatus, Product
from bastion.directory.api_serializers import OwnerNameField
from bastion.sales.money import MAX_AMOUNT


class ProductSerializer(serializers.ModelSerializer[Product]):
    class Meta:
        model = Product
        fields = ["id", "name", "sku", "description", "unit_price", "currency", "is_active", "created_at", "updated_at"]
        read_only_fields = fields


class ProductInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, max_value=MAX_AMOUNT, required=False)
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217; the base currency when omitted.")
    is_active = serializers.BooleanField(required=False)


class ProductFilterSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Start of the name, or the SKU.")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class OrderLineSerializer(serializers.ModelSerializer[OrderLine]):
    class Meta:
        model = OrderLine
        fields = ["product", "description", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class OrderSummarySerializer(serializers.ModelSerializer[Order]):
    """An order as the list shows it. ``total_base`` is in the organisation's base currency."""

    owner_name = OwnerNameField()
    total_base = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id", "number", "status", "currency", "total", "total_base", "ordered_at", "contact", "company", "owner",
            "owner_name", "team", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class OrderSerializer(OrderSummarySerializer):
    """An order with its lines and notes."""

    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta(OrderSummarySerializer.Meta):
        fields = [*OrderSummarySerializer.Meta.fields, "notes", "lines", "created_by", "updated_by"]
        read_only_fields = fields


class OrderLineInputSerializer(serializers.Serializer[Any]):
    product = serializers.UUIDField(required=False, allow_null=True, help_text="An active product, or null for a free-text line.")
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text="Defaults to the product's name."
    )
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, max_value=MAX_AMOUNT, required=False, allow_null=True,
        help_text="Defaults to the product's price (when it is in the order's currency).",
    )  # fmt: skip


class OrderInputSerializer(serializers.Serializer[Any]):
    """What a client may set on an order; ``lines``, when given, replace all of its lines."""

    contact = serializers.UUIDField(required=False, allow_null=True, help_text="Id of a contact you can see.")
    company = serializers.UUIDField(required=False, allow_null=True, help_text="Id of a company you can see.")
    currency = serializers.CharField(max_length=3, required=False, help_text="ISO 4217; the base currency when omitted.")
    ordered_at = serializers.DateTimeField(required=False, allow_null=True)
    owner = serializers.IntegerField(required=False, allow_null=True, help_text="User id of the owner; defaults to you.")
    team = serializers.UUIDField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    lines = serializers.ListField(child=OrderLineInputSerializer(), required=False, max_length=100)


class StatusInputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=OrderStatus.choices, help_text="The new status (see the allowed transitions).")


class OrderFilterSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text="Part of the order number.")
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    contact = serializers.UUIDField(required=False)
    company = serializers.UUIDField(required=False)
    owner = serializers.IntegerField(required=False, min_value=1)


class CustomerSerializer(serializers.Serializer[Any]):
    contact = serializers.UUIDField(required=False)
    company = serializers.UUIDField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("contact")) == bool(attrs.get("company")):
            raise serializers.ValidationError({"contact": ["Give exactly one of contact or company."]})
        return attrs


class LifetimeValueSerializer(serializers.Serializer[Any]):
    value = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Paid and shipped orders, base currency.")
    orders = serializers.IntegerField(help_text="How many paid or shipped orders.")
    refunded = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="Refunded orders (not in the value).")
    currency = serializers.CharField(help_text="The base currency.")


class OrderTotalsSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    currency = serializers.CharField()


class StatusChangeSerializer(serializers.Serializer[Any]):
    """A status the order entered (bastion.commerce.selectors.StatusChange)."""

    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    at = serializers.DateTimeField(read_only=True)
    by = serializers.SerializerMethodField(help_text="The colleague's id; null for the console or a scheduled job.")
    by_name = serializers.SerializerMethodField()

    def get_by(self, change: Any) -> int | None:
        return change.by.pk if change.by is not None else None

    def get_by_name(self, change: Any) -> str | None:
        return str(change.by_name) if change.by_name is not None else None
