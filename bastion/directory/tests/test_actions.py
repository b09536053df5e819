"""Actions: validation names the field, nothing is half-written, authorisation, audit change sets."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from bastion.directory import actions, selectors
from bastion.directory.models import Company, Contact, ContactEmail, ContactPhone, Tag

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Company, Contact, ContactEmail, ContactPhone, Tag))


# --- companies --------------------------------------------------------------------------


def test_create_company_normalises_and_sets_authorship(personas: Any, recorded: list[dict[str, Any]]) -> None:
    company = actions.create_company(
        personas.rep_east,
        {
            "name": "  Acme   Ltd ",
            "domain": "https://www.ACME.example/about",
            "industry": "technology",
            "tags": "VIP, partner，VIP",
        },
    )
    company.refresh_from_db()
    assert company.name == "Acme Ltd"
    assert company.name_key == "acme ltd"
    assert company.domain == "acme.example"
    assert company.owner == personas.rep_east  # the creator owns it by default
    assert company.created_by == company.updated_by == personas.rep_east
    assert sorted(company.tags.values_list("name", flat=True), key=str.casefold) == ["partner", "VIP"]
    assert recorded == [
        {
            "actor": personas.rep_east,
            "verb": "company.created",
            "pk": company.pk,
            "changes": {
                "domain": {"old": None, "new": "acme.example"},
                "industry": {"old": None, "new": "technology"},
                "name": {"old": None, "new": "Acme Ltd"},
                "owner": {"old": None, "new": personas.rep_east.pk},
                "tags": {"old": None, "new": ["partner", "VIP"]},
                "team": {"old": None, "new": str(personas.rep_east.membership.teams.get().pk)},  # the creator's team
            },
        }
    ]


def test_create_company_reports_every_bad_field_and_writes_nothing(personas: Any, recorded: list[Any]) -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        actions.create_company(
            personas.rep_east,
            {
                "name": "   ",
                "domain": "alice@acme.example",
                "industry": "wizardry",
                "size": "huge",
                "city": "x" * 101,
                "owner": personas.auditor.pk,  # a security officer cannot own customer records
                "tags": ["ok", "y" * 51],
                "colour": "red",
            },
        )
    errors = caught.value.message_dict
    assert set(errors) == {"name", "domain", "industry", "size", "city", "owner", "tags", "colour"}
    assert errors["name"] == ["Enter the company's name."]
    assert errors["domain"] == ["Enter a web domain such as example.com, not an email address."]
    assert "wizardry" in errors["industry"][0] and "technology" in errors["industry"][0]
    assert errors["city"] == ["City can be at most 100 characters (it has 101)."]
    assert errors["colour"] == ["Unknown field."]
    assert counts() == before
    assert recorded == []


@pytest.mark.parametrize("bad", ["not a domain", "exa mple.com", "-bad-.com", "http://", "a" * 64 + ".com"])
def test_domain_validation(personas: Any, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.create_company(personas.admin, {"name": "X", "domain": bad})
    assert list(caught.value.message_dict) == ["domain"]


def test_control_characters_are_removed(personas: Any) -> None:
    company = actions.create_company(personas.admin, {"name": "Nul\x00l Co", "notes": "line 1\r\nline\x00 2\x07"})
    assert company.name == "Nul l Co"
    assert company.notes == "line 1\nline 2"


def test_update_company_is_partial_and_records_only_changes(personas: Any, company: Any, recorded: list[Any]) -> None:
    updated = actions.update_company(personas.sales_manager, company.pk, {"city": "Manchester", "tags": ["vip", "Partner"]})
    updated.refresh_from_db()
    assert (updated.name, updated.city, updated.domain) == ("Acme Ltd", "Manchester", "acme.example")
    assert updated.updated_by == personas.sales_manager and updated.created_by == personas.rep_east
    assert recorded[-1]["verb"] == "company.updated"
    assert recorded[-1]["changes"] == {
        "city": {"old": "London", "new": "Manchester"},
        "tags": {"old": ["VIP"], "new": ["Partner", "VIP"]},
    }


def test_update_that_changes_nothing_writes_nothing(personas: Any, company: Any, recorded: list[Any]) -> None:
    stamp = Company.objects.get(pk=company.pk).updated_at
    actions.update_company(personas.sales_manager, company.pk, {"name": "Acme Ltd", "tags": ["vip"], "city": " London "})
    fresh = Company.objects.get(pk=company.pk)
    assert fresh.updated_at == stamp and fresh.updated_by == personas.rep_east
    assert recorded == []


def test_update_company_validation_keeps_stored_values(personas: Any, company: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.update_company(personas.admin, company.pk, {"city": "Paris", "name": ""})
    assert caught.value.message_dict == {"name": ["Enter the company's name."]}
    assert Company.objects.get(pk=company.pk).city == "London"


def test_owner_can_be_another_colleague_or_nobody(personas: Any, company: Any) -> None:
    actions.update_company(personas.rep_east, company.pk, {"owner": personas.rep_west})
    assert Company.objects.get(pk=company.pk).owner == personas.rep_west
    actions.update_company(personas.rep_east, company.pk, {"owner": None})
    assert Company.objects.get(pk=company.pk).owner is None


def test_delete_company_keeps_its_contacts(personas: Any, company: Any, contact: Any, recorded: list[Any]) -> None:
    changes = actions.delete_company(personas.sales_manager, company.pk)
    assert not Company.objects.filter(pk=company.pk).exists()
    assert Contact.objects.get(pk=contact.pk).company is None
    assert changes["name"] == {"old": "Acme Ltd", "new": None}
    assert changes["contacts_unlinked"] == {"old": 1, "new": None}
    assert recorded[-1] == {"actor": personas.sales_manager, "verb": "company.deleted", "pk": company.pk, "changes": changes}


# --- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "outsider"])
def test_roles_without_customer_access_cannot_write(personas: Any, company: Any, who: str, recorded: list[Any]) -> None:
    user = getattr(personas, who)
    before = counts()
    for call in (
        lambda: actions.create_company(user, {"name": "Sneaky"}),
        lambda: actions.update_company(user, company.pk, {"name": "Sneaky"}),
        lambda: actions.delete_company(user, company.pk),
        lambda: actions.create_contact(user, {"given_name": "Sneaky"}),
    ):
        with pytest.raises(actions.ActionNotAllowed):
            call()
    assert counts() == before
    assert Company.objects.get(pk=company.pk).name == "Acme Ltd"
    assert recorded == []


def test_read_only_role_cannot_write(read_only: Any, company: Any, contact: Any) -> None:
    with pytest.raises(actions.ActionNotAllowed, match="does not allow changing"):
        actions.update_contact(read_only, contact.pk, {"given_name": "Eve"})
    with pytest.raises(actions.ActionNotAllowed):
        actions.delete_company(read_only, company.pk)
    assert Contact.objects.get(pk=contact.pk).given_name == "Alice"


def test_missing_records_are_not_found(personas: Any) -> None:
    for call in (
        lambda: actions.update_company(personas.admin, "00000000-0000-0000-0000-000000000000", {"name": "X"}),
        lambda: actions.delete_contact(personas.admin, "not-a-uuid"),
    ):
        with pytest.raises(Http404):
            call()


def test_write_is_rolled_back_when_the_actor_would_lose_sight(personas: Any, company: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(actions, "_ensure_visible", _never_visible)
    with pytest.raises(actions.NotVisibleAfterWrite):
        actions.update_company(personas.admin, company.pk, {"name": "Renamed"})
    assert Company.objects.get(pk=company.pk).name == "Acme Ltd"
    before = counts()
    with pytest.raises(actions.NotVisibleAfterWrite):
        actions.create_contact(personas.admin, {"given_name": "Ghost", "emails": ["g@x.example"], "tags": ["new tag"]})
    assert counts() == before


def _never_visible(actor: Any, model: Any, pk: Any) -> None:
    raise actions.NotVisibleAfterWrite("gone")


# --- contacts ---------------------------------------------------------------------------------------


def test_create_contact_with_emails_phones_and_keys(personas: Any, company: Any, recorded: list[Any]) -> None:
    contact = actions.create_contact(
        personas.rep_east,
        {
            "given_name": "伟",
            "family_name": "王",
            "company": str(company.pk),
            "emails": [
                {"address": "Wang.Wei@Acme.example"},
                {"address": "ww@home.example", "label": "personal", "is_primary": True},
            ],
            "phones": ["+86 138 0013 8000", {"number": "+86 21 6123 4567 转 8", "label": "work"}],
        },
    )
    contact.refresh_from_db()
    assert contact.display_name == "王伟"
    assert contact.preferred_language == "zh-hans"  # defaulted from the Chinese name
    assert (contact.sort_name, contact.name_search) == ("王 伟", "王伟")
    assert contact.primary_email == "ww@home.example"
    assert contact.primary_phone == "+86 138 0013 8000"
    assert [(e.address, e.is_primary) for e in contact.emails.all()] == [
        ("Wang.Wei@Acme.example", False),
        ("ww@home.example", True),
    ]
    assert selectors.contact_ids_with_email("WANG.WEI@acme.example") == [contact.pk]  # through the blind index
    assert contact.phones.all()[1].tel_uri == "tel:+862161234567"
    assert recorded[-1]["changes"]["emails"]["new"][1] == {"address": "ww@home.example", "label": "personal", "is_primary": True}
    assert recorded[-1]["changes"]["company"] == {"old": None, "new": str(company.pk)}


def test_contact_validation_names_fields_and_rows(personas: Any) -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        actions.create_contact(
            personas.rep_east,
            {
                "given_name": "Al",
                "emails": [{"address": "a@x.example", "is_primary": True}, {"address": "nope"}, {"address": "A@X.example"}],
                "phones": [{"number": "call me"}, {"number": "12"}],
                "preferred_language": "fr",
                "company": "3f2c1d8e-0000-4000-8000-000000000000",
            },
        )
    errors = caught.value.message_dict
    assert set(errors) == {"emails", "phones", "preferred_language", "company"}
    assert errors["emails"] == ["Email 2: “nope” is not a valid email address.", "Email 3: A@X.example is listed twice."]
    assert errors["phones"][0].startswith("Phone 1: “call me” is not a phone number.")
    assert errors["phones"][1].startswith("Phone 2: “12” is not a phone number.")
    assert errors["company"] == ["Choose a company that exists and that you can see."]
    assert counts() == before


def test_contact_needs_a_name(personas: Any, contact: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.create_contact(personas.rep_east, {"job_title": "CEO"})
    assert caught.value.message_dict == {"given_name": ["Enter a given name or a family name."]}
    with pytest.raises(ValidationError):
        actions.update_contact(personas.rep_east, contact.pk, {"given_name": "", "family_name": " "})
    assert Contact.objects.get(pk=contact.pk).display_name == "Alice Smith"


def test_only_one_primary(personas: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.create_contact(
            personas.rep_east,
            {
                "given_name": "A",
                "emails": [{"address": "a@x.example", "is_primary": True}, {"address": "b@x.example", "is_primary": True}],
            },
        )
    assert caught.value.message_dict == {"emails": ["Mark only one of the email addresses as primary."]}


def test_update_contact_replaces_emails_and_keeps_primary_in_step(personas: Any, contact: Any, recorded: list[Any]) -> None:
    actions.update_contact(personas.rep_east, contact.pk, {"emails": ["new@acme.example"], "phones": []})
    fresh = Contact.objects.get(pk=contact.pk)
    assert fresh.primary_email == "new@acme.example" and fresh.primary_phone == ""
    assert [e.address for e in fresh.emails.all()] == ["new@acme.example"]
    assert not fresh.phones.exists()
    assert set(recorded[-1]["changes"]) == {"emails", "phones"}
    assert recorded[-1]["changes"]["phones"] == {
        "old": [{"number": "+44 20 7946 0123", "label": "work", "is_primary": True}],
        "new": [],
    }


def test_renaming_updates_search_keys(personas: Any, contact: Any) -> None:
    actions.update_contact(personas.rep_east, contact.pk, {"family_name": "Ångström"})
    fresh = Contact.objects.get(pk=contact.pk)
    assert (fresh.sort_name, fresh.name_search) == ("angstrom alice", "alice angstrom")


def test_update_contact_failure_leaves_everything(personas: Any, contact: Any) -> None:
    with pytest.raises(ValidationError):
        actions.update_contact(personas.rep_east, contact.pk, {"job_title": "CTO", "emails": ["broken"]})
    fresh = Contact.objects.get(pk=contact.pk)
    assert fresh.job_title == "Head of Procurement" and fresh.primary_email == "alice.smith@acme.example"
    assert [e.address for e in fresh.emails.all()] == ["alice.smith@acme.example"]


def test_delete_contact_removes_emails_and_phones(personas: Any, contact: Any, recorded: list[Any]) -> None:
    changes = actions.delete_contact(personas.sales_manager, contact.pk)
    assert not Contact.objects.exists() and not ContactEmail.objects.exists() and not ContactPhone.objects.exists()
    assert changes["given_name"] == {"old": "Alice", "new": None}
    assert recorded[-1]["verb"] == "contact.deleted"


def test_record_computes_field_level_changes(personas: Any, contact: Any) -> None:
    before = actions._snapshot(contact)
    contact.job_title = "CTO"
    contact.notes = ""
    contact.save()
    assert actions._record(personas.admin, "contact.updated", contact, before) == {
        "job_title": {"old": "Head of Procurement", "new": "CTO"},
        "notes": {"old": "Secret project Falcon", "new": ""},
    }
    assert actions._record(personas.admin, "contact.created", contact, None)["job_title"] == {"old": None, "new": "CTO"}


def test_a_former_owner_can_stay_but_not_be_given_new_records(personas: Any, company: Any) -> None:
    personas.rep_east.membership.role = "read_only"
    personas.rep_east.membership.save()
    actions.update_company(personas.admin, company.pk, {"owner": personas.rep_east.pk, "city": "Leeds"})
    assert Company.objects.get(pk=company.pk).owner == personas.rep_east
    with pytest.raises(ValidationError) as caught:
        actions.create_company(personas.admin, {"name": "New", "owner": personas.rep_east.pk})
    assert list(caught.value.message_dict) == ["owner"]
