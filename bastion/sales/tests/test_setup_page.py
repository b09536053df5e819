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


def test_a_scoring_rule_names_a_choice_by_its_label_not_its_code(signed_in: Any, personas: Any) -> None:
    from bastion.sales import actions_scoring

    rules = [
        {"name": "From the form", "category": "fit", "field": "source", "operator": "equals", "value": "web_form", "points": 5},
        {
            "name": "Chinese",
            "category": "fit",
            "field": "preferred_language",
            "operator": "equals",
            "value": "zh-hans",
            "points": 2,
        },
        {"name": "Directors", "category": "fit", "field": "job_title", "operator": "contains", "value": "Director", "points": 3},
    ]
    for rule in rules:
        actions_scoring.create_rule(personas.admin, rule)
    body = signed_in(personas.rep_east).get(reverse("sales:setup")).content.decode()
    assert "Source is “Web form”" in body and "web_form" not in body
    assert "Job title contains “Director”" in body and "Preferred language is “Simplified Chinese”" in body
    chinese = signed_in(personas.rep_east).get(reverse("sales:setup"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "来源等于“网页表单”" in chinese  # Chinese sets the phrases side by side
