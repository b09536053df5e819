"""The deal list's "Expected close" filter (overdue, this month, the next 30 days, no date): the
same on the page, its totals, its CSV export's filters and the API, in the organisation's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.sales import actions, selectors
from bastion.sales.models import Deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def dated(personas: Any, stages: Any, rates: Any) -> dict[str, Deal]:
    today = timezone.localdate()
    first = today.replace(day=1)

    def deal(name: str, close: dt.date | None) -> Deal:
        return actions.create_deal(
            personas.rep_east, {"name": name, "amount": "100", "expected_close_date": close.isoformat() if close else ""}
        )

    made = {
        "late": deal("Late", today - dt.timedelta(days=1)),
        "won late": deal("Won late", today - dt.timedelta(days=1)),
        "today": deal("Today", today),
        "in 29 days": deal("In 29 days", today + dt.timedelta(days=29)),
        "in 30 days": deal("In 30 days", today + dt.timedelta(days=30)),
        "last month": deal("Last month", first - dt.timedelta(days=1)),
        "undated": deal("Undated", None),
    }
    actions.move_deal(personas.rep_east, made["won late"].pk, stages["Won"].pk)
    return made


def names(user: Any, closing: str) -> set[str]:
    return {deal.name for deal in selectors.deal_list(user, selectors.DealFilters(closing=closing))}


def test_each_closing_filter_selects_by_the_expected_close_date(personas: Any, dated: Any) -> None:
    rep, today = personas.rep_east, timezone.localdate()
    assert names(rep, "overdue") == {"Late", "Last month"}  # passed and still open; a won deal is not late
    this_month = {
        name for name, deal in dated.items() if deal.expected_close_date and deal.expected_close_date.month == today.month
    }
    assert names(rep, "this_month") == {dated[name].name for name in this_month}
    assert "Last month" not in names(rep, "this_month")
    assert names(rep, "next_30_days") == {"Today", "In 29 days"}
    assert names(rep, "none") == {"Undated"}
    assert len(names(rep, "")) == len(dated)
    assert names(personas.rep_west, "overdue") == set()  # another team's deals stay out
    totals = selectors.deal_totals(rep, selectors.DealFilters(closing="overdue"))
    assert totals.count == 2


def test_the_list_page_and_the_api_filter_by_expected_close(personas: Any, dated: Any, signed_in: Any, api_as: Any) -> None:
    client = signed_in(personas.rep_east)
    page = client.get(reverse("sales:deal-list"), {"closing": "overdue"}).content.decode()
    assert 'name="closing"' in page and '<option value="overdue" selected>Passed, still open</option>' in page
    assert ">Late</a>" in page and ">Last month</a>" in page and ">Won late</a>" not in page and ">Today</a>" not in page
    bad = client.get(reverse("sales:deal-list"), {"closing": "someday"}).content.decode()
    assert "Select a valid choice" in bad and ">Today</a>" in bad  # reported, then ignored
    api = api_as(personas.rep_east)
    found = api.get("/api/v1/deals/", {"closing": "none"}).json()["results"]
    assert [deal["name"] for deal in found] == ["Undated"]
    wrong = api.get("/api/v1/deals/", {"closing": "someday"})
    assert wrong.status_code == 400 and "closing" in wrong.json()["fields"]


def test_the_board_shows_only_the_deals_of_the_chosen_close_dates(personas: Any, dated: Any, signed_in: Any) -> None:
    board = signed_in(personas.rep_east).get(reverse("sales:deal-board"), {"closing": "overdue"}).content.decode()
    assert '<option value="overdue" selected>Passed, still open</option>' in board
    cards = {name for name in ("Late", "Last month", "Won late", "Today", "Undated") if f">{name}</a>" in board}
    assert cards == {"Late", "Last month"}
    columns = selectors.board(personas.rep_east, dated["late"].pipeline, selectors.DealFilters(closing="overdue"))
    assert sum(column.totals.count for column in columns) == 2  # the column sums follow the filter
