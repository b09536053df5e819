"""Every read of pipelines, stages and deals, always starting from ``objects.visible_to(user)``.

The board shows, per stage, the most recently changed deals (at most ``BOARD_CARDS``) with the
stage's count and totals from one grouped query; the list is a keyset page with the totals
of everything that matches its filters. Totals are sums of integer hundredths of the base
currency (models.py), so they are exact on both databases.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Case, Count, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from bastion.directory.names import query_key
from bastion.directory.selectors import linked_to, prefix_match
from bastion.kernel.access.scoping import can_see_customer_records
from bastion.kernel.pagination import Page, PageRequest, paginate
from bastion.sales.models import (
    Deal,
    DealLine,
    DealStageChange,
    ExchangeRate,
    LeadRouting,
    LifecyclePolicy,
    Pipeline,
    Stage,
    StageKind,
    TerritoryRule,
)
from bastion.sales.money import from_cents

BOARD_CARDS = 20  # per column; the rest are one click away in the list (docs/benchmarks.md)
# Public sort key → model field; each has a (field, id) index (models.py).
DEAL_ORDERINGS = {
    "name": "name_key", "amount": "amount_base_cents", "close": "close_sort", "created": "created_at", "updated": "updated_at",
}  # fmt: skip
DEFAULT_DEAL_ORDERING = "-updated"
DEAL_LIST_COLUMNS = (
    "id", "name", "name_key", "amount", "currency", "amount_base_cents", "probability", "expected_close_date",
    "close_sort", "closed_at", "created_at", "updated_at", "pipeline", "stage", "company", "contact", "owner",
    "stage__id", "stage__name", "stage__kind", "pipeline__id", "pipeline__name", "company__id", "company__name",
    "owner__id", "owner__username", "owner__first_name", "owner__last_name",
)  # fmt: skip
STATUSES = ("open", "won", "lost")
# Expected close date filters: passed while still open, this calendar month, the next 30 days, none set.
CLOSINGS = ("overdue", "this_month", "next_30_days", "none")


@dataclass(frozen=True)
class DealFilters:
    q: str = ""
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    owner_id: int | None = None
    status: str = ""
    company_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    closing: str = ""  # one of CLOSINGS, or "" for any date


@dataclass(frozen=True)
class Totals:
    """How many deals, their sum in the base currency and that sum weighted by each deal's probability."""

    count: int = 0
    amount: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")


@dataclass
class Column:
    stage: Stage
    deals: list[Deal] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    @property
    def more(self) -> int:
        return max(self.totals.count - len(self.deals), 0)


# --- set-up ------------------------------------------------------------------------------


def pipeline_queryset(user: Any) -> QuerySet[Pipeline, Pipeline]:
    return Pipeline.objects.visible_to(user)


def rate_queryset(user: Any) -> QuerySet[ExchangeRate, ExchangeRate]:
    return ExchangeRate.objects.visible_to(user)


def pipelines(user: Any) -> list[Pipeline]:
    """Visible pipelines with their stages, in order."""
    return list(Pipeline.objects.visible_to(user).prefetch_related("stages").order_by("position", "name"))


def default_pipeline(user: Any) -> Pipeline | None:
    queryset = Pipeline.objects.visible_to(user)
    return queryset.filter(is_default=True).first() or queryset.order_by("position", "name").first()


def stages_of(user: Any, pipeline: Pipeline) -> list[Stage]:
    return list(Stage.objects.visible_to(user).filter(pipeline=pipeline).order_by("position", "name"))


def all_stages(user: Any) -> QuerySet[Stage, Stage]:
    return Stage.objects.visible_to(user).select_related("pipeline").order_by("pipeline__position", "pipeline__name", "position")


def teams() -> list[Any]:
    """Every team, for the deal form's team field (team names are not customer data)."""
    from bastion.accounts.models import Team

    return list(Team.objects.order_by("name"))


def exchange_rates(user: Any) -> list[ExchangeRate]:
    return list(ExchangeRate.objects.visible_to(user).order_by("currency"))


# --- deals ------------------------------------------------------------------------------------


def deal_queryset(user: Any) -> QuerySet[Deal, Deal]:
    return Deal.objects.visible_to(user)


