"""The board's Pipeline filter names the pipeline the board shows, and the heading follows it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from bastion.sales import actions_setup
from bastion.sales.tests.conftest import STAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(personas: Any, pipeline: Any) -> Any:
    """A second pipeline listed before the default one (position 0), so that a select with
    nothing selected would show it, not the pipeline on the board."""
    return actions_setup.create_pipeline(personas.admin, {"name": "Accounts", "position": 0}, stages=STAGES[:1])


def pipeline_options(body: str) -> list[tuple[str, bool, str]]:
    select = re.search(r'<select name="pipeline"[^>]*>(.*?)</select>', body, re.S)
    assert select, "no pipeline filter"
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1))
    ]


def test_the_default_pipeline_is_the_one_selected_and_all_pipelines_is_not_offered(
    signed_in: Any, personas: Any, pipeline: Any, other: Any
) -> None:
    body = signed_in(personas.rep_east).get(reverse("sales:deal-board")).content.decode()
    assert "<h1>Pipeline: New business</h1>" in body
    assert pipeline_options(body) == [(str(other.pk), False, "Accounts"), (str(pipeline.pk), True, "New business")]
    assert "All pipelines" not in body


def test_the_chosen_pipeline_is_selected_and_shown(signed_in: Any, personas: Any, pipeline: Any, other: Any) -> None:
    body = signed_in(personas.rep_east).get(reverse("sales:deal-board"), {"pipeline": other.pk}).content.decode()
    assert "<h1>Pipeline: Accounts</h1>" in body
    assert [selected for _, selected, _ in pipeline_options(body)] == [True, False]
    assert 'data-testid="column-Qualification"' in body and 'data-testid="column-Won"' not in body


def test_the_other_filters_keep_their_values(signed_in: Any, personas: Any, pipeline: Any, other: Any) -> None:
    owner = personas.rep_east.pk
    body = signed_in(personas.rep_east).get(reverse("sales:deal-board"), {"owner": owner, "q": "aur"}).content.decode()
    assert re.search(rf'<option value="{owner}" selected>', body)
    assert 'value="aur"' in body
    assert [selected for _, selected, _ in pipeline_options(body)] == [False, True]


def test_an_unknown_pipeline_is_reported_and_the_default_one_selected(signed_in: Any, personas: Any, pipeline: Any) -> None:
    body = signed_in(personas.rep_east).get(reverse("sales:deal-board"), {"pipeline": "not-a-pipeline"}).content.decode()
    assert "<h1>Pipeline: New business</h1>" in body
    assert pipeline_options(body) == [(str(pipeline.pk), True, "New business")]
    assert 'class="errorlist"' in body


def test_changing_the_pipeline_through_htmx_also_changes_the_heading(
    signed_in: Any, personas: Any, pipeline: Any, other: Any
) -> None:
    response = signed_in(personas.rep_east).get(reverse("sales:deal-board"), {"pipeline": other.pk}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.startswith('<div id="board"')
    head = re.search(r'<div class="page-head" id="board-head" hx-swap-oob="true">(.*?)</div>', body, re.S)
    assert head and "<h1>Pipeline: Accounts</h1>" in head.group(1)
    assert f"?pipeline={other.pk}" in head.group(1)  # the Deal list button follows too


def test_the_deal_list_still_offers_all_pipelines(signed_in: Any, personas: Any, pipeline: Any, other: Any) -> None:
    body = signed_in(personas.rep_east).get(reverse("sales:deal-list")).content.decode()
    assert [(value, label) for value, _, label in pipeline_options(body)][0] == ("", "All pipelines")
