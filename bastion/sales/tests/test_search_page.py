"""The search page finds deals and leads too, each as its own list would show it to the user."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bastion.directory.tests.test_company_deals_ui import deal
from bastion.sales import actions_leads
from bastion.sales.tests.factories import pipeline_with_stages, stage_named

pytestmark = pytest.mark.django_db


def _search(client: Any, text: str, **headers: Any) -> str:
    response = client.get(reverse("directory:search"), {"q": text}, **headers)
    assert response.status_code == 200
    return str(response.content.decode())


def _section(page: str, testid: str) -> str:
    start = page.find(f'data-testid="{testid}"')
    return page[start : page.find("</ul>", start)] if start >= 0 else ""


def test_a_deal_is_found_by_the_start_of_its_name_and_only_by_whom_may_see_it(personas: Any, signed_in: Any) -> None:
    stage = stage_named(pipeline_with_stages("Main", is_default=True), "Proposal")
    own = deal(personas.rep_east, stage, name="Falcon renewal 2027")
    other = deal(personas.rep_west, stage, name="Falcon expansion west")

    page = _search(signed_in(personas.rep_east), "falcon")
    found = _section(page, "deal-results")
    assert reverse("sales:deal-detail", args=[own.pk]) in found and "Falcon renewal 2027" in found
    assert "Falcon expansion west" not in page and str(other.pk) not in page  # the other team's deal
    assert "Proposal" in found

    everything = _section(_search(signed_in(personas.admin), "falcon"), "deal-results")
    assert "Falcon renewal 2027" in everything and "Falcon expansion west" in everything


def test_a_lead_is_found_by_name_and_by_its_whole_email_address(personas: Any, signed_in: Any) -> None:
    lead = actions_leads.create_lead(
        personas.rep_east,
        {"given_name": "Quentin", "family_name": "Zephyr", "company_name": "Zephyr Works", "email": "q.zephyr@zw.example"},
    )
    client = signed_in(personas.rep_east)
    for text in ("zephyr", "Q.Zephyr@zw.example"):
        found = _section(_search(client, text), "lead-results")
        assert reverse("sales:lead-detail", args=[lead.pk]) in found, text
        assert "Quentin Zephyr" in found and "Zephyr Works" in found, text
        assert "q.zephyr@zw.example" not in found  # the list shows no restricted value
    assert _section(_search(signed_in(personas.rep_west), "zephyr"), "lead-results") == ""


def test_nothing_found_says_so_for_each_kind_and_the_fragment_has_no_page_around_it(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    page = _search(client, "qqqq")
    for kind in ("companies", "contacts", "deals", "leads"):
        assert f"No {kind} match “qqqq”." in page
    assert "<html" not in _search(client, "qqqq", HTTP_HX_REQUEST="true")
    assert "Companies, contacts, deals and leads" in _search(client, "")


def test_the_search_page_in_chinese(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    page = _search(client, "qqqq", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "没有与“qqqq”匹配的交易。" in page and "没有与“qqqq”匹配的线索。" in page
    assert "公司、联系人、交易和线索" in page
