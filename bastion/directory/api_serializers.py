"""API representations of companies and contacts, and the input the API accepts.

Output serializers list their fields explicitly. Input serializers are plain ``Serializer``
classes that only check shapes and types: they are never saved; the views hand
``validated_data`` to the actions, which validate the business rules. ``created_by``,
``updated_by`` and the timestamps cannot be written; ``owner`` can (assigning a record to a
colleague is intended) and the action checks the colleague may own records.

Restricted fields are encrypted at rest and decrypted when serialised; after a person was
crypto-shredded they read as the translated word "erased" and ``erased_at`` is set.

Field-level security is applied in one place: :class:`MaskedSerializerMixin` hands every output
serializer the record as ``bastion.kernel.access.masking.masked`` shows it to the requesting
user, so a field the role may not see is a mask (``j***@e***.com``) in every response. Without a
request in the context nothing above internal is shown (fail closed).
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import functools
import uuid
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.serializers import BaseSerializer

from bastion.directory import validation
from bastion.directory.models import (
    Company,
    CompanySize,
    Contact,
    ContactEmail,
    ContactPhone,
    EmailLabel,
    Industry,
    Language,
    PhoneLabel,
)
from bastion.kernel.access.masking import MaskedRecord, is_masked, masked
from bastion.kernel.crypto.fields import is_erased


class MaskedSerializerMixin:
    """Serialise the record as the requesting user may see it (masked fields read as masks).

    The serializer's fields are built from the model once per class and copied for each
    serializer (as DRF copies declared fields): building them from the model's metadata cost
    more than serialising a 20-row page. They hold no data and no user: the record and the
    request come with each call.
    """

    context: dict[str, Any]

    def get_fields(self) -> dict[str, Any]:
        template = _FIELD_TEMPLATES.get(type(self))
        if template is None:
            template = _FIELD_TEMPLATES[type(self)] = super().get_fields()  # type: ignore[misc]
        return {name: _copy_field(field) for name, field in template.items()}

    def to_representation(self, instance: Any) -> Any:
        request = self.context.get("request")
        user = self.context.get("user", getattr(request, "user", None))
        return self._represent(masked(user, instance))

    def _represent(self, record: Any) -> dict[str, Any]:
        """DRF's ``Serializer.to_representation`` of the masked record, with a shortcut for plain attributes.

        A field that reads one attribute with DRF's own ``Field.get_attribute`` is read with
        ``getattr``; when that fails or gives anything but a plain value (which DRF might call or
        treat specially) the field is read DRF's way, so the output is the same.
        """
        plan = self.__dict__.get("_plan")
        if plan is None:
            model = getattr(getattr(self, "Meta", None), "model", None)
            plan = self.__dict__["_plan"] = [
                (field, field.field_name, *_plain_source(field, model))
                for field in self._readable_fields  # type: ignore[attr-defined]
            ]
        read = record._read if type(record) is MaskedRecord else functools.partial(getattr, record)
        ret: dict[str, Any] = {}
        for field, name, attr, pk_only in plan:
            attribute: Any = _UNREAD
            if attr is not None:
                try:
                    value = read(attr)
                except Exception:  # noqa: BLE001, S110 - read again below, DRF's way, which handles it
                    pass
                else:
                    if pk_only:
                        attribute = PKOnlyObject(pk=value)
                    elif type(value) in _PLAIN_VALUES or isinstance(value, str):
                        attribute = value
            if attribute is _UNREAD:
                try:
                    attribute = field.get_attribute(record)
                except SkipField:
                    continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret


_UNREAD: Any = object()
_PLAIN_VALUES = frozenset({int, float, bool, type(None), uuid.UUID, dt.date, dt.datetime, decimal.Decimal})


def _plain_source(field: Any, model: Any) -> tuple[str | None, bool]:
    """The one attribute ``field`` reads, and whether DRF would read it as a related key only; (None, False) if not one.

    A field read with DRF's own ``Field.get_attribute`` reads its source. A related field that
    shows the related row's key (``company``: its id) reads, in DRF, the record's
    ``serializable_value`` of the foreign key, which is its key column (``company_id``): the
    same attribute, read without the method.
    """
    attrs = field.source_attrs
    if isinstance(field, BaseSerializer) or len(attrs) != 1:
        return None, False
    if type(field).get_attribute is Field.get_attribute:
        return attrs[0], False
    drf_reads_key = isinstance(field, RelatedField) and type(field).get_attribute is RelatedField.get_attribute
    if drf_reads_key and model is not None and field.use_pk_only_optimization():
        try:
            foreign_key = model._meta.get_field(attrs[0])
        except FieldDoesNotExist:
            return None, False
        if (foreign_key.many_to_one or foreign_key.one_to_one) and foreign_key.concrete:
            return foreign_key.attname, True
    return None, False


_FIELD_TEMPLATES: dict[type, dict[str, Any]] = {}  # serializer class -> its unbound fields, as built once


def _copy_field(field: Any) -> Any:
    """A copy of an unbound template field for one serializer, to be bound to it.

    A field without sub-fields is copied shallowly: binding sets its name, parent, label and
    source on the copy alone, and an output field keeps nothing else of a request. DRF's deep
    copy re-runs the field's constructor, which for a 20-row list cost about a tenth of the
    serialisation. A field holding other fields (a nested serializer, a list field, a
    to-many relation) is copied DRF's way: its children are bound to it, and a shared child
    would read another request's context, so another user's masking.
    """
    if isinstance(field, BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)


class ApiErrorSerializer(serializers.Serializer[Any]):
    """The error body every endpoint returns (bastion.kernel.api_errors)."""

    error = serializers.CharField(help_text="A stable code: invalid, not_found, permission_denied, not_authenticated, ...")
    detail = serializers.CharField(help_text="What went wrong, for people.")
    fields = serializers.DictField(  # type: ignore[assignment]  # the metaclass moves it out of the class
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input: the messages for each field or query parameter.",
    )


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class TagNamesField(serializers.Field):
    """The record's tag names (read from the prefetched tags: the lists' ``visible_tags``, else ``tags``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[str]:
        tags = getattr(value, "visible_tags", None)
        return [tag.name for tag in (value.tags.all() if tags is None else tags)]


