"""Form labels read the same on every page: no trailing colon (``BastionForm``), as on the record forms.

The pages below rendered Django's default ``label_suffix`` (":") until their forms moved onto the
shared base; a page that goes back to a plain ``forms.Form`` fails here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from bastion.accounts.testing import step_up
from bastion.directory import actions

pytestmark = pytest.mark.django_db

LABEL = re.compile(r"<label[^>]*>(.*?)</label>", re.S)


def labels(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip() for text in LABEL.findall(html)]


def test_no_label_ends_with_a_colon(personas: Any, signed_in: Any) -> None:
    contact = actions.create_contact(personas.rep_east, {"given_name": "Ann", "family_name": "Lee"})
    admin, rep = signed_in(personas.admin), signed_in(personas.rep_east)
    step_up(admin, personas.admin)
    step_up(rep, personas.rep_east)
    pages = {
        "imports:new": (rep, reverse("imports:new")),
        "directory:contact-sharing": (rep, reverse("directory:contact-sharing", args=[contact.pk])),
        "accounts:staff-member": (admin, reverse("accounts:staff-member", args=[personas.rep_east.pk])),
        "accounts:access-review": (admin, reverse("accounts:access-review")),
        "accounts:record-defaults": (admin, reverse("accounts:record-defaults")),
        "accounts:token-create": (rep, reverse("accounts:token-create")),
    }
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found = labels(response.content.decode())
        assert found, f"{name}: no labels found"
        assert [text for text in found if text.endswith((":", "："))] == [], name
