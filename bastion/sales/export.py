"""CSV exports of the deal and lead lists, as the user sees them: the same machinery as the
directory's (bastion.directory.export: scoped and filtered, masked for the role, streamed a keyset
page at a time, formula cells defused, the ``export`` audit event recorded before the first row)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from bastion.directory.export import Column, Export, _date, _filter_record, _owner, _person
from bastion.kernel.pagination import Ordering
from bastion.sales import selectors, selectors_activities, selectors_leads

DEAL_COLUMNS: list[Column] = [
    (_("Id"), lambda r: r.pk),
    (_("Deal"), lambda r: r.name),
    (_("Pipeline"), lambda r: r.pipeline.name),
    (_("Stage"), lambda r: r.stage.name),
    (_("Amount"), lambda r: r.amount),
    (_("Currency"), lambda r: r.currency),
    (_("Probability (%)"), lambda r: r.probability),
    (_("Expected close date"), lambda r: _date(r.expected_close_date)),
    (_("Closed at"), lambda r: _date(r.closed_at)),
    (_("Lost reason"), lambda r: r.lost_reason),
    (_("Company"), lambda r: r.company.name if r.company else ""),
    (_("Contact"), lambda r: r.contact.display_name if r.contact else ""),
    (_("Owner"), _owner),
    (_("Team"), lambda r: r.team.name if r.team else ""),
    (_("Created"), lambda r: _date(r.created_at)),
    (_("Updated"), lambda r: _date(r.updated_at)),
]

LEAD_COLUMNS: list[Column] = [
    (_("Id"), lambda r: r.pk),
    (_("Given name"), lambda r: r.given_name),
    (_("Family name"), lambda r: r.family_name),
    (_("Company"), lambda r: r.company_name),
    (_("Job title"), lambda r: r.job_title),
    (_("Email address"), lambda r: r.email),
    (_("Phone number"), lambda r: r.phone),
    (_("Status"), lambda r: r.get_status_display()),
    (_("Source"), lambda r: r.get_source_display()),
    (_("Score"), lambda r: r.score),
    (_("Consent given at"), lambda r: _date(r.consent_given_at)),
    (_("Owner"), _owner),
    (_("Team"), lambda r: r.team.name if r.team else ""),
    (_("Created"), lambda r: _date(r.created_at)),
    (_("Updated"), lambda r: _date(r.updated_at)),
]


def _about(activity: Any, link: str, name: str) -> str:
    """The name of what the activity is about, if the reader may see that record (selectors_activities.LINKED)."""
    record = getattr(activity, link)
    return str(getattr(record, name)) if record is not None and getattr(activity, f"{link}_seen", False) else ""


ACTIVITY_COLUMNS: list[Column] = [
    (_("Id"), lambda r: r.pk),
    (_("Kind"), lambda r: r.get_kind_display()),
    (_("Subject"), lambda r: r.subject),
    (_("Details"), lambda r: r.details),
    (_("Due"), lambda r: _date(r.due_at)),
    (_("Starts"), lambda r: _date(r.starts_at)),
    (_("Ends"), lambda r: _date(r.ends_at)),
    (_("Done at"), lambda r: _date(r.done_at)),
    (_("Contact"), lambda r: _about(r, "contact", "display_name")),
    (_("Company"), lambda r: _about(r, "company", "name")),
    (_("Lead"), lambda r: _about(r, "lead", "display_name")),
    (_("Deal"), lambda r: _about(r, "deal", "name")),
    (_("Assignee"), lambda r: _person(r.assignee)),
    (_("Team"), lambda r: r.team.name if r.team else ""),
    (_("Created"), lambda r: _date(r.created_at)),
    (_("Updated"), lambda r: _date(r.updated_at)),
]


def activity_export(user: Any, filters: selectors_activities.ActivityFilters, ordering: Ordering) -> Export:
    """The activities ``user`` can see (``Activity.objects.visible_to``) that match the list's filters."""
    queryset = selectors_activities.activity_list(user, filters).select_related("team")
    return Export("sales.activity", queryset, ordering, ACTIVITY_COLUMNS, _filter_record(asdict(filters)))


def deal_export(user: Any, filters: selectors.DealFilters, ordering: Ordering) -> Export:
    queryset = (
        selectors.deal_list(user, filters).defer(None).select_related("pipeline", "stage", "company", "contact", "owner", "team")
    )
    return Export("sales.deal", queryset, ordering, DEAL_COLUMNS, _filter_record(asdict(filters)))


def lead_export(user: Any, filters: selectors_leads.LeadFilters, ordering: Ordering) -> Export:
    queryset = selectors_leads.lead_list(user, filters).defer(None).select_related("owner", "team")
    return Export("sales.lead", queryset, ordering, LEAD_COLUMNS, _filter_record(asdict(filters)))
