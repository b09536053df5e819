"""What the read path keeps between records, users and requests: mask plans per model and role limit,
serializer fields per class, the lists' tag lists. None of it may carry one user's view, or an old
value, into another output (ADR 0047)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from bastion.directory import actions
from bastion.directory.api_serializers import (
    _FIELD_TEMPLATES,
    CompanySerializer,
    CompanySummarySerializer,
    ContactSerializer,
    ContactSummarySerializer,
)
from bastion.kernel.access.masking import is_masked, masked
from bastion.sales import actions_leads
from bastion.sales.api_leads import LeadSerializer

pytestmark = pytest.mark.django_db


def _contact(personas: Any) -> Any:
    company = actions.create_company(personas.admin, {"name": "Acme"})
    return actions.create_contact(
        personas.admin,
        {
            "given_name": "Jane",
            "family_name": "Doe",
            "company": company.pk,
            "emails": [{"address": "jane@example.com"}],
            "phones": [{"number": "+44 20 7946 0123"}],
            "tags": ["vip"],
        },
    )


def test_mask_plans_follow_each_users_role_in_any_order(personas: Any) -> None:
    contact = _contact(personas)
    for user, shown in ((personas.admin, True), (personas.outsider, False), (personas.admin, True), (personas.outsider, False)):
        view = masked(user, contact)
        assert (view.given_name == "Jane") is shown and is_masked(view.given_name) is not shown
        # Related records are masked with the same user's limit, not the first user's.
        assert (view.company.name == "Acme") is shown
        assert [is_masked(row.address) for row in view.emails.all()] == [True]
        assert view.primary_email == "j***@e***.com"  # restricted: masked for every role


def test_serializer_fields_built_once_still_serialise_each_users_view(personas: Any) -> None:
    contact = _contact(personas)
    contact.visible_tags = list(contact.tags.all())
    rows = []
    for user in (personas.admin, personas.outsider, personas.admin):
        rows.append(ContactSummarySerializer(contact, context={"user": user}).data)
    assert rows[0]["given_name"] == "Jane" and rows[2] == rows[0]
    assert rows[1]["given_name"] == "J***" and rows[1]["family_name"] == "D***"
    assert rows[0]["primary_email"] == rows[1]["primary_email"] == "j***@e***.com"
    assert rows[0]["tags"] == ["vip"] and rows[0]["company_name"] == "Acme"
    # The detail serializer (nested emails and phones) after the summary one: its own fields.
    detail = ContactSerializer(contact, context={"user": personas.outsider}).data
    assert detail["emails"][0]["address"] == "j***@e***.com" and detail["given_name"] == "J***"


def test_serialising_again_shows_the_current_values(personas: Any) -> None:
    contact = _contact(personas)
    first = ContactSummarySerializer(contact, context={"user": personas.admin}).data
    contact.given_name = "Janet"
    contact.primary_email = "janet@example.org"
    second = ContactSummarySerializer(contact, context={"user": personas.admin}).data
    assert first["given_name"] == "Jane" and second["given_name"] == "Janet"
    assert second["primary_email"] == "j***@e***.org"
    assert second["tags"] == ["vip"]  # no list prefetch: read through the manager


def test_without_a_user_nothing_above_internal_is_shown(personas: Any) -> None:
    contact = _contact(personas)
    ContactSummarySerializer(contact, context={"user": personas.admin}).data  # noqa: B018 - warm the field cache
    row = ContactSummarySerializer(contact).data
    assert row["given_name"] == "J***" and row["primary_email"] == "j***@e***.com"


def test_api_list_tags_are_each_users_visible_tags_and_current(personas: Any, api_as: Any) -> None:
    contact = _contact(personas)
    client = api_as(personas.admin)
    [row] = client.get("/api/v1/contacts/").json()["results"]
    assert row["tags"] == ["vip"] and row["given_name"] == "Jane"
    actions.update_contact(personas.admin, contact.pk, {"tags": ["gold", "vip"]})
    [row] = client.get("/api/v1/contacts/").json()["results"]
    assert sorted(row["tags"]) == ["gold", "vip"]


def _drf_way(serializer: Any, record: Any, user: Any) -> Any:
    """What DRF's own ``Serializer.to_representation`` gives for the record as ``user`` sees it."""
    return dict(serializers.Serializer.to_representation(serializer, masked(user, record)))


def test_the_read_shortcuts_give_exactly_what_drf_gives(personas: Any) -> None:
    with_company = _contact(personas)
    with_company.visible_tags = list(with_company.tags.all())
    bare: Any = actions.create_contact(personas.admin, {"given_name": "伟", "family_name": "王", "owner": None})
    bare.visible_tags = []
    company = with_company.company
    lead = actions_leads.create_lead(personas.marketer, {"given_name": "Wei", "email": "wei@example.cn", "phone": "13812345678"})
    cases = [
        (ContactSummarySerializer, with_company),
        (ContactSummarySerializer, bare),
        (ContactSerializer, with_company),
        (CompanySummarySerializer, company),
        (CompanySerializer, company),
        (LeadSerializer, lead),
    ]
    for user in (personas.admin, personas.rep_east, personas.marketer, personas.outsider):
        for serializer_class, record in cases:
            ours = serializer_class(record, context={"user": user})
            reference = serializer_class(record, context={"user": user})
            assert dict(ours.data) == _drf_way(reference, record, user), (serializer_class.__name__, user.username)
    # The related keys are read as DRF reads them: the id, or null without a company or an owner.
    assert ContactSummarySerializer(bare, context={"user": personas.admin}).data["company"] is None
    assert ContactSummarySerializer(with_company, context={"user": personas.admin}).data["company"] == company.pk


def test_each_serializer_binds_its_own_fields_and_nested_children(personas: Any) -> None:
    contact = _contact(personas)
    first = ContactSerializer(contact, context={"user": personas.admin})
    second = ContactSerializer(contact, context={"user": personas.outsider})
    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field.parent is first and second.fields[name].parent is second
    # A nested serializer's rows are bound under their own serializer: each reads its own user.
    first_rows, second_rows = first.fields["emails"], second.fields["emails"]
    assert isinstance(first_rows, serializers.ListSerializer) and isinstance(second_rows, serializers.ListSerializer)
    assert first_rows.child is not None and second_rows.child is not None and first_rows.child is not second_rows.child
    assert first_rows.child.root is first and second_rows.child.root is second
    assert first.data["emails"][0]["address"] == second.data["emails"][0]["address"] == "j***@e***.com"
    assert first.data["given_name"] == "Jane" and second.data["given_name"] == "J***"
    # The templates the copies come from stay unbound.
    assert all(getattr(field, "parent", None) is None for field in _FIELD_TEMPLATES[ContactSerializer].values())
