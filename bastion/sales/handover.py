"""Handing a colleague's open work to another: when someone leaves, changes job or goes on leave,
an administrator moves what they still have in hand to a colleague in one step. Also the lists'
"Change owner" of chosen records (:func:`reassign`), which anyone who may change them can do.

What moves is their *open* work: the companies and contacts they own, their leads still being
worked (new, contacted, qualified), their open deals, their open tasks and their meetings still to
come. What is history stays theirs: won and lost deals, converted and disqualified leads, done
tasks, past meetings, calls, notes and orders, so reports by owner stay true.

Each record changes through its own update action (bastion.directory.actions, bastion.sales.actions,
actions_leads, actions_activities), in its own transaction: the owner check, the field-level audit
event (owner old and new) and the follow-ups are those of an edit by hand. At most
:data:`BATCH` records move per call; the rest stay for the next call, which the background job
(bastion.sales.handover_jobs, docs/adr/0068) makes until nothing is left. A step cut short by a
crash is finished by the next (what has moved is no longer the colleague's, so nothing moves
twice). A record that cannot move (one changed meanwhile, or refused by its action) is reported
and does not use up the batch.

The second factor is confirmed by the page (views_handover, step-up), as for the other staff changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.accounts.selectors import default_team_of
from bastion.accounts.staff import can_manage_staff
from bastion.directory import actions as directory_actions
from bastion.directory import selectors as directory
from bastion.directory.models import Company, Contact
from bastion.sales import actions as deal_actions
from bastion.sales import actions_activities, actions_leads
from bastion.sales.models import Activity, ActivityKind, Deal, Lead, LeadStatus, StageKind
from bastion.sales.selectors_chosen import BATCH, CHOOSABLE, owner_column

OPEN_LEADS = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


@dataclass(frozen=True)
class Kind:
    """One kind of open work: its label, the colleague's open records of it, and how one moves."""

    label: Any
    records: Callable[[Any, Any], QuerySet[Any, Any]]
    move: Callable[[Any, Any, Any, Any], Any]


def _owned(model: Any, open_only: Q | None = None) -> Callable[[Any, Any], QuerySet[Any, Any]]:
    return lambda actor, member: model.objects.visible_to(actor).filter(open_only or Q(), owner=member)


def _open_activities(actor: Any, member: Any) -> QuerySet[Any, Any]:
    still_to_do = Q(kind=ActivityKind.TASK, done_at__isnull=True) | Q(kind=ActivityKind.MEETING, starts_at__gte=timezone.now())
    return Activity.objects.visible_to(actor).filter(still_to_do, assignee=member)


def _owner_and_team(update: Callable[..., Any]) -> Callable[[Any, Any, Any, Any], Any]:
    def move(actor: Any, pk: Any, recipient: Any, team: Any) -> Any:
        data = {"owner": recipient.pk, **({"team": team.pk} if team is not None else {})}
        return update(actor, pk, data)

    return move


KINDS: dict[str, Kind] = {
    "companies": Kind(gettext_lazy("Companies"), _owned(Company), _owner_and_team(directory_actions.update_company)),
    # An erased contact is kept only as a tombstone (ADR 0019): it is nobody's work.
    "contacts": Kind(
        gettext_lazy("Contacts"), _owned(Contact, Q(erased_at__isnull=True)), _owner_and_team(directory_actions.update_contact)
    ),
    "leads": Kind(
        gettext_lazy("Leads being worked"), _owned(Lead, Q(status__in=OPEN_LEADS)), _owner_and_team(actions_leads.update_lead)
    ),
    "deals": Kind(
        gettext_lazy("Open deals"), _owned(Deal, Q(stage__kind=StageKind.OPEN)), _owner_and_team(deal_actions.update_deal)
    ),
    "activities": Kind(
        gettext_lazy("Open tasks and coming meetings"),
        _open_activities,
        lambda actor, pk, recipient, team: actions_activities.update_activity(
            actor, pk, {"assignee": recipient.pk, **({"team": team.pk} if team is not None else {})}
        ),
    ),
}


@dataclass
class HandOver:
    """What one call moved, what it could not move (kind, record id, why) and what is left for the next
    call (the records it did not reach: not those it could not move)."""

    moved: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    remaining: dict[str, int] = field(default_factory=dict)

    @property
    def moved_count(self) -> int:
        return sum(self.moved.values())

    @property
    def remaining_count(self) -> int:
        return sum(self.remaining.values())


def open_work(actor: Any, member: Any) -> dict[str, int]:
    """How many open records of each kind ``member`` has (that ``actor`` can see), by key of :data:`KINDS`."""
    return {key: kind.records(actor, member).order_by().count() for key, kind in KINDS.items()}


def recipients(member: Any) -> QuerySet[Any, Any]:
    """The colleagues who may take the work over: active, with a role that owns records, not ``member``."""
    return directory.assignable_owners().exclude(pk=member.pk)


def hand_over(
    actor: Any,
    member: Any,
    recipient: Any,
    kinds: Iterable[str],
    *,
    to_their_team: bool = False,
    skip: Mapping[str, Collection[str]] | None = None,
    on_moved: Callable[[str], Any] | None = None,
) -> HandOver:
    """Move up to :data:`BATCH` of ``member``'s open records of ``kinds`` to ``recipient`` (module docstring).

    ``to_their_team``: the records join the recipient's team as well (their first team), so their
    team sees them; otherwise each record keeps its team. ``skip``: ids by kind not to try (those a
    job's earlier steps could not move). ``on_moved(kind)`` runs in each moved record's transaction.
    """
    kinds, team = check_choices(actor, member, recipient, kinds, to_their_team=to_their_team)
    result, skip = HandOver(), skip or {}
    for key in kinds:
        result.moved[key] = 0
        # The ids first (no cursor left open across the writes: SQLite would see the rows change under it).
        for pk in list(KINDS[key].records(actor, member).order_by("pk").values_list("pk", flat=True)):
            if result.moved_count >= BATCH:
                break
            if str(pk) not in skip.get(key, ()):
                result.moved[key] += _move_one(actor, member, key, pk, recipient, team, result, on_moved)
    result.remaining = _left(actor, member, kinds, skip, result.failed)
    return result