@extend_schema_field(serializers.CharField(allow_null=True))
class OwnerNameField(serializers.Field):
    """The owner's full name (or user name), null when nobody owns the record."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:
        owner = value.owner
        return str(owner.get_full_name() or owner.username) if owner else None


@extend_schema_field(serializers.CharField(allow_null=True, help_text="YYYY-MM-DD, null, “****-**-**” (masked) or “erased”."))
class BirthDateField(serializers.Field):
    """The date of birth as ``YYYY-MM-DD``, null when unknown, or "erased" after crypto-shredding."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:
        if value is None or is_erased(value) or is_masked(value):
            return None if value is None else str(value)
        return str(value.isoformat())


SUMMARY_META = ["owner", "owner_name", "team", "tags", "created_at", "updated_at"]
ADDRESS = ["street", "postal_code", "city", "region", "country"]
DETAIL_META = ["notes", "created_by", "updated_by"]


class TeamIdField(serializers.UUIDField):
    """The id of the team the record belongs to (read from ``team_id``: no query), null when none."""

    def __init__(self) -> None:
        super().__init__(source="team_id", read_only=True, allow_null=True)


class CompanySummarySerializer(MaskedSerializerMixin, serializers.ModelSerializer[Company]):
    """A company as the list shows it."""

    owner_name = OwnerNameField()
    team = TeamIdField()
    tags = TagNamesField()

    class Meta:
        model = Company
        fields = ["id", "name", "domain", "industry", "size", "city", "country", *SUMMARY_META]
        read_only_fields = fields


class CompanySerializer(CompanySummarySerializer):
    """A company with every field."""

    class Meta(CompanySummarySerializer.Meta):
        fields = ["id", "name", "domain", "industry", "size", *ADDRESS, *SUMMARY_META, *DETAIL_META]
        read_only_fields = fields


class EmailSerializer(MaskedSerializerMixin, serializers.ModelSerializer[ContactEmail]):
    class Meta:
        model = ContactEmail
        fields = ["address", "label", "is_primary"]


class PhoneSerializer(MaskedSerializerMixin, serializers.ModelSerializer[ContactPhone]):
    class Meta:
        model = ContactPhone
        fields = ["number", "label", "is_primary"]


