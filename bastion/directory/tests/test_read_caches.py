"""What the read path keeps between records, users and requests: mask plans per model and role limit,
serializer fields per class, the lists' tag lists. None of it may carry one user's view, or an old
value, into another output (ADR 0047)."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.directory import actions
from bastion.directory.api_serializers import ContactSerializer, ContactSummarySerializer
from bastion.kernel.access.masking import is_masked, masked

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