def check_choices(actor: Any, member: Any, recipient: Any, kinds: Iterable[str], *, to_their_team: bool) -> tuple[list[str], Any]:
    """The chosen kinds (in order) and the team the records join (None: each keeps its own), once the
    actor is known to be an administrator and the choices are valid (else ValidationError naming the field)."""
    if not can_manage_staff(actor):
        raise PermissionDenied(_("Only an administrator can hand over a colleague's work."))
    chosen = [key for key in KINDS if key in set(kinds)]
    team = default_team_of(recipient) if to_their_team and recipient is not None else None
    _check(member, recipient, chosen, team_missing=to_their_team and team is None)
    return chosen, team


def _left(
    actor: Any, member: Any, kinds: list[str], skip: Mapping[str, Collection[str]], failed: list[tuple[str, str, str]]
) -> dict[str, int]:
    """The open records of ``kinds`` still to try: neither skipped nor failed just now."""
    left = {}
    for key in kinds:
        tried = {*skip.get(key, ()), *(pk for kind, pk, _why in failed if kind == key)}
        left[key] = KINDS[key].records(actor, member).exclude(pk__in=tried).order_by().count()
    return {key: count for key, count in left.items() if count > 0}


def _check(member: Any, recipient: Any, kinds: list[str], *, team_missing: bool) -> None:
    errors: dict[str, list[str]] = {}
    if recipient is None or not recipients(member).filter(pk=recipient.pk).exists():
        errors["recipient"] = [_("Choose an active colleague, other than this one, whose role can own records.")]
    elif team_missing:
        errors["to_their_team"] = [_("The new owner is in no team: untick this, or put them in a team first.")]
    if not kinds:
        errors["kinds"] = [_("Choose at least one kind of work to hand over.")]
    if errors:
        raise ValidationError(errors)


def _move_one(
    actor: Any, member: Any, key: str, pk: Any, recipient: Any, team: Any, result: HandOver, on_moved: Any = None
) -> int:
    """1 if the record moved; else 0, with why in ``result.failed`` (the record is left as it was).

    The record is locked and checked again first: one that another user closed, deleted or gave
    to someone else since the list was read is no longer this colleague's open work.
    """
    kind = KINDS[key]

    def move_if_still_theirs() -> int:
        still_open = kind.records(actor, member).filter(pk=pk)
        lock_row(still_open.model, pk)
        if not still_open.exists():  # read after the lock: the row as committed now
            return 0
        kind.move(actor, pk, recipient, team)
        if on_moved is not None:
            on_moved(key)
        return 1

    return attempt(key, pk, move_if_still_theirs, result)


def lock_row(model: Any, pk: Any, column: str = "pk") -> Any:
    """Lock the record's row until the transaction ends (whoever may see it) and return ``column``'s
    value as committed now (None if the row is gone). The callers then check and change it."""
    return model._base_manager.select_for_update().filter(pk=pk).values_list(column, flat=True).first()


def attempt(key: str, pk: Any, move: Callable[[], int], result: HandOver) -> int:
    """``move()`` in its own transaction: what it returns, or 0 with why in ``result.failed`` (nothing changed)."""
    try:
        with transaction.atomic():
            return move()
    except (ValidationError, PermissionDenied, Http404) as error:
        reasons = error.messages if isinstance(error, ValidationError) else [str(error) or _("It no longer exists.")]
        result.failed.append((key, str(pk), " ".join(reasons)))
        return 0


def each_chosen(key: str, pks: Iterable[Any], change: Callable[[Any], int]) -> HandOver:
    """A list's action on its chosen records of kind ``key``: ``change(pk)`` for each (at most
    :data:`BATCH`, each once), each in its own transaction through :func:`attempt`. ``moved``
    counts what the calls returned: 1 for a record that changed, 0 for one left as it was."""
    result = HandOver(moved={key: 0})
    for pk in list(dict.fromkeys(pks))[:BATCH]:
        result.moved[key] += attempt(key, pk, partial(change, pk), result)
    return result


def set_each(key: str, pks: Iterable[Any], model: Any, column: str, value: Any, change: Callable[[Any], object]) -> HandOver:
    """:func:`each_chosen` for an action that gives each chosen record one ``value`` (an owner, a stage,
    a status): a record whose ``column`` holds it already (read under the row's lock) is left as it
    was; ``change(pk)`` changes each other one through its action."""

    def one(pk: Any) -> int:
        if lock_row(model, pk, column) == value:
            return 0
        change(pk)
        return 1

    return each_chosen(key, pks, one)


def reassign(actor: Any, key: str, pks: Iterable[Any], recipient: Any) -> HandOver:
    """Give the chosen records of kind ``key`` to ``recipient`` (a list's "Change owner"): at most
    :data:`BATCH`, each through its update action, so only those the actor may change move (and
    none that the actor could no longer see after it: the action refuses that). ``moved`` counts
    the records that changed: one the recipient already owns is left as it was, and not counted."""
    if recipient is None or not directory.assignable_owners().filter(pk=recipient.pk).exists():
        raise ValidationError({"owner": [_("Choose an active colleague whose role can own records.")]})
    kind, model, column = KINDS[key], CHOOSABLE[key][0], f"{owner_column(key)}_id"
    return set_each(key, pks, model, column, recipient.pk, lambda pk: kind.move(actor, pk, recipient, None))
