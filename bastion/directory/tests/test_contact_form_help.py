"""The write-only help ("Hidden for your role ...") is for a stored value the role cannot see:
never on a new contact, where there is nothing to keep.

Administrators see restricted values masked too (docs/adr/0030: every role does, until it
reveals one), so their restricted fields are write-only; on a new record they are ordinary fields.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bastion.directory.forms import WRITE_ONLY_HELP
from bastion.directory.models import Contact

pytestmark = pytest.mark.django_db

RESTRICTED_LABELS = [
    "Street address", "Postal code", "City", "State / province", "Country", "Date of birth", "National ID number",
    "Private notes",
]  # fmt: skip


def test_the_new_contact_form_has_no_hidden_value_help(personas: Any, signed_in: Any) -> None:
    body = signed_in(personas.admin).get(reverse("directory:contact-create")).content.decode()
    for label in RESTRICTED_LABELS:
        assert label in body
    assert "Hidden for your role" not in body
    assert str(WRITE_ONLY_HELP) not in body
    assert 'type="date" name="date_of_birth"' in body  # a date picker, not a text field for a mask
    assert "For example a passport or resident ID number." in body  # the field's own help stays


def test_the_edit_form_keeps_the_help_for_values_the_role_cannot_see(personas: Any, signed_in: Any, person: Contact) -> None:
    for user in (personas.admin, personas.rep_east):
        body = signed_in(user).get(reverse("directory:contact-edit", args=[person.pk])).content.decode()
        assert body.count(str(WRITE_ONLY_HELP)) == 6, user  # street, postal code, city, date of birth, ID, notes (stored)
        assert 'placeholder="****8888"' in body and 'placeholder="****-**-**"' in body
        assert "110101199003078888" not in body and "1990-03-07" not in body
