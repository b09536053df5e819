"""Every change to activities (tasks, calls, meetings, notes): create, update, complete, delete.

Each action runs in one transaction: validate, authorise, write, re-check visibility, audit.
An activity must be about something the actor can see (a contact, company, lead or deal);
only a task may stand alone (a personal to-do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.directory import selectors as directory
from bastion.directory.access import parse_uuid
from bastion.directory.validation import Errors, multi_line, single_line
from bastion.kernel.audit.changes import ChangeSet, Snapshot, diff, record_change, target_of
from bastion.sales import actions as deal_actions
from bastion.sales import scoring
from bastion.sales.access import access_activity_by_id
from bastion.sales.models import Activity, ActivityKind, Deal, Lead

FIELDS = frozenset(
    {
        "kind",
        "subject",
        "details",
        "assignee",
        "team",
        "due_at",
        "remind_at",
        "starts_at",
        "ends_at",
        "contact",
        "company",
        "lead",
        "deal",
    }
)
LINKS = ("contact", "company", "lead", "deal")
TIMES = ("due_at", "remind_at", "starts_at", "ends_at")
AUDIT_RESTRICTED = ("details",)  # free text may hold anything: the log says only that it changed
MAX_MEETING = dt.timedelta(days=14)


def _snapshot(activity: Activity) -> Snapshot:
    state: Snapshot = {"kind": activity.kind, "subject": activity.subject, "details": activity.details}
    for name in TIMES:
        value = getattr(activity, name)
        state[name] = value.isoformat() if value else None
    state["done_at"] = activity.done_at.isoformat() if activity.done_at else None
    state["assignee"] = activity.assignee_id
    state["team"] = str(activity.team_id) if activity.team_id else None
    for name in LINKS:
        value = getattr(activity, f"{name}_id")
        state[name] = str(value) if value else None
    return state


def _audit(actor: Any, verb: str, activity: Activity, before: Snapshot | None) -> ChangeSet:
    after = None if verb.endswith(".deleted") else _snapshot(activity)
    changes = diff(before, after)
    target = target_of(activity, {"assignee": activity.assignee_id, "kind": activity.kind})
    record_change(actor, verb, target, changes, restricted=AUDIT_RESTRICTED)
    return changes


def _moment(value: Any, field: str, errors: Errors) -> dt.datetime | None:
    if value in (None, ""):
        return None
    moment = value if isinstance(value, dt.datetime) else None
    if moment is None:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            errors.add(field, _("Enter a date and time such as 2026-12-01 14:30."))
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _link(actor: Any, name: str, value: Any, errors: Errors) -> Any:
    if value in (None, ""):
        return None
    querysets = {
        "contact": directory.contact_queryset(actor),
        "company": directory.company_queryset(actor),
        "lead": Lead.objects.visible_to(actor),
        "deal": Deal.objects.visible_to(actor),
    }
    pk = parse_uuid(getattr(value, "pk", value))
    record = querysets[name].filter(pk=pk).first() if pk else None
    if record is None:
        errors.add(name, _("Choose a record that exists and that you can see."))
    return record


def _clean(actor: Any, data: Mapping[str, Any], current: Activity | None) -> dict[str, Any]:
    errors = Errors()
    for name in sorted(set(data) - FIELDS):
        errors.add(name, _("Unknown field."))
    fields: dict[str, Any] = {}
    if "kind" in data or current is None:
        fields["kind"] = str(data.get("kind") or "")
        if fields["kind"] not in ActivityKind.values:
            errors.add("kind", _("Choose a task, a call, a meeting or a note."))
    if "subject" in data or current is None:
        fields["subject"] = single_line(data.get("subject"), "subject", 200, errors, label=_("Subject"))
        if not fields["subject"]:
            errors.add("subject", _("Enter a subject."))
    if "details" in data:
        fields["details"] = multi_line(data["details"], "details", errors, label=_("Details"))
    if "assignee" in data:
        fields["assignee"] = deal_actions._owner(data["assignee"], errors, None)
    if "team" in data:  # by default the assignee's first team, set when the activity is created
        fields["team"] = deal_actions._team(data["team"], errors)
    for name in TIMES:
        if name in data:
            fields[name] = _moment(data[name], name, errors)
    for name in LINKS:
        if name in data:
            fields[name] = _link(actor, name, data[name], errors)
    _check_times(fields, current, errors)
    errors.raise_if_any()
    return fields


def _check_times(fields: dict[str, Any], current: Activity | None, errors: Errors) -> None:
    def value(name: str) -> Any:
        return fields[name] if name in fields else (getattr(current, name) if current is not None else None)

    kind = value("kind")
    if kind == ActivityKind.MEETING:
        starts, ends = value("starts_at"), value("ends_at")
        if starts is None and "starts_at" not in errors.by_field:
            errors.add("starts_at", _("A meeting needs a start."))
        if ends is None and "ends_at" not in errors.by_field:
            errors.add("ends_at", _("A meeting needs an end."))
        if starts and ends and not (starts < ends <= starts + MAX_MEETING):
            errors.add("ends_at", _("The end must be after the start, and within two weeks of it."))
    remind, due = value("remind_at"), value("due_at")
    if remind and due and remind > due:
        errors.add("remind_at", _("The reminder must come before the due time."))
    if kind != ActivityKind.TASK and not any(value(name) for name in LINKS) and not (set(LINKS) & set(errors.by_field)):
        errors.add("contact", _("Say which contact, company, lead or deal this is about."))


def _when(activity: Activity) -> dt.datetime:
    if activity.kind == ActivityKind.TASK:
        return activity.due_at or activity.created_at or timezone.now()
    if activity.kind in (ActivityKind.CALL, ActivityKind.MEETING):
        return activity.starts_at or activity.created_at or timezone.now()
    return activity.created_at or timezone.now()


def _write(actor: Any, activity: Activity, fields: dict[str, Any]) -> None:
    if "remind_at" in fields and fields["remind_at"] != activity.remind_at:
        activity.reminded_at = None  # a new reminder time: send it (again) when it comes
    for name, value in fields.items():
        setattr(activity, name, value)
    if activity.kind == ActivityKind.CALL and activity.starts_at is None:
        activity.starts_at = timezone.now()
    if activity._state.adding:
        activity.created_by = actor
    activity.updated_by = actor
    activity.at = _when(activity)
    activity.save()
    _rescore_lead(actor, activity.lead_id)


def _rescore_lead(actor: Any, lead_id: Any) -> None:
    """An activity on a lead changes its engagement points (bastion.sales.scoring)."""
    if lead_id is not None:
        lead = Lead._base_manager.only("pk", *scoring.SCORED_COLUMNS).filter(pk=lead_id).first()
        if lead is not None:
            scoring.rescore(lead, actor)


def _ensure_visible(actor: Any, activity: Activity) -> None:
    if not Activity.objects.visible_to(actor).filter(pk=activity.pk).exists():
        raise deal_actions.NotVisibleAfterWrite(_("After this change you could no longer see the activity, so it was not saved."))


@transaction.atomic
def create_activity(actor: Any, data: Mapping[str, Any]) -> Activity:
    """A task, call, meeting or note; assigned to the actor unless ``assignee`` is given."""
    deal_actions._require_writer(actor)
    fields = _clean(actor, data, None)
    fields.setdefault("assignee", actor)
    if fields["assignee"] is not None and "team" not in fields:
        fields["team"] = deal_actions._default_team(fields["assignee"])
    activity = Activity()
    _write(actor, activity, fields)
    _ensure_visible(actor, activity)
    _audit(actor, "activity.created", activity, None)
    return activity


@transaction.atomic
def update_activity(actor: Any, activity_id: Any, data: Mapping[str, Any]) -> Activity:
    deal_actions._require_writer(actor)
    activity = access_activity_by_id(actor, activity_id, for_write=True, lock=True)
    fields = _clean(actor, data, activity)
    before = _snapshot(activity)
    _write(actor, activity, fields)
    if _snapshot(activity) != before:
        _ensure_visible(actor, activity)
        _audit(actor, "activity.updated", activity, before)
    return activity


@transaction.atomic
def set_done(actor: Any, activity_id: Any, done: bool = True) -> Activity:
    """Mark a task done (or not done again). A call, meeting or note is not done or open: refused."""
    deal_actions._require_writer(actor)
    activity = access_activity_by_id(actor, activity_id, for_write=True, lock=True)
    if activity.kind != ActivityKind.TASK:
        raise ValidationError({"done": [_("Only a task can be marked done or open.")]})
    before = _snapshot(activity)
    if done == activity.is_done:
        return activity
    activity.done_at = timezone.now() if done else None
    activity.updated_by = actor
    activity.save()
    _audit(actor, "activity.updated", activity, before)
    return activity


@transaction.atomic
def delete_activity(actor: Any, activity_id: Any) -> ChangeSet:
    deal_actions._require_writer(actor)
    activity = access_activity_by_id(actor, activity_id, for_write=True, lock=True)
    changes = _audit(actor, "activity.deleted", activity, _snapshot(activity))
    lead_id = activity.lead_id
    activity.delete()
    _rescore_lead(actor, lead_id)
    return changes
