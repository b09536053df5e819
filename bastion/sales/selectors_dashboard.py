"""The dashboard's figures: organisation-wide aggregates for the roles whose policy has ``dashboards``.

For the executive (no customer records, ``RecordAccess.NONE``: their duty is to decide from the
organisation's figures) and for administrators (who see every record anyway) they are
organisation-wide: the one read of sales and commerce data that does not start from
``objects.visible_to(user)``. For the other roles with dashboards (team managers) they count only
the records the user may see (:func:`records_counted`): a manager's figures never include
another team's deals. Neither breaks record-level access, because nothing here returns a record:
every function answers counts and sums computed by the
database (``aggregate`` / grouped ``annotate``), never a name, an email, a title, an amount of one
deal or order, nor an id to open one. The only names shown are the organisation's vocabulary
(the default pipeline and its stages). :func:`dashboard` refuses any user whose role has no
``dashboards`` (``can_see_dashboards``), so the figures cannot be reached without the policy.

Reading the dashboard is not audited, like the deal list's totals: no record is read, so there is
nothing for the record-read trail to name; a refusal is audited as every 403 is.

Money is summed as integer hundredths of the base currency (``amount_base_cents`` of deals,
``total_base_cents`` of orders; docs/adr/0033), exact on SQLite and PostgreSQL alike. Months and
quarters are cut in ``settings.TIME_ZONE`` by the database (``TruncMonth``, ``TruncQuarter``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, BooleanField, Count, ExpressionWrapper, F, IntegerField, Q, Sum, Value
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone

from bastion.commerce.models import Order
from bastion.commerce.selectors import REVENUE
from bastion.directory.models import Contact, LifecycleStage
from bastion.kernel.access.roles import RecordAccess, policy_of
from bastion.kernel.access.scoping import can_see_dashboards
from bastion.sales.models import Activity, ActivityKind, Deal, Lead, LeadStatus, Pipeline, Stage, StageKind
from bastion.sales.money import from_cents
from bastion.sales.selectors import Totals

MONTHS = 6  # the current month and the five before it
FORECAST_MONTHS = 6  # the current month and the five after it
CLOSED = (StageKind.WON, StageKind.LOST)


@dataclass(frozen=True)
class StageFigure:
    name: str
    totals: Totals


@dataclass(frozen=True)
class QuarterFigure:
    """Deals closed (won or lost stage, ``closed_at`` in the quarter)."""

    start: dt.date
    won: Totals = Totals()
    lost: Totals = Totals()

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def win_rate(self) -> Decimal | None:
        """Won deals as a percentage of the deals closed in the quarter, None when none closed."""
        closed = self.won.count + self.lost.count
        return None if not closed else (Decimal(100 * self.won.count) / closed).quantize(Decimal(1))


@dataclass(frozen=True)
class MonthFigure:
    start: dt.date
    count: int = 0
    amount: Decimal = Decimal("0.00")
    cents: int = 0  # the bar's length


@dataclass(frozen=True)
class ForecastFigure:
    """Open deals expected to close in a period (``kind``: "overdue", "month", "later" or "undated"), and for a
    month also the deals won in it; the forecast is what was won plus what is open, weighted by probability."""

    kind: str
    start: dt.date | None = None
    open: Totals = Totals()
    won: Totals = Totals()

    @property
    def forecast(self) -> Decimal:
        return self.won.amount + self.open.weighted

    @property
    def cents(self) -> int:
        return int(self.forecast * 100)  # the bar's length


@dataclass(frozen=True)
class TaskFigures:
    """Open tasks: all, overdue (due before today), due today, due from today to a week after it (the
    activity list's "Today and the next 7 days", which the dashboard links to)."""

    open: int = 0
    overdue: int = 0
    today: int = 0
    week: int = 0


@dataclass(frozen=True)
class LifecycleFigure:
    stage: str
    label: str
    contacts: int = 0
    leads: int = 0

    @property
    def total(self) -> int:
        return self.contacts + self.leads


@dataclass
class Dashboard:
    as_of: dt.datetime
    organisation_wide: bool = True  # else: the records the user may see (records_counted)
    pipeline_name: str = ""
    stages: list[StageFigure] = field(default_factory=list)
    open_total: Totals = Totals()
    quarters: list[QuarterFigure] = field(default_factory=list)
    revenue: list[MonthFigure] = field(default_factory=list)
    leads: list[MonthFigure] = field(default_factory=list)
    lifecycle: list[LifecycleFigure] = field(default_factory=list)
    tasks: TaskFigures = TaskFigures()
    forecast: list[ForecastFigure] = field(default_factory=list)

    @property
    def forecast_max(self) -> int:
        return max((figure.cents for figure in self.forecast), default=0)

    @property
    def revenue_max(self) -> int:
        return max((month.cents for month in self.revenue), default=0)

    @property
    def leads_max(self) -> int:
        return max((month.count for month in self.leads), default=0)

    @property
    def closed_any(self) -> bool:
        return any(quarter.win_rate is not None for quarter in self.quarters)

    @property
    def people_total(self) -> int:
        return sum(row.total for row in self.lifecycle)


def counts_everything(user: Any) -> bool:
    """Whether the dashboard of ``user`` counts the whole organisation: a role that sees every record, or none (the executive)."""
    policy = policy_of(user)
    return policy is not None and (policy.all_records or policy.customer_records == RecordAccess.NONE)


def records_counted(user: Any, model: Any) -> Any:
    """The rows of ``model`` the dashboard of ``user`` counts: all (:func:`counts_everything`), else those they may see."""
    return model.objects.all() if counts_everything(user) else model.objects.visible_to(user)


def dashboard(user: Any) -> Dashboard:
    """Every figure of the dashboard page, as of now (a fixed number of queries, whatever the data)."""
    if not can_see_dashboards(user):
        raise PermissionDenied
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    pipeline = Pipeline.objects.order_by("-is_default", "position", "name").first()
    return Dashboard(
        as_of=now,
        organisation_wide=counts_everything(user),
        pipeline_name=pipeline.name if pipeline else "",
        stages=open_by_stage(user, pipeline) if pipeline else [],
        open_total=open_deals(user),
        quarters=closed_by_quarter(user, now, tz),
        revenue=revenue_by_month(user, now, tz),
        leads=leads_by_month(user, now, tz),
        lifecycle=people_by_lifecycle_stage(user),
        tasks=open_tasks(user, now, tz),
        forecast=forecast(user, now, tz),
    )


def _sums(prefix: str = "") -> dict[str, Any]:
    amount = F(f"{prefix}amount_base_cents")
    return {
        "count": Count(f"{prefix}id"),
        "amount": Sum(amount),
        "weighted": Sum(ExpressionWrapper(amount * F(f"{prefix}probability"), output_field=BigIntegerField())),
    }


def _totals(row: Any) -> Totals:
    weighted = (Decimal(row.get("weighted") or 0) / 10000).quantize(Decimal("0.01"))
    return Totals(row.get("count") or 0, from_cents(row.get("amount")), weighted)


def open_by_stage(user: Any, pipeline: Pipeline) -> list[StageFigure]:
    """Each open stage of ``pipeline`` in order, with its deals' count, sum and probability-weighted sum."""
    stages = Stage.objects.filter(pipeline=pipeline, kind=StageKind.OPEN).order_by("position", "name")
    deals = records_counted(user, Deal).filter(stage__pipeline=pipeline, stage__kind=StageKind.OPEN)
    found = {row["stage_id"]: _totals(row) for row in deals.order_by().values("stage_id").annotate(**_sums())}
    return [StageFigure(name, found.get(pk, Totals())) for pk, name in stages.values_list("id", "name")]


def open_deals(user: Any) -> Totals:
    """Every deal in an open stage, over all pipelines."""
    return _totals(records_counted(user, Deal).filter(stage__kind=StageKind.OPEN).order_by().aggregate(**_sums()))


def _month_start(moment: dt.datetime, tz: zoneinfo.ZoneInfo, back: int = 0) -> dt.datetime:
    local = timezone.localtime(moment, tz)
    index = local.year * 12 + local.month - 1 - back
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=tz)