def _matching(user: Any, filters: DealFilters) -> QuerySet[Deal, Deal]:
    queryset = deal_queryset(user)
    key = query_key(filters.q)
    if key:
        queryset = queryset.filter(prefix_match("name_key", key))
    if filters.pipeline_id is not None:
        queryset = queryset.filter(pipeline_id=filters.pipeline_id)
    if filters.stage_id is not None:
        queryset = queryset.filter(stage_id=filters.stage_id)
    if filters.owner_id is not None:
        queryset = queryset.filter(owner_id=filters.owner_id)
    if filters.status in STATUSES:
        queryset = queryset.filter(stage__kind=filters.status)
    if filters.company_id is not None:
        queryset = queryset.filter(company_id=filters.company_id)
    if filters.contact_id is not None:
        queryset = queryset.filter(contact_id=filters.contact_id)
    if filters.closing in CLOSINGS:
        queryset = queryset.filter(_closing(filters.closing, timezone.localdate()))
    return queryset


def _closing(closing: str, today: dt.date) -> Q:
    """The deals whose expected close date is ``closing`` as seen ``today`` (in the organisation's time zone)."""
    if closing == "overdue":
        return Q(stage__kind=StageKind.OPEN, expected_close_date__lt=today)
    if closing == "this_month":
        first = today.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return Q(expected_close_date__gte=first, expected_close_date__lt=following)
    if closing == "next_30_days":
        return Q(expected_close_date__gte=today, expected_close_date__lt=today + dt.timedelta(days=30))
    return Q(expected_close_date__isnull=True)


def deal_list(user: Any, filters: DealFilters) -> QuerySet[Deal, Deal]:
    """Visible deals matching ``filters``, with only the columns the list shows."""
    return _matching(user, filters).select_related("stage", "pipeline", "company", "owner").only(*DEAL_LIST_COLUMNS)


def deal_page(user: Any, filters: DealFilters, page: PageRequest) -> Page[Deal]:
    """One keyset page of :func:`deal_list` (raises PaginationError for a bad cursor)."""
    return paginate(deal_list(user, filters), page)


def _totals(row: Any) -> Totals:
    weighted = Decimal(row.get("weighted") or 0) / 10000
    return Totals(row.get("count") or 0, from_cents(row.get("amount")), weighted.quantize(Decimal("0.01")))


_SUMS: dict[str, Any] = {
    "count": Count("*"),  # not Count("id"): COUNT(*) lets the sums read only the covering index sales_deal_sums
    "amount": Sum("amount_base_cents"),
    "weighted": Sum(ExpressionWrapper(F("amount_base_cents") * F("probability"), output_field=BigIntegerField())),
}


def deal_totals(user: Any, filters: DealFilters) -> Totals:
    """Count, sum and probability-weighted sum (base currency) of every deal matching ``filters``."""
    return _totals(_matching(user, filters).order_by().aggregate(**_SUMS))


def board(user: Any, pipeline: Pipeline, filters: DealFilters) -> list[Column]:
    """The pipeline's stages in order, each with its latest deals and its totals."""
    columns = [Column(stage) for stage in stages_of(user, pipeline)]
    matching = _matching(user, DealFilters(q=filters.q, owner_id=filters.owner_id, closing=filters.closing))
    matching = matching.filter(pipeline=pipeline)
    sums = {row["stage_id"]: _totals(row) for row in matching.order_by().values("stage_id").annotate(**_SUMS)}
    for column in columns:
        column.totals = sums.get(column.stage.pk, Totals())
        if column.totals.count:
            cards = matching.filter(stage=column.stage).select_related("company", "owner").only(*DEAL_LIST_COLUMNS)
            column.deals = list(cards.order_by("-updated_at", "-id")[:BOARD_CARDS])
    return columns


def pipeline_totals(columns: list[Column]) -> Totals:
    """The open deals of a board (won and lost stages left out)."""
    open_columns = [column for column in columns if column.stage.kind == StageKind.OPEN]
    return Totals(
        sum(c.totals.count for c in open_columns),
        sum((c.totals.amount for c in open_columns), Decimal("0.00")),
        sum((c.totals.weighted for c in open_columns), Decimal("0.00")),
    )


def stage_history(user: Any, deal: Deal) -> list[DealStageChange]:
    """Every stage the (visible) deal entered, oldest first, with who moved it."""
    visible = deal_queryset(user).filter(pk=deal.pk)
    return list(DealStageChange.objects.filter(deal__in=visible).select_related("changed_by").order_by("changed_at", "id"))


@dataclass(frozen=True)
class StageStay:
    """One stage of a deal's path: when it entered, who moved it there, and how long it stayed.

    ``days`` is whole days: until the next change, or until now for the stage an open deal is in;
    None for the won or lost stage a deal closed in (it does not wait there).
    """

    change: DealStageChange
    days: int | None
    current: bool


