"""Every change to a person's lifecycle stage (DESIGN.md rule 1; ADR 0044).

A contact or a lead has one stage (``lifecycle_stage``). People move it by hand with
:func:`set_lifecycle_stage`; the other actions call the ``on_*`` hooks here, inside their own
transaction, so the stage follows the obvious events:

- a lead's score reaches the policy's qualifying score: marketing-qualified;
- a lead is marked qualified: sales-qualified;
- a lead is converted: its contact becomes an opportunity (sales-qualified without a deal);
- a deal is opened for a contact: opportunity; a deal is won: customer;
- all of a contact's deals are lost while it is an opportunity: back to lead, to be nurtured;
- an order is placed: customer (a churned customer comes back);
- a customer places no order for the policy's churn period, and neither does their company:
  churned (a daily job).

Automatic moves only go forward along the stages (a customer whose new deal opens stays a
customer), except the two that are about going back: all deals lost, and churn. Every move
leaves a :class:`LifecycleChange` and an audit event with the old and new stage.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.directory.access import access_contact_by_id
from bastion.directory.models import LIFECYCLE_RANK, Contact, LifecycleStage
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.audit.changes import record_change, target_of
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event
from bastion.sales.access import access_lead_by_id
from bastion.sales.actions_setup import _require_admin
from bastion.sales.models import Deal, Lead, LeadStatus, LifecycleChange, LifecyclePolicy, StageKind
from bastion.sales.models_lifecycle import LifecycleReason

Person = Contact | Lead
MOVING_ORDER_STATUSES = ("confirmed", "paid", "shipped")


def policy() -> LifecyclePolicy:
    """The organisation's lifecycle policy (the defaults, unsaved, until an administrator sets it)."""
    return LifecyclePolicy.objects.filter(pk=1).first() or LifecyclePolicy()


def _verb(person: Person) -> str:
    return "contact.updated" if isinstance(person, Contact) else "lead.updated"


def _move(actor: Any, person: Person, stage: str, reason: str) -> bool:
    """Set ``person``'s stage to ``stage`` (no-op when it is already there); history and audit."""
    old = person.lifecycle_stage
    if old == stage:
        return False
    type(person)._base_manager.filter(pk=person.pk).update(lifecycle_stage=stage)
    person.lifecycle_stage = stage
    parent = {"contact": person} if isinstance(person, Contact) else {"lead": person}
    LifecycleChange.objects.create(**parent, from_stage=old, to_stage=stage, reason=reason, changed_by=actor)
    target = target_of(person, {"owner": person.owner_id, "team": str(person.team_id) if person.team_id else None})
    record_change(actor, _verb(person), target, {"lifecycle_stage": {"old": old, "new": stage}}, extra={"reason": reason})
    return True


def _advance(actor: Any, person: Person | None, stage: str, reason: str) -> bool:
    """Move forward only (or a churned customer back to customer)."""
    if person is None:
        return False
    current = person.lifecycle_stage
    comeback = current == LifecycleStage.CHURNED and stage == LifecycleStage.CUSTOMER
    if LIFECYCLE_RANK[stage] <= LIFECYCLE_RANK[current] and not comeback:
        return False
    return _move(actor, person, stage, reason)


# --- by hand --------------------------------------------------------------------------------


