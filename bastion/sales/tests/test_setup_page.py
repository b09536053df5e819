"""The sales set-up page explains the web form's framing in words for people: the setting's name
only for administrators, who can pass it on to whoever runs the server."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@override_settings(BASTION_LEAD_FORM_EMBED_ORIGINS=[])
def test_an_administrator_is_told_whom_to_ask_and_which_setting(signed_in: Any, personas: Any) -> None:
    body = signed_in(personas.admin).get(reverse("sales:setup")).content.decode()
    assert "ask your server administrator" in body
    assert "(setting BASTION_LEAD_FORM_EMBED_ORIGINS)" in body
    assert "list them in BASTION_LEAD_FORM_EMBED_ORIGINS" not in body


@override_settings(BASTION_LEAD_FORM_EMBED_ORIGINS=[])
def test_a_sales_rep_sees_no_setting_name(signed_in: Any, personas: Any) -> None:
    body = signed_in(personas.rep_east).get(reverse("sales:setup")).content.decode()
    assert "No site may show it in a frame yet; link to the form instead." in body
    assert "BASTION_LEAD_FORM_EMBED_ORIGINS" not in body


@override_settings(BASTION_LEAD_FORM_EMBED_ORIGINS=["https://www.example.com"])
def test_allowed_sites_are_listed_with_the_snippet(signed_in: Any, personas: Any) -> None:
    body = signed_in(personas.rep_east).get(reverse("sales:setup")).content.decode()
    assert "These sites may show it in a frame: https://www.example.com" in body
    assert 'data-testid="embed-origins-help"' not in body