def stage_path(user: Any, deal: Deal, now: dt.datetime | None = None) -> list[StageStay]:
    """The (visible) deal's stages in the order it went through them, with the time spent in each."""
    history = stage_history(user, deal)
    now = now or timezone.now()
    stays = []
    for index, change in enumerate(history):
        last = index == len(history) - 1
        until = now if last else history[index + 1].changed_at
        days = None if last and deal.stage.is_closed else max((until - change.changed_at).days, 0)
        stays.append(StageStay(change, days, current=last))
    return stays


def deals_of(user: Any, *, company_id: Any = None, contact_id: Any = None, limit: int = 20) -> list[Deal]:
    """A few recent deals of a company or contact (for their pages)."""
    filters = DealFilters(company_id=company_id, contact_id=contact_id)
    return list(deal_list(user, filters).order_by("-updated_at", "-id")[:limit])


@dataclass(frozen=True)
class CustomerDeals:
    """The first deals of a company or contact for its page, and whether it has more."""

    items: list[Deal]
    more: bool = False


CUSTOMER_DEALS = 20  # on a company's or contact's page
CUSTOMER_DEAL_COLUMNS = (
    "id", "name", "amount", "currency", "amount_base_cents", "expected_close_date", "created_at", "updated_at",
    "stage", "stage__id", "stage__name", "stage__kind", "company", "contact", "owner", "team",
)  # fmt: skip


def customer_deals(user: Any, *, company_id: Any = None, contact_id: Any = None, limit: int = CUSTOMER_DEALS) -> CustomerDeals:
    """The visible deals of one company or contact, open ones first, then the newest: one query."""
    if company_id is None and contact_id is None:
        return CustomerDeals([])
    open_first = Case(When(stage__kind=StageKind.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = (
        _matching(user, DealFilters(company_id=company_id, contact_id=contact_id))
        .select_related("stage")
        .only(*CUSTOMER_DEAL_COLUMNS)
        .order_by(open_first, "-created_at", "-id")
    )
    found = list(rows[: limit + 1])
    return CustomerDeals(found[:limit], more=len(found) > limit)


def deal_count(user: Any, *, company_ids: Collection[Any] = (), contact_ids: Collection[Any] = ()) -> int:
    """How many deals of these companies or contacts the user may see (told before deleting them)."""
    linked = linked_to(company_ids=company_ids, contact_ids=contact_ids)
    return deal_queryset(user).filter(linked).order_by().count() if linked is not None else 0


def has_q(filters: DealFilters) -> bool:
    return filters != DealFilters()


def scoring_rules(user: Any) -> list[Any]:
    """The lead-scoring rules, fit first (organisation set-up: every customer-data role reads them)."""
    from bastion.sales.models import ScoringRule

    return list(ScoringRule.objects.visible_to(user).order_by("category", "name", "id"))


# --- the lead set-up: routing, territories, lifecycle policy (organisation set-up, read by every
# role that reads customer records, like the scoring rules; administrators change it) ----------


def lead_routing(user: Any) -> LeadRouting:
    """Where web-form leads go (ADR 0039): an empty routing, unsaved, until an administrator sets one."""
    return LeadRouting.objects.visible_to(user).select_related("team").filter(pk=1).first() or LeadRouting()


def lead_receivers(user: Any, routing: LeadRouting) -> list[Any]:
    """The colleagues who receive the routing's leads, in turn (empty without a team, or for a role that reads no records)."""
    from bastion.sales.actions_routing import receivers

    if routing.team is None or not can_see_customer_records(user):
        return []
    return receivers(routing.team)


def territory_rules(user: Any) -> list[TerritoryRule]:
    """The territories of the receiving team (ADR 0045), in the order they are tried."""
    return list(TerritoryRule.objects.visible_to(user).select_related("owner"))  # Meta.ordering: the order tried


def lifecycle_policy(user: Any) -> LifecyclePolicy:
    """The lifecycle policy (ADR 0044): the defaults, unsaved, until an administrator sets it."""
    return LifecyclePolicy.objects.visible_to(user).filter(pk=1).first() or LifecyclePolicy()


def deal_lines(user: Any, deal: Deal) -> list[DealLine]:
    """The deal's product lines, in order."""
    return list(DealLine.objects.visible_to(user).filter(deal=deal).select_related("product").order_by("position"))
