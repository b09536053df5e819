"""Reads of activities: a record's timeline, a user's day, and their calendar.

A timeline is the activities on a contact, company, lead or deal, newest first, merged with the
deal's stage changes for a deal and with the interaction events of a contact or lead
(bastion.engagement); every query starts from ``objects.visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bastion.directory.models import Company, Contact
from bastion.directory.selectors import linked_to
from bastion.engagement.models import Interaction
from bastion.engagement.selectors import recent_interactions
from bastion.kernel.pagination import Page, PageRequest, paginate
from bastion.sales.models import Activity, ActivityKind, Deal, DealStageChange, Lead

TIMELINE_LIMIT = 50
CALENDAR_PAST = dt.timedelta(days=90)

# The activity list's sort keys (``at`` is a task's due time, a call's or meeting's start, a note's writing).
ACTIVITY_ORDERINGS = {"when": "at", "updated": "updated_at"}
DEFAULT_ACTIVITY_ORDERING = "-when"
# The list's "Status" filter (tasks only) and "When" filter: key -> label (the page and the API share them).
TASK_STATES = {"to_do": _("Tasks to do"), "overdue": _("Overdue tasks"), "done": _("Done tasks")}
PERIODS = {"earlier": _("Before today"), "today": _("Today"), "next_7_days": _("Today and the next 7 days")}


@dataclass(frozen=True)
class ActivityFilters:
    """The activity list's filters: a subject search, the kind, the assignee, the tasks' state, the period
    of ``at``, and the record it is about (the API's filters; the page has none)."""

    q: str = ""
    kind: str = ""
    assignee_id: int | None = None
    state: str = ""
    period: str = ""
    contact_id: Any = None
    company_id: Any = None
    lead_id: Any = None
    deal_id: Any = None


@dataclass(frozen=True)
class Entry:
    """One line of a timeline: an activity, a deal's stage change, or an interaction of a contact or lead."""

    at: dt.datetime
    activity: Activity | None = None
    stage_change: DealStageChange | None = None
    interaction: Interaction | None = None


@dataclass
class Day:
    """What "my day" shows: overdue and today's open tasks, today's meetings, reminders that are due,
    and what is coming in the next ``COMING_DAYS`` days (open tasks and meetings, in time order)."""

    date: dt.date
    overdue: list[Activity] = field(default_factory=list)
    today: list[Activity] = field(default_factory=list)
    meetings: list[Activity] = field(default_factory=list)
    reminders: list[Activity] = field(default_factory=list)
    coming: list[Activity] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.meetings or self.reminders)


def activity_queryset(user: Any) -> QuerySet[Activity, Activity]:
    return Activity.objects.visible_to(user)


def _state(state: str, today: dt.date) -> Q:
    """A task is overdue from the day after its due day, as on My day and the ``|due`` filter."""
    open_task = Q(kind=ActivityKind.TASK, done_at__isnull=True)
    return {
        "to_do": open_task,
        "overdue": open_task & Q(due_at__lt=_bounds(today)[0]),
        "done": Q(kind=ActivityKind.TASK, done_at__isnull=False),
    }.get(state, Q())


def _period(period: str, today: dt.date) -> Q:
    start, end = _bounds(today)
    return {
        "earlier": Q(at__lt=start),
        "today": Q(at__gte=start, at__lt=end),
        "next_7_days": Q(at__gte=start, at__lt=end + dt.timedelta(days=COMING_DAYS)),
    }.get(period, Q())


def activity_list(user: Any, filters: ActivityFilters) -> QuerySet[Activity, Activity]:
    """The activities ``user`` can see that match ``filters`` (an unknown kind, state or period is no filter)."""
    today = timezone.localdate()
    queryset = activity_queryset(user).filter(_state(filters.state, today) & _period(filters.period, today))
    text = filters.q.strip()
    if text:
        queryset = queryset.filter(subject__icontains=text)
    if filters.kind in ActivityKind.values:
        queryset = queryset.filter(kind=filters.kind)
    on = {
        "assignee_id": filters.assignee_id, "contact_id": filters.contact_id, "company_id": filters.company_id,
        "lead_id": filters.lead_id, "deal_id": filters.deal_id,
    }  # fmt: skip
    return _rich(user, queryset.filter(**{name: value for name, value in on.items() if value is not None}))


def activity_page(user: Any, filters: ActivityFilters, page: PageRequest) -> Page[Activity]:
    """One keyset page of :func:`activity_list` (raises PaginationError for a bad cursor)."""
    found = paginate(activity_list(user, filters), page)
    forget_unseen_links(found.items)
    return found


# What an activity can be about. Reading an activity (its assignee's or team's) is not reading
# the records it is about: a call assigned to me on a contact of another team's must not show me
# that contact's name. Each link carries ``<name>_seen`` (may the reader see that record?).
LINKED: dict[str, Any] = {"contact": Contact, "company": Company, "lead": Lead, "deal": Deal}