def _key(value: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.date:
    return timezone.localtime(value, tz).date()


def closed_by_quarter(user: Any, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[QuarterFigure]:
    """Deals won and lost in the current quarter and the one before (by ``closed_at``), newest first."""
    local = timezone.localtime(now, tz)
    current = _month_start(now, tz, back=(local.month - 1) % 3)
    previous = _month_start(current, tz, back=3)
    rows = (
        records_counted(user, Deal)
        .filter(stage__kind__in=CLOSED, closed_at__gte=previous)
        .annotate(quarter=TruncQuarter("closed_at", tzinfo=tz))
        .order_by()
        .values("quarter", "stage__kind")
        .annotate(**_sums())
    )
    found = {(_key(row["quarter"], tz), row["stage__kind"]): _totals(row) for row in rows}
    return [
        QuarterFigure(start, found.get((start, StageKind.WON), Totals()), found.get((start, StageKind.LOST), Totals()))
        for start in (current.date(), previous.date())
    ]


def _months(now: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[dt.date]:
    return [_month_start(now, tz, back=back).date() for back in range(MONTHS - 1, -1, -1)]


def revenue_by_month(user: Any, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[MonthFigure]:
    """Paid and shipped orders (as lifetime value counts them) per month of ``ordered_at``, oldest first."""
    rows = (
        records_counted(user, Order)
        .filter(status__in=REVENUE, ordered_at__gte=_month_start(now, tz, back=MONTHS - 1))
        .annotate(month=TruncMonth("ordered_at", tzinfo=tz))
        .order_by()
        .values("month")
        .annotate(count=Count("id"), amount=Sum("total_base_cents"))
    )
    found = {_key(row["month"], tz): (row["count"], row["amount"] or 0) for row in rows}
    figures = []
    for month in _months(now, tz):
        count, cents = found.get(month, (0, 0))
        figures.append(MonthFigure(month, count, from_cents(cents), cents))
    return figures


def leads_by_month(user: Any, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[MonthFigure]:
    """Leads created per month (whatever their status now), oldest first."""
    rows = (
        records_counted(user, Lead)
        .filter(created_at__gte=_month_start(now, tz, back=MONTHS - 1))
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .order_by()
        .values("month")
        .annotate(count=Count("id"))
    )
    found = {_key(row["month"], tz): row["count"] for row in rows}
    return [MonthFigure(month, found.get(month, 0)) for month in _months(now, tz)]


def open_tasks(user: Any, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> TaskFigures:
    """Open tasks by when they are due, in one query (days cut in ``tz``)."""
    start = dt.datetime.combine(timezone.localtime(now, tz).date(), dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    row = (
        records_counted(user, Activity)
        .filter(kind=ActivityKind.TASK, done_at__isnull=True)
        .order_by()
        .aggregate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_at__lt=start)),
            today=Count("id", filter=Q(due_at__gte=start, due_at__lt=end)),
            week=Count("id", filter=Q(due_at__gte=start, due_at__lt=end + dt.timedelta(days=7))),
        )
    )
    return TaskFigures(**{name: value or 0 for name, value in row.items()})


def people_by_lifecycle_stage(user: Any) -> list[LifecycleFigure]:
    """Contacts (not erased) and leads (not converted: their contact counts instead) per lifecycle stage."""
    contacts = records_counted(user, Contact).filter(erased_at__isnull=True).order_by().values("lifecycle_stage")
    leads = records_counted(user, Lead).exclude(status=LeadStatus.CONVERTED).order_by().values("lifecycle_stage")
    none = Value(0, output_field=IntegerField())
    rows = contacts.annotate(contacts=Count("id"), leads=none).union(leads.annotate(contacts=none, leads=Count("id")), all=True)
    counts: dict[str, list[int]] = {}
    for row in rows:
        counts.setdefault(row["lifecycle_stage"], [0, 0])
        counts[row["lifecycle_stage"]][0] += row["contacts"]
        counts[row["lifecycle_stage"]][1] += row["leads"]
    return [LifecycleFigure(stage, str(label), *counts.get(stage, [0, 0])) for stage, label in LifecycleStage.choices]


def _add(rows: list[Any]) -> Totals:
    """The totals of several grouped rows of :func:`_sums` together."""
    summed = {name: sum(row.get(name) or 0 for row in rows) for name in ("count", "amount", "weighted")}
    return _totals(summed)


def forecast(user: Any, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[ForecastFigure]:
    """Open deals by expected close date: passed (before today, as the deal list's "Passed, still open"),
    this month from today, each of the next five months, later, and undated; with each month's won deals.
    Three queries, whatever the data."""
    today = timezone.localtime(now, tz).date()
    months = _months_ahead(now, tz)
    open_deals = records_counted(user, Deal).filter(stage__kind=StageKind.OPEN).order_by()
    dated = (
        open_deals.filter(expected_close_date__gte=today)
        .annotate(month=TruncMonth("expected_close_date"))
        .values("month")
        .annotate(**_sums())
    )
    by_month: dict[dt.date, list[Any]] = {}
    for row in dated:
        month = row["month"] if row["month"] < months[-1] else months[-1]  # later months together
        by_month.setdefault(month, []).append(row)
    undated = Q(expected_close_date__isnull=True)
    rest = {
        row["undated"]: _totals(row)
        for row in open_deals.exclude(expected_close_date__gte=today)
        .annotate(undated=ExpressionWrapper(undated, output_field=BooleanField()))
        .values("undated")
        .annotate(**_sums())
    }
    won_rows = (
        records_counted(user, Deal)
        .filter(stage__kind=StageKind.WON, closed_at__gte=_month_start(now, tz))
        .annotate(month=TruncMonth("closed_at", tzinfo=tz))
        .order_by()
        .values("month")
        .annotate(**_sums())
    )
    won = {_key(row["month"], tz): _totals(row) for row in won_rows}
    figures = [ForecastFigure("overdue", open=rest.get(False, Totals()))]
    figures += [ForecastFigure("month", month, _add(by_month.get(month, [])), won.get(month, Totals())) for month in months[:-1]]
    figures.append(ForecastFigure("later", months[-1], _add(by_month.get(months[-1], []))))
    figures.append(ForecastFigure("undated", open=rest.get(True, Totals())))
    return figures


def _months_ahead(now: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[dt.date]:
    """The first days of this month and the next five, then of the month after them (where "later" starts)."""
    return [_month_start(now, tz, back=-ahead).date() for ahead in range(FORECAST_MONTHS + 1)]
