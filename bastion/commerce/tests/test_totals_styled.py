"""The figures above the order list and a customer's purchase history are styled by a stylesheet the page loads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from bastion.commerce import actions

pytestmark = pytest.mark.django_db


def _stylesheets(body: str) -> str:
    """The text of every stylesheet the page links, found through the static files finders."""
    texts = []
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', body):
        found = finders.find(href.removeprefix(settings.STATIC_URL))
        assert found, f"the page links {href}, which no static files finder has"
        texts.append(Path(str(found)).read_text(encoding="utf-8"))
    return "\n".join(texts)


@pytest.mark.parametrize("page", ["order list", "contact"])
def test_totals_have_their_style_on_the_page(signed_in: Any, personas: Any, catalogue: Any, customer: Any, page: str) -> None:
    company, contact = customer
    lines = [{"product": catalogue["widget"].pk, "quantity": "2"}]
    actions.create_order(personas.rep_east, {"contact": contact.pk, "company": company.pk, "lines": lines})
    client = signed_in(personas.rep_east)
    url = reverse("commerce:order-list") if page == "order list" else reverse("directory:contact-detail", args=[contact.pk])
    body = client.get(url).content.decode()
    assert 'class="totals"' in body
    css = _stylesheets(body)
    assert re.search(r"^\.totals \{[^}]*display: flex", css, re.MULTILINE), "no stylesheet the page loads styles .totals"
    assert re.search(r"^\.totals dd \{[^}]*font-weight: 600", css, re.MULTILINE)