def parse_stage(value: Any) -> str:
    stage = str(value or "").strip()
    if stage not in LifecycleStage.values:
        choices = ", ".join(LifecycleStage.values)
        raise ValidationError({"lifecycle_stage": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    return stage


def _require_writer(actor: Any) -> None:
    if not can_change_customer_records(actor):
        raise PermissionDenied(_("Your role does not allow changing customer records."))


@transaction.atomic
def set_contact_lifecycle_stage(actor: Any, contact_id: Any, stage: Any) -> Contact:
    """Move the contact (one the actor may change) to ``stage`` by hand."""
    _require_writer(actor)
    contact = access_contact_by_id(actor, contact_id, for_write=True, lock=True)
    _move(actor, contact, parse_stage(stage), LifecycleReason.MANUAL)
    return contact


@transaction.atomic
def set_lead_lifecycle_stage(actor: Any, lead_id: Any, stage: Any) -> Lead:
    """Move the lead (one the actor may change) to ``stage`` by hand."""
    _require_writer(actor)
    lead = access_lead_by_id(actor, lead_id, for_write=True, lock=True)
    _move(actor, lead, parse_stage(stage), LifecycleReason.MANUAL)
    return lead


# --- automatic moves ------------------------------------------------------------------------


def on_lead_scored(actor: Any, lead: Lead) -> None:
    if lead.score >= policy().qualifying_score and not lead.is_converted:
        _advance(actor, lead, LifecycleStage.MARKETING_QUALIFIED, LifecycleReason.SCORE_REACHED)


def on_lead_saved(actor: Any, lead: Lead) -> None:
    if lead.status == LeadStatus.QUALIFIED:
        _advance(actor, lead, LifecycleStage.SALES_QUALIFIED, LifecycleReason.LEAD_QUALIFIED)


def on_contact_from_lead(actor: Any, lead: Lead, contact: Contact) -> None:
    """A converted lead's contact is at least sales-qualified (or the lead's stage, if further on)."""
    stage = max(lead.lifecycle_stage, LifecycleStage.SALES_QUALIFIED, key=LIFECYCLE_RANK.__getitem__)
    _advance(actor, contact, stage, LifecycleReason.LEAD_CONVERTED)


def on_lead_converted(actor: Any, lead: Lead, contact: Contact) -> None:
    """After the conversion (and its deal): the lead's stage follows its contact's."""
    _advance(actor, lead, contact.lifecycle_stage, LifecycleReason.LEAD_CONVERTED)


def on_deal_saved(actor: Any, deal: Deal) -> None:
    """After a deal is created or moved: opportunity, customer, or (all lost) back to lead."""
    contact = Contact.objects.filter(pk=deal.contact_id).first() if deal.contact_id else None
    if contact is None:
        return
    kind = deal.stage.kind
    if kind == StageKind.WON:
        _advance(actor, contact, LifecycleStage.CUSTOMER, LifecycleReason.DEAL_WON)
    elif kind == StageKind.LOST:
        deals = Deal.objects.filter(contact=contact)
        if contact.lifecycle_stage == LifecycleStage.OPPORTUNITY and not deals.exclude(stage__kind=StageKind.LOST).exists():
            _move(actor, contact, LifecycleStage.LEAD, LifecycleReason.DEALS_LOST)
    else:
        _advance(actor, contact, LifecycleStage.OPPORTUNITY, LifecycleReason.DEAL_OPENED)


def on_order_saved(actor: Any, contact_id: Any, status: str) -> None:
    if contact_id is None or status not in MOVING_ORDER_STATUSES:
        return
    contact = Contact.objects.filter(pk=contact_id).first()
    _advance(actor, contact, LifecycleStage.CUSTOMER, LifecycleReason.ORDER_PLACED)


def _customer_since() -> Any:
    """Per contact: when it last became a customer (the anchor when it has no order at all)."""
    return LifecycleChange.objects.filter(to_stage=LifecycleStage.CUSTOMER).values("contact").annotate(at=Max("changed_at"))


def churn_inactive_customers(now: dt.datetime | None = None) -> int:
    """Customers with no order (and no customer move) in the policy's churn period become churned.

    An order counts for its contact and for everyone at its company: a company that keeps buying,
    on orders that name no contact or another one, keeps its people customers.
    """
    from bastion.commerce.models import Order  # commerce builds on sales: imported here, not at the top

    cutoff = (now or timezone.now()) - dt.timedelta(days=policy().churn_after_days)
    recent_orders = Order.objects.filter(ordered_at__gte=cutoff, status__in=MOVING_ORDER_STATUSES)
    recent_moves = _customer_since().filter(at__gte=cutoff).values("contact")
    stale = Contact.objects.filter(lifecycle_stage=LifecycleStage.CUSTOMER).exclude(
        Q(pk__in=recent_orders.filter(contact__isnull=False).values("contact"))
        | Q(company__in=recent_orders.filter(company__isnull=False).values("company"))
        | Q(pk__in=recent_moves)
    )
    moved = 0
    for contact in stale.order_by("pk").iterator(chunk_size=500):
        with transaction.atomic():
            locked = Contact.objects.select_for_update().filter(pk=contact.pk).first()
            if locked is not None and locked.lifecycle_stage == LifecycleStage.CUSTOMER:
                moved += _move(None, locked, LifecycleStage.CHURNED, LifecycleReason.NO_RECENT_ORDER)
    return moved


# --- the policy ------------------------------------------------------------------------------


def _bounded(data: dict[str, Any], name: str, low: int, high: int, errors: dict[str, list[str]]) -> int | None:
    try:
        value = int(str(data.get(name, "")).strip())
    except ValueError:
        errors[name] = [_("Enter a whole number.")]
        return None
    if not low <= value <= high:
        errors[name] = [_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        return None
    return value


@transaction.atomic
def set_lifecycle_policy(actor: Any, data: dict[str, Any]) -> LifecyclePolicy:
    """Administrators set the qualifying score and the churn period (audited as ``setting.changed``)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    score = _bounded(data, "qualifying_score", 1, 1000, errors)
    days = _bounded(data, "churn_after_days", 30, 3650, errors)
    if errors:
        raise ValidationError(errors)
    current, _created = LifecyclePolicy.objects.select_for_update().get_or_create(pk=1)
    changes = {
        name: {"old": getattr(current, name), "new": value}
        for name, value in (("qualifying_score", score), ("churn_after_days", days))
        if getattr(current, name) != value
    }
    if not changes:
        return current
    current.qualifying_score, current.churn_after_days, current.updated_by = score, days, actor  # type: ignore[assignment]
    current.save()
    record_event(EventKind.SETTING_CHANGED, actor=actor, target=Target("setting", "lifecycle_policy"), changes=changes)
    return current


def history(user: Any, kind: str, pk: Any, limit: int = 50) -> list[LifecycleChange]:
    """The lifecycle changes of the contact or lead (``kind``) ``pk`` that ``user`` may see, newest first."""
    changes = LifecycleChange.objects.visible_to(user).filter(**{kind: pk}).select_related("changed_by")
    return list(changes[:limit])
