"""The dashboard's forecast (C1): open deals by expected close date, weighted by probability, with each
month's won deals; checked against known data with a fixed "now", in UTC and in a zone east of it."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from bastion.kernel.access.roles import Role
from bastion.sales import selectors_dashboard as dash
from bastion.sales.tests.factories import pipeline_with_stages, stage_named
from bastion.sales.tests.test_dashboard import NOW, at, deal
from conftest import make_user

pytestmark = pytest.mark.django_db
UTC = zoneinfo.ZoneInfo("UTC")
D = Decimal


@pytest.fixture
def pipeline(db: Any) -> Any:
    """The default pipeline: Qualification 10%, Proposal 50%, Won, Lost."""
    return pipeline_with_stages("Main pipeline", is_default=True)


@pytest.fixture
def executive(persona_password_hash: str) -> Any:
    """Sees the organisation's figures and opens no record."""
    return make_user("executive", Role.EXECUTIVE, persona_password_hash)


def rows(figures: list[dash.ForecastFigure]) -> list[tuple[Any, ...]]:
    return [(f.kind, f.start, f.open.count, f.open.amount, f.open.weighted, f.won.amount, f.forecast) for f in figures]


def test_open_deals_fall_in_their_month_weighted_and_won_deals_add_to_theirs(pipeline: Any, executive: Any) -> None:
    qualification, proposal = stage_named(pipeline, "Qualification"), stage_named(pipeline, "Proposal")  # 10%, 50%
    won, lost = stage_named(pipeline, "Won"), stage_named(pipeline, "Lost")
    deal(qualification, "1000.00", expected_close_date=dt.date(2025, 5, 10))  # NOW is 2025-05-15: passed, still open
    deal(qualification, "2000.00", expected_close_date=dt.date(2025, 5, 15))  # today: this month
    deal(proposal, "400.00", expected_close_date=dt.date(2025, 5, 31))
    deal(proposal, "600.00", probability=80, expected_close_date=dt.date(2025, 7, 1))
    deal(proposal, "100.00", expected_close_date=dt.date(2025, 11, 30))  # the sixth month
    deal(proposal, "300.00", expected_close_date=dt.date(2025, 12, 1))  # later
    deal(proposal, "700.00", expected_close_date=dt.date(2026, 3, 1))  # later
    deal(qualification, "50.00")  # no date
    deal(won, "900.00", closed_at=at(2025, 5, 2), expected_close_date=dt.date(2025, 6, 1))  # won this month
    deal(won, "5000.00", closed_at=at(2025, 4, 30))  # won last month: not in the forecast
    deal(lost, "800.00", closed_at=at(2025, 5, 3), expected_close_date=dt.date(2025, 6, 1))  # lost: nowhere

    assert rows(dash.forecast(executive, NOW, UTC)) == [
        ("overdue", None, 1, D("1000.00"), D("100.00"), D("0.00"), D("100.00")),
        ("month", dt.date(2025, 5, 1), 2, D("2400.00"), D("400.00"), D("900.00"), D("1300.00")),
        ("month", dt.date(2025, 6, 1), 0, D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("month", dt.date(2025, 7, 1), 1, D("600.00"), D("480.00"), D("0.00"), D("480.00")),
        ("month", dt.date(2025, 8, 1), 0, D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("month", dt.date(2025, 9, 1), 0, D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("month", dt.date(2025, 10, 1), 0, D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("later", dt.date(2025, 11, 1), 3, D("1100.00"), D("550.00"), D("0.00"), D("550.00")),
        ("undated", None, 1, D("50.00"), D("5.00"), D("0.00"), D("5.00")),
    ]
    open_total = dash.open_deals(executive)
    figures = dash.forecast(executive, NOW, UTC)
    assert sum(f.open.count for f in figures) == open_total.count  # every open deal in exactly one row
    assert sum(f.open.amount for f in figures) == open_total.amount


def test_months_and_today_are_those_of_the_organisations_time_zone(pipeline: Any, executive: Any) -> None:
    proposal, won = stage_named(pipeline, "Proposal"), stage_named(pipeline, "Won")
    deal(proposal, "400.00", expected_close_date=dt.date(2025, 5, 31))
    deal(won, "1000.00", closed_at=at(2025, 5, 31, 18))  # 02:00 on 1 June in Shanghai
    now = at(2025, 5, 31, 20)  # still 31 May in UTC; 04:00 on 1 June in Shanghai
    in_utc = dash.forecast(executive, now, UTC)
    assert (in_utc[0].open.count, in_utc[1].start, in_utc[1].open.count, in_utc[1].won.amount) == (
        0, dt.date(2025, 5, 1), 1, D("1000.00"),
    )  # fmt: skip
    in_shanghai = dash.forecast(executive, now, zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert (in_shanghai[0].open.count, in_shanghai[1].start, in_shanghai[1].open.count, in_shanghai[1].won.amount) == (
        1, dt.date(2025, 6, 1), 0, D("1000.00"),
    )  # fmt: skip


def test_a_manager_forecasts_only_the_deals_they_may_see(pipeline: Any, personas: Any) -> None:
    proposal = stage_named(pipeline, "Proposal")
    deal(proposal, "400.00", owner=personas.rep_east, team=personas.rep_east.membership.teams.get())
    deal(proposal, "900.00", owner=personas.marketer, team=personas.marketer.membership.teams.get())  # not managed
    mine = dash.forecast(personas.sales_manager, NOW, UTC)
    assert [(f.kind, f.open.amount) for f in mine if f.open.count] == [("undated", D("400.00"))]


def test_the_dashboard_shows_the_forecast_and_links_the_lists_for_who_may_open_them(
    pipeline: Any, executive: Any, personas: Any, signed_in: Any
) -> None:
    qualification = stage_named(pipeline, "Qualification")
    deal(qualification, "1000.00", expected_close_date=dt.date(2020, 1, 1))  # long passed
    deal(qualification, "250.00")
    admin_page = signed_in(personas.admin).get(reverse("sales:dashboard")).content.decode()
    assert 'data-testid="dash-forecast"' in admin_page and 'href="/deals/?closing=overdue"' in admin_page
    assert 'href="/deals/?closing=none"' in admin_page
    client = signed_in(executive)
    page = client.get(reverse("sales:dashboard")).content.decode()
    assert "Passed, still open" in page and "/deals/?closing" not in page  # the executive opens no record
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("sales:dashboard")).content.decode()
    assert "销售预测" in page and "已过期且未关闭" in page


def test_without_open_or_won_deals_the_forecast_says_so(executive: Any, signed_in: Any) -> None:
    page = signed_in(executive).get(reverse("sales:dashboard")).content.decode()
    assert "No open deals and nothing won this month" in page