def _rich(user: Any, queryset: QuerySet[Activity, Activity]) -> QuerySet[Activity, Activity]:
    seen = {
        f"{name}_seen": Exists(model.objects.visible_to(user).filter(pk=OuterRef(f"{name}_id"))) for name, model in LINKED.items()
    }
    return queryset.select_related("assignee", *LINKED).annotate(**seen)


def visible_record(user: Any, link: str, pk: Any) -> Any:
    """The contact, company, lead or deal ``pk`` (``link`` names which) if ``user`` may see it, else None."""
    return LINKED[link].objects.visible_to(user).filter(pk=pk).first() if link in LINKED and pk else None


def readable_activity(user: Any, activity: Activity) -> Activity:
    """``activity`` (one the user may read) again, as the lists read it: without links to records they may not see."""
    return forget_unseen_links([_rich(user, activity_queryset(user)).get(pk=activity.pk)])[0]


def forget_unseen_links(activities: list[Activity]) -> list[Activity]:
    """Drop, from activities read through :func:`_rich`, each link to a record the reader may not see
    (in memory only: the page, the API and the calendar then show no name, link or id for it)."""
    for activity in activities:
        for name in LINKED:
            if getattr(activity, f"{name}_id") is not None and not getattr(activity, f"{name}_seen", True):
                setattr(activity, name, None)
    return activities


def timeline(user: Any, *, contact: Any = None, company: Any = None, lead: Any = None, deal: Any = None) -> list[Entry]:
    """The newest activities (and, for a deal, stage changes) on one record the user can see."""
    links = {"contact": contact, "company": company, "lead": lead, "deal": deal}
    condition = Q()
    for name, record in links.items():
        if record is not None:
            condition |= Q(**{name: record})
    if not condition:
        return []
    activities = forget_unseen_links(
        list(_rich(user, activity_queryset(user).filter(condition)).order_by("-at", "-id")[:TIMELINE_LIMIT])
    )
    entries = [Entry(activity.at, activity=activity) for activity in activities]
    if deal is not None:
        changes = DealStageChange.objects.filter(deal=deal, deal__in=_visible_deals(user)).select_related("changed_by")
        entries += [Entry(change.changed_at, stage_change=change) for change in changes.order_by("-changed_at")[:TIMELINE_LIMIT]]
    for name, record in (("contact", contact), ("lead", lead)):
        if record is not None:
            events = recent_interactions(user, name, getattr(record, "pk", record), TIMELINE_LIMIT)
            entries += [Entry(event.occurred_at, interaction=event) for event in events]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:TIMELINE_LIMIT]


def activity_count(user: Any, *, company_ids: Collection[Any] = (), contact_ids: Collection[Any] = ()) -> int:
    """How many visible activities are on these companies or contacts (deleted with them: told before deleting them)."""
    linked = linked_to(company_ids=company_ids, contact_ids=contact_ids)
    return activity_queryset(user).filter(linked).order_by().count() if linked is not None else 0


def _visible_deals(user: Any) -> Any:
    from bastion.sales.models import Deal

    return Deal.objects.visible_to(user)


def _bounds(date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(date, dt.time.min))
    return start, start + dt.timedelta(days=1)


COMING_DAYS = 7


def my_day(user: Any, date: dt.date | None = None) -> Day:
    """The signed-in user's open tasks (overdue, due today), today's meetings and due reminders."""
    date = date or timezone.localdate()
    start, end = _bounds(date)
    mine = _rich(user, activity_queryset(user).filter(assignee=user))
    open_tasks = mine.filter(kind=ActivityKind.TASK, done_at__isnull=True)
    day = Day(date)
    day.overdue = list(open_tasks.filter(due_at__lt=start).order_by("due_at", "id")[:100])
    day.today = list(open_tasks.filter(due_at__gte=start, due_at__lt=end).order_by("due_at", "id")[:100])
    day.meetings = list(
        mine.filter(kind=ActivityKind.MEETING, starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "id")
    )
    reminders = open_tasks.filter(remind_at__lte=timezone.now()).exclude(due_at__lt=end)
    day.reminders = list(reminders.order_by("remind_at", "id")[:100])
    horizon = end + dt.timedelta(days=COMING_DAYS)
    later = Q(kind=ActivityKind.TASK, done_at__isnull=True, due_at__gte=end, due_at__lt=horizon)
    later |= Q(kind=ActivityKind.MEETING, starts_at__gte=end, starts_at__lt=horizon)
    day.coming = list(mine.filter(later).order_by("at", "id")[:100])
    for items in (day.overdue, day.today, day.meetings, day.reminders, day.coming):
        forget_unseen_links(items)
    return day


def calendar_items(user: Any) -> list[Activity]:
    """The user's meetings and dated tasks from 90 days ago on, for the iCalendar export."""
    since = timezone.now() - CALENDAR_PAST
    mine = activity_queryset(user).filter(assignee=user)
    meetings = Q(kind=ActivityKind.MEETING, starts_at__gte=since)
    tasks = Q(kind=ActivityKind.TASK, due_at__gte=since)
    return forget_unseen_links(list(_rich(user, mine.filter(meetings | tasks)).order_by("at", "id")[:5000]))
