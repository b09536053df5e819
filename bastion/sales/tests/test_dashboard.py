"""The dashboard (/dashboard/): organisation-wide counts and sums for the roles with ``dashboards``.

Figures are checked against known data with a fixed "now" (the selectors take it), months and
quarters also in a time zone east of UTC; the page is checked for who may open it, that it names
and links no record, and that its number of queries does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bastion.commerce.models import Order, OrderStatus
from bastion.directory.models import LifecycleStage
from bastion.directory.tests.factories import CompanyFactory, ContactFactory
from bastion.kernel.access.roles import POLICIES, Role
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_activities
from bastion.sales import selectors_dashboard as dash
from bastion.sales.models import Deal, Lead, LeadStatus
from bastion.sales.tests.factories import DealFactory, LeadFactory, pipeline_with_stages, stage_named
from conftest import make_user

pytestmark = pytest.mark.django_db

UTC = dt.UTC
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 5, 15, 12, tzinfo=UTC)  # Q2 2025; the six months are Dec 2024 to May 2025
_numbers = count(1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def deal(stage: Any, amount: str, *, closed_at: dt.datetime | None = None, name: str = "", **kwargs: Any) -> Deal:
    made: Any = DealFactory(stage=stage, amount=Decimal(amount), **({"name": name} if name else {}), **kwargs)
    if closed_at is not None:
        Deal.objects.filter(pk=made.pk).update(closed_at=closed_at)
    return made


def order(status: str, total: str, ordered_at: dt.datetime, **kwargs: Any) -> Order:
    cents = int(Decimal(total) * 100)
    return Order.objects.create(
        number=f"ORD-8{next(_numbers):05d}", status=status, currency=settings.BASTION_BASE_CURRENCY,
        total=Decimal(total), total_base_cents=cents, ordered_at=ordered_at, **kwargs,
    )  # fmt: skip


def lead(created_at: dt.datetime, **kwargs: Any) -> Lead:
    made: Any = LeadFactory(**kwargs)
    Lead.objects.filter(pk=made.pk).update(created_at=created_at)
    return made


@pytest.fixture
def pipeline(db: Any) -> Any:
    pipeline_with_stages("Other pipeline")
    return pipeline_with_stages("Main pipeline", is_default=True)


@pytest.fixture
def executive(persona_password_hash: str) -> Any:
    return make_user("executive", Role.EXECUTIVE, persona_password_hash)


# --- the figures -------------------------------------------------------------------------------


def test_open_deals_per_stage_of_the_default_pipeline_and_over_all_pipelines(pipeline: Any, executive: Any) -> None:
    other = pipeline_with_stages("Renewals")
    deal(stage_named(pipeline, "Qualification"), "1000.00")  # 10%
    deal(stage_named(pipeline, "Qualification"), "500.00")
    deal(stage_named(pipeline, "Proposal"), "200.00", probability=75)  # a probability set by hand counts
    deal(stage_named(pipeline, "Won"), "9000.00")  # closed: not open
    deal(stage_named(pipeline, "Lost"), "8000.00")
    deal(stage_named(other, "Proposal"), "300.00")  # another pipeline: only in the total

    stages = dash.open_by_stage(executive, pipeline)
    assert [(s.name, s.totals.count, s.totals.amount, s.totals.weighted) for s in stages] == [
        ("Qualification", 2, Decimal("1500.00"), Decimal("150.00")),
        ("Proposal", 1, Decimal("200.00"), Decimal("150.00")),
    ]
    assert dash.open_deals(executive) == dash.Totals(4, Decimal("2000.00"), Decimal("450.00"))


def test_a_stage_without_deals_shows_zero(executive: Any) -> None:
    empty = pipeline_with_stages("Empty", is_default=True)
    assert [(s.name, s.totals.count, s.totals.amount) for s in dash.open_by_stage(executive, empty)] == [
        ("Qualification", 0, Decimal("0.00")),
        ("Proposal", 0, Decimal("0.00")),
    ]


def test_won_and_lost_in_this_quarter_and_the_last(pipeline: Any, executive: Any) -> None:
    won, lost = stage_named(pipeline, "Won"), stage_named(pipeline, "Lost")
    deal(won, "1000.00", closed_at=at(2025, 4, 10))
    deal(won, "500.00", closed_at=at(2025, 5, 1))
    deal(lost, "250.00", closed_at=at(2025, 5, 2))
    deal(won, "300.00", closed_at=at(2025, 3, 31, 20))  # Q1 in UTC, Q2 in Shanghai (04:00 on 1 April)
    deal(lost, "200.00", closed_at=at(2025, 2, 1))
    deal(won, "7000.00", closed_at=at(2024, 12, 31))  # two quarters ago: left out
    deal(stage_named(pipeline, "Proposal"), "100.00")  # open

    current, previous = dash.closed_by_quarter(executive, NOW, zoneinfo.ZoneInfo("UTC"))
    assert (current.start, current.quarter, previous.start, previous.quarter) == (
        dt.date(2025, 4, 1), 2, dt.date(2025, 1, 1), 1,
    )  # fmt: skip
    assert (current.won.count, current.won.amount, current.lost.count, current.lost.amount) == (
        2, Decimal("1500.00"), 1, Decimal("250.00"),
    )  # fmt: skip
    assert current.win_rate == Decimal(67)
    assert (previous.won.count, previous.won.amount, previous.lost.count, previous.win_rate) == (
        1, Decimal("300.00"), 1, Decimal(50),
    )  # fmt: skip

    current, previous = dash.closed_by_quarter(executive, NOW, SHANGHAI)
    assert (current.won.count, current.won.amount, previous.won.count, previous.win_rate) == (
        3, Decimal("1800.00"), 0, Decimal(0),
    )  # fmt: skip


def test_a_quarter_without_closed_deals_has_no_win_rate(executive: Any) -> None:
    assert [quarter.win_rate for quarter in dash.closed_by_quarter(executive, NOW, SHANGHAI)] == [None, None]


def test_revenue_per_month_counts_paid_and_shipped_orders_only(executive: Any) -> None:
    order(OrderStatus.PAID, "100.00", at(2025, 5, 3))
    order(OrderStatus.SHIPPED, "50.50", at(2025, 5, 10))
    for status in (OrderStatus.DRAFT, OrderStatus.CONFIRMED, OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        order(status, "999.00", at(2025, 5, 4))
    order(OrderStatus.PAID, "70.00", at(2025, 1, 31, 18))  # January in UTC, February in Shanghai
    order(OrderStatus.SHIPPED, "30.00", at(2024, 12, 1, 0, 30))
    order(OrderStatus.PAID, "5000.00", at(2024, 11, 15))  # seven months ago: left out

    months = dash.revenue_by_month(executive, NOW, zoneinfo.ZoneInfo("UTC"))
    assert [(m.start, m.count, m.amount) for m in months] == [
        (dt.date(2024, 12, 1), 1, Decimal("30.00")),
        (dt.date(2025, 1, 1), 1, Decimal("70.00")),
        (dt.date(2025, 2, 1), 0, Decimal("0.00")),
        (dt.date(2025, 3, 1), 0, Decimal("0.00")),
        (dt.date(2025, 4, 1), 0, Decimal("0.00")),
        (dt.date(2025, 5, 1), 2, Decimal("150.50")),
    ]
    shanghai = dash.revenue_by_month(executive, NOW, SHANGHAI)
    assert [(m.start.month, m.amount) for m in shanghai if m.count] == [
        (12, Decimal("30.00")), (2, Decimal("70.00")), (5, Decimal("150.50")),
    ]  # fmt: skip


def test_new_leads_per_month_whatever_their_status(executive: Any) -> None:
    lead(at(2025, 5, 2))
    lead(at(2025, 5, 14), status=LeadStatus.CONVERTED)
    lead(at(2025, 3, 15))
    lead(at(2024, 11, 30, 17))  # November in UTC, December in Shanghai
    lead(at(2024, 10, 1))  # left out

    assert [m.count for m in dash.leads_by_month(executive, NOW, zoneinfo.ZoneInfo("UTC"))] == [0, 0, 0, 1, 0, 2]
    assert [m.count for m in dash.leads_by_month(executive, NOW, SHANGHAI)] == [1, 0, 0, 1, 0, 2]


def test_people_per_lifecycle_stage_count_contacts_and_unconverted_leads(executive: Any) -> None:
    ContactFactory(emails=[], phones=[])  # a lead by default
    for stage in (LifecycleStage.CUSTOMER, LifecycleStage.CUSTOMER, LifecycleStage.OPPORTUNITY):
        contact: Any = ContactFactory(emails=[], phones=[])
        type(contact).objects.filter(pk=contact.pk).update(lifecycle_stage=stage)
    erased: Any = ContactFactory(emails=[], phones=[])
    type(erased).objects.filter(pk=erased.pk).update(erased_at=timezone.now(), lifecycle_stage=LifecycleStage.CUSTOMER)
    LeadFactory()
    converted: Any = LeadFactory(status=LeadStatus.CONVERTED)
    Lead.objects.filter(pk=converted.pk).update(lifecycle_stage=LifecycleStage.OPPORTUNITY)
    qualified: Any = LeadFactory()
    Lead.objects.filter(pk=qualified.pk).update(lifecycle_stage=LifecycleStage.SALES_QUALIFIED)

    rows = {row.stage: (row.contacts, row.leads, row.total) for row in dash.people_by_lifecycle_stage(executive)}
    assert list(rows) == list(LifecycleStage.values)
    assert rows[LifecycleStage.LEAD] == (1, 1, 2)
    assert rows[LifecycleStage.CUSTOMER] == (2, 0, 2)
    assert rows[LifecycleStage.OPPORTUNITY] == (1, 0, 1)
    assert rows[LifecycleStage.SALES_QUALIFIED] == (0, 1, 1)
    assert sum(total for _c, _l, total in rows.values()) == 6


def test_open_tasks_by_when_they_are_due_in_the_organisations_days(executive: Any, personas: Any, signed_in: Any) -> None:
    rep = personas.rep_east
    # NOW is 20:00 in Shanghai: its day began at 16:00 UTC the day before.
    for subject, due in (
        ("overdue", NOW - dt.timedelta(days=2)), ("early today", at(2025, 5, 14, 16, 30)),
        ("in three days", NOW + dt.timedelta(days=3)), ("in ten days", NOW + dt.timedelta(days=10)),
        ("no date", None), ("done", NOW - dt.timedelta(days=1)),
    ):  # fmt: skip
        task = actions_activities.create_activity(rep, {"kind": "task", "subject": subject, "due_at": due})
    actions_activities.set_done(rep, task.pk, True)
    assert dash.open_tasks(executive, NOW, SHANGHAI) == dash.TaskFigures(open=5, overdue=1, today=1, week=2)
    assert dash.open_tasks(executive, NOW, zoneinfo.ZoneInfo("UTC")) == dash.TaskFigures(open=5, overdue=2, today=0, week=1)
    assert dash.open_tasks(personas.sales_manager, NOW, zoneinfo.ZoneInfo("UTC")).open == 5  # rep_east's team is the manager's
    executive_page = signed_in(executive).get(reverse("sales:dashboard")).content.decode()
    assert 'data-testid="dash-tasks"' in executive_page and "/activities/?" not in executive_page  # no records to open
    manager_page = signed_in(personas.sales_manager).get(reverse("sales:dashboard")).content.decode()
    assert 'href="/activities/?state=overdue&amp;ordering=when"' in manager_page


# --- who may open it ----------------------------------------------------------------------------


def test_a_team_manager_counts_only_the_records_they_may_see(
    pipeline: Any, executive: Any, personas: Any, persona_password_hash: str
) -> None:
    from bastion.accounts.models import Team

    north = Team.objects.create(name="Sales North")  # not one of the sales manager's teams
    rep_north = make_user("rep_north", Role.SALES_REP, persona_password_hash, [north])
    stage = stage_named(pipeline, "Proposal")
    deal(stage, "100.00", owner=personas.rep_east, team=personas.rep_east.membership.teams.get())
    deal(stage, "7000.00", owner=rep_north, team=north)
    manager = dash.open_deals(personas.sales_manager)
    assert (manager.count, manager.amount) == (1, Decimal("100.00"))  # another team's deal is not in their figures
    everyone = dash.open_deals(executive)
    assert (everyone.count, everyone.amount) == (2, Decimal("7100.00"))  # the executive decides from the whole
    assert not dash.dashboard(personas.sales_manager).organisation_wide and dash.dashboard(executive).organisation_wide


def test_the_page_says_whose_figures_it_shows(executive: Any, personas: Any, signed_in: Any) -> None:
    scope = 'data-testid="dash-scope">'
    body = signed_in(executive).get(reverse("sales:dashboard")).content.decode()
    assert f"{scope}Figures for the whole organisation" in body
    body = signed_in(personas.sales_manager).get(reverse("sales:dashboard")).content.decode()
    assert f"{scope}Figures for the records you can see" in body


def test_the_selector_refuses_a_role_without_dashboards(personas: Any, executive: Any) -> None:
    with pytest.raises(PermissionDenied):
        dash.dashboard(personas.rep_east)
    with pytest.raises(PermissionDenied):
        dash.dashboard(None)


@pytest.mark.parametrize("role", [*Role.values, None])
def test_only_roles_with_dashboards_open_the_page(role: str | None, persona_password_hash: str, signed_in: Any) -> None:
    client = signed_in(make_user(f"user_{role or 'none'}", role, persona_password_hash))
    response = client.get(reverse("sales:dashboard"))
    allowed = role is not None and POLICIES[role].dashboards
    assert response.status_code == (200 if allowed else 403), role
    if not allowed:
        assert "Your role does not give access to the dashboard." in response.content.decode()
        assert AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).count() == 1
    else:
        assert not AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).exists()


def test_executive_administrator_and_managers_may_and_sales_rep_may_not() -> None:
    assert {role for role, policy in POLICIES.items() if policy.dashboards} == {
        Role.ADMINISTRATOR, Role.SALES_MANAGER, Role.SERVICE_MANAGER, Role.MARKETING_MANAGER, Role.EXECUTIVE,
    }  # fmt: skip
    assert not POLICIES[Role.SALES_REP].dashboards


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Any) -> None:
    response = client.get(reverse("sales:dashboard"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_an_empty_organisation_shows_empty_states(executive: Any, signed_in: Any) -> None:
    body = signed_in(executive).get(reverse("sales:dashboard")).content.decode()
    for text in (
        "No open deals yet",
        "No deals won or lost this quarter or last",
        "No paid or shipped orders in the last six months",
        "No new leads in the last six months",
        "No contacts or leads yet",
        "No open tasks",
    ):
        assert text in body
    assert 'data-testid="as-of"' in body


# --- what it shows, and what it never shows ------------------------------------------------------


def _world(pipeline: Any, owner: Any, copies: int = 1) -> list[str]:
    """Records with distinctive names this month; returns every name, email and number that must not appear."""
    secrets: list[str] = []
    now = timezone.now()
    for index in range(copies):
        company: Any = CompanyFactory(name=f"Zanzibarcorp {index}")
        contact: Any = ContactFactory(
            given_name="Quetzalia", family_name=f"Vornhagen{index}", job_title="Chief Obfuscator",
            emails=[f"quetzalia{index}@zanzibar.example"], phones=[], company=company,
        )  # fmt: skip
        made = [
            deal(stage_named(pipeline, "Proposal"), "1234.00", name=f"Xylophone deal {index}", company=company, owner=owner),
            deal(stage_named(pipeline, "Won"), "4321.00", name=f"Yodel deal {index}", closed_at=now, contact=contact),
        ]
        paid = order(OrderStatus.PAID, "600.00", now, contact=contact, notes="Ultramarine notes")
        new_lead = lead(now, given_name="Wobbleton", family_name=f"Grimsditch{index}", email=f"wobble{index}@leads.example")
        task = actions_activities.create_activity(owner, {"kind": "task", "subject": f"Quibble task {index}", "deal": made[0].pk})
        secrets += [task.subject, str(task.pk)]
        secrets += [company.name, contact.family_name, "Chief Obfuscator", f"quetzalia{index}@zanzibar.example"]
        secrets += [made[0].name, made[1].name, paid.number, "Ultramarine notes", new_lead.family_name]
        secrets += [f"wobble{index}@leads.example", str(made[0].pk), str(paid.pk), str(contact.pk), str(company.pk)]
    return secrets


def test_the_page_shows_the_figures_and_no_record(pipeline: Any, executive: Any, personas: Any, signed_in: Any) -> None:
    secrets = _world(pipeline, personas.rep_east)
    response = signed_in(executive).get(reverse("sales:dashboard"))
    body = response.content.decode()
    assert response.status_code == 200
    leaked = [secret for secret in secrets if secret in body]
    assert leaked == []
    for prefix in ("/deals/", "/contacts/", "/companies/", "/orders/", "/leads/"):
        assert f'href="{prefix}' not in body
    assert "1,234.00" in body and "4,321.00" in body and "600.00" in body  # open, won and revenue figures
    assert "Main pipeline" in body  # the vocabulary: the default pipeline's name and stages
    assert "<script>" not in body and " style=" not in body  # strict CSP: no inline script or style
    assert not AuditEvent.objects.filter(kind__in=[EventKind.RECORD_VIEWED, EventKind.ACCESS_DENIED]).exists()


def test_the_page_renders_in_chinese(pipeline: Any, executive: Any, personas: Any, signed_in: Any) -> None:
    _world(pipeline, personas.rep_east)
    client = signed_in(executive)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse("sales:dashboard"))
    assert response.status_code == 200 and '<html lang="zh-hans">' in response.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_data(pipeline: Any, executive: Any, personas: Any, signed_in: Any) -> None:
    client = signed_in(executive)
    url = reverse("sales:dashboard")
    client.get(url)  # warm the session and caches
    _world(pipeline, personas.rep_east, copies=1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _world(pipeline, personas.rep_east, copies=8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 23  # the session, the user, the second-factor check, then the figures
    tables = ("sales_", "commerce_", "directory_")
    figures = [query["sql"] for query in many if any(f'"{table}' in query["sql"] for table in tables)]
    assert len(figures) == 12  # the default pipeline, its open stages, one query per figure group, three for the forecast
