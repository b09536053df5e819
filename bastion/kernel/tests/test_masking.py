"""Field-level security in the kernel: masks by value shape, and the masked view of a record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bastion.kernel.access.masking import (
    FieldNotEditable,
    MaskedRecord,
    can_edit_field,
    can_see_field,
    hidden_fields,
    is_masked,
    mask_value,
    masked,
    refuse_unwritable,
)
from bastion.kernel.crypto.classification import DataClass


@pytest.mark.parametrize(
    ("value", "mask"),
    [
        ("jane.doe@example.com", "j***@e***.com"),
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "861****5678"),
        ("+44 20 7946 0123 ext. 12", "442****2312"),
        ("200030", "****30"),
        ("110101199003078888", "****8888"),
        ("QQ123456C", "****456C"),
        ("88 Main Street", "8***"),
        ("上海", "上***"),
        ("Quiet about the divorce", "Q***"),
        (dt.date(1990, 3, 7), "****-**-**"),
    ],
)
def test_masks_keep_enough_to_recognise_and_never_the_value(value: Any, mask: str) -> None:
    result = mask_value(value)
    assert result == mask and is_masked(result)
    assert str(value) not in result


def test_empty_and_erased_values_are_left_alone() -> None:
    from bastion.kernel.crypto.fields import erased

    assert mask_value("") == "" and mask_value(None) is None
    assert mask_value(erased()) == erased()
    assert mask_value(mask_value("a@b.example")) == "a***@b***.example"  # masking twice changes nothing


def test_roles_see_and_edit_by_data_class(personas: Any) -> None:
    from bastion.directory.models import Contact

    # Every customer-data role sees restricted contact fields masked (roles.POLICIES: shown up to confidential).
    for user in (personas.admin, personas.rep_east, personas.marketer):
        assert can_see_field(user, Contact, "given_name") and not can_see_field(user, Contact, "national_id")
        assert "primary_email" in hidden_fields(user, Contact) and "given_name" not in hidden_fields(user, Contact)
        assert hidden_fields(user, Contact()) == hidden_fields(user, Contact)  # an instance, even unsaved, counts as its class
    assert can_edit_field(personas.rep_east, Contact, "national_id")
    assert not can_edit_field(personas.marketer, Contact, "national_id") and can_edit_field(personas.marketer, Contact, "notes")
    # No role: nothing above internal is shown, nothing is editable (fail closed).
    assert not can_see_field(personas.outsider, Contact, "given_name") and can_see_field(personas.outsider, Contact, "id")
    assert not can_edit_field(personas.outsider, Contact, "given_name")
    with pytest.raises(FieldNotEditable) as refused:
        refuse_unwritable(personas.marketer, [("national_id", Contact, "national_id"), ("notes", Contact, "notes")])
    assert refused.value.fields == ["national_id"]


def test_an_unclassified_field_counts_as_restricted(personas: Any) -> None:
    from bastion.directory.models import Contact

    assert not can_see_field(personas.rep_east, Contact, "something_new")
    assert DataClass.RESTRICTED > DataClass.CONFIDENTIAL


def test_masked_record_masks_fields_properties_str_and_related_rows(personas: Any) -> None:
    from bastion.directory import actions

    contact = actions.create_contact(
        personas.rep_east,
        {
            "given_name": "Jane",
            "family_name": "Doe",
            "street": "88 Main Street",
            "city": "Leeds",
            "emails": [{"address": "jane@example.com"}],
            "phones": [{"number": "+44 20 7946 0123"}],
            "date_of_birth": dt.date(1990, 3, 7),
        },
    )
    view = masked(personas.marketer, contact)
    assert isinstance(view, MaskedRecord)
    assert view.display_name == "Jane Doe" and view.given_name == "Jane"  # confidential: shown
    assert view.primary_email == "j***@e***.com" and view.date_of_birth == "****-**-**"
    assert view.address_lines == ["8***", "L***"]  # a property computed from the masks
    [email] = view.emails.all()
    assert str(email) == "j***@e***.com" and email.address.masked
    [phone] = view.phones.all()
    assert phone.tel_uri == "tel:4420123" and "7946" not in phone.tel_uri
    assert {"primary_email", "street", "city", "date_of_birth"} <= view.masked_fields
    assert "national_id" not in view.masked_fields  # empty: nothing to reveal
    assert view.unmasked is contact and view == contact
    with pytest.raises(AttributeError):
        view.given_name = "changed"


def test_methods_of_a_masked_record_read_the_masks_and_cannot_write(personas: Any) -> None:
    """A method runs against the masked view, never against the record behind it (the values it reads stay masked)."""
    from django.contrib.auth.models import User

    from bastion.directory.models import Company

    colleague = User.objects.create(username="mei", first_name="Mei", last_name="Chen", email="mei@corp.example")
    view = MaskedRecord(colleague, personas.rep_east, DataClass.INTERNAL)  # names are confidential: hidden here
    assert view.get_full_name() == "M*** C***" and "Mei" not in view.get_full_name()
    assert view.get_username() == "mei"  # internal: shown
    company = Company.objects.create(name="Acme", industry="finance")
    assert MaskedRecord(company, personas.rep_east, DataClass.PUBLIC).get_industry_display() == "f***"
    assert MaskedRecord(company, personas.rep_east, DataClass.INTERNAL).get_industry_display() == "Finance and insurance"
    for write in ("save", "delete", "refresh_from_db", "full_clean"):
        with pytest.raises(AttributeError, match="read-only"):
            getattr(view, write)
    colleague.refresh_from_db()
    assert (colleague.first_name, colleague.last_name) == ("Mei", "Chen")  # nothing was changed