class ContactSummarySerializer(MaskedSerializerMixin, serializers.ModelSerializer[Contact]):
    """A contact as the list shows it, with the company's id and name."""

    display_name = serializers.CharField(read_only=True, help_text="王伟 for Chinese names, “Given Family” otherwise.")
    company_name = serializers.CharField(source="company.name", read_only=True, allow_null=True, default=None)
    owner_name = OwnerNameField()
    team = TeamIdField()
    tags = TagNamesField()

    class Meta:
        model = Contact
        fields = [
            "id", "display_name", "given_name", "family_name", "job_title", "company", "company_name",
            "primary_email", "primary_phone", "preferred_language", "lifecycle_stage", "erased_at", *SUMMARY_META,
        ]  # fmt: skip
        read_only_fields = fields


class ContactSerializer(ContactSummarySerializer):
    """A contact with every field, its emails and phones."""

    emails = EmailSerializer(many=True, read_only=True)
    phones = PhoneSerializer(many=True, read_only=True)
    date_of_birth = BirthDateField()

    class Meta(ContactSummarySerializer.Meta):
        fields = [
            *ContactSummarySerializer.Meta.fields, "emails", "phones", *ADDRESS, "date_of_birth", "national_id",
            "private_notes", *DETAIL_META,
        ]  # fmt: skip
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


class RecordInputSerializer(serializers.Serializer[Any]):
    street = _text(200)
    postal_code = _text(20)
    city = _text(100)
    region = _text(100)
    country = _text(100)
    owner = serializers.IntegerField(
        required=False, allow_null=True, help_text="User id of the colleague who owns the record; defaults to you on create."
    )
    team = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Id of the team the record belongs to: one of your teams or a team you manage; defaults to your first team.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=validation.MAX_TAG_LENGTH),
        max_length=validation.MAX_TAGS,
        required=False,
        help_text="Tag names; replaces all tags.",
    )
    notes = _text(validation.MAX_NOTES_LENGTH, trim_whitespace=False)


class CompanyInputSerializer(RecordInputSerializer):
    """What a client may set on a company."""

    name = serializers.CharField(max_length=200)
    domain = _text(253, help_text="A host name such as example.com (a URL is reduced to its host).")
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    size = serializers.ChoiceField(choices=CompanySize.choices, required=False, allow_blank=True)


class EmailInputSerializer(serializers.Serializer[Any]):
    address = serializers.EmailField(max_length=254)
    label = serializers.ChoiceField(choices=EmailLabel.choices, default=EmailLabel.WORK)  # type: ignore[assignment]
    is_primary = serializers.BooleanField(default=False)


class PhoneInputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField(max_length=40)
    label = serializers.ChoiceField(choices=PhoneLabel.choices, default=PhoneLabel.WORK)  # type: ignore[assignment]
    is_primary = serializers.BooleanField(default=False)


class ContactInputSerializer(RecordInputSerializer):
    """What a client may set on a contact; ``emails`` and ``phones`` replace the whole list."""

    given_name = _text(100)
    family_name = _text(100)
    job_title = _text(150)
    company = serializers.UUIDField(required=False, allow_null=True, help_text="Id of a company you can see, or null.")
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    # ListSerializer takes max_length (DRF >= 3.14); the stubs do not know it yet.
    emails = EmailInputSerializer(many=True, required=False, max_length=validation.MAX_EMAILS)  # type: ignore[call-arg]
    phones = PhoneInputSerializer(many=True, required=False, max_length=validation.MAX_PHONES)  # type: ignore[call-arg]
    date_of_birth = serializers.DateField(required=False, allow_null=True, help_text="YYYY-MM-DD; encrypted at rest.")
    national_id = _text(64, help_text="National ID number (e.g. a passport or resident ID); encrypted at rest.")
    private_notes = _text(validation.MAX_NOTES_LENGTH, trim_whitespace=False, help_text="Encrypted at rest.")


# --- list filters --------------------------------------------------------------------------


class CompanyFilterSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Start of the name or domain, or an email address."
    )
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    size = serializers.ChoiceField(choices=CompanySize.choices, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, min_value=1, help_text="User id of the owner.")


class ContactFilterSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Start of the given or family name, or a whole email address or phone number.",
    )
    company = serializers.UUIDField(required=False, help_text="Only contacts at this company.")
    owner = serializers.IntegerField(required=False, min_value=1, help_text="User id of the owner.")
    tag = serializers.CharField(required=False, allow_blank=True, max_length=validation.MAX_TAG_LENGTH)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False, allow_blank=True)
