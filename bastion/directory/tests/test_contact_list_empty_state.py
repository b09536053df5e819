"""The unfiltered, empty contact list tells the truth without telling how many records exist: a
user who sees no contacts (others may exist) reads "No contacts you can see yet"; only a role
that sees every record reads "No contacts yet". A search that matches nothing keeps its message."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_reader_who_sees_none_of_the_existing_contacts(signed_in: Any, personas: Any, read_only: Any, contact: Any) -> None:
    from bastion.accounts.models import Team

    read_only.membership.teams.set([Team.objects.get(name="Sales West")])  # the contact is Sales East's
    client = signed_in(read_only)
    body = client.get(reverse("directory:contact-list")).content.decode()
    assert "Alice" not in body
    assert "No contacts you can see yet" in body and "No contacts yet" not in body
    assert "Add the first one" not in body
    searched = client.get(reverse("directory:contact-list"), {"q": "ali"}).content.decode()
    assert "No contacts match “ali”" in searched and "you can see" not in searched


def test_the_wording_does_not_depend_on_whether_contacts_exist(signed_in: Any, personas: Any, read_only: Any) -> None:
    body = signed_in(read_only).get(reverse("directory:contact-list")).content.decode()
    assert "No contacts you can see yet" in body


def test_a_role_that_sees_every_record_reads_no_contacts_yet(signed_in: Any, personas: Any) -> None:
    body = signed_in(personas.admin).get(reverse("directory:contact-list")).content.decode()
    assert "No contacts yet" in body and "you can see" not in body and "Add the first one" in body
