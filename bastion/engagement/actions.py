"""Recording interaction events (ADR 0042): one event or a batch of up to 100, all or nothing.

One transaction per call: validate every event, lock the people they are about (which the actor
must be able to change), write the interactions, update the interests derived from them, re-check
that the actor sees what was written (DESIGN.md rule 4) and write one audit event per interaction.
Leads are scored again once the transaction commits (bastion.engagement.tasks).

The audit trail gets the kind, the person, when, the source, the product and the *names* of the
properties, never their values: the log cannot be erased, and a page address can be personal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.commerce.models import Product
from bastion.directory.models import Contact
from bastion.directory.validation import Errors
from bastion.engagement.models import Interaction, Interest
from bastion.engagement.validation import CleanEvent, clean_event
from bastion.kernel.access.scoping import can_change_customer_records, parse_uuid
from bastion.kernel.audit.changes import Snapshot, diff, record_change, target_of
from bastion.sales.models import Lead

MAX_BATCH = 100
PEOPLE: dict[str, type[models.Model]] = {"contact": Contact, "lead": Lead}


class ActionNotAllowed(PermissionDenied):
    """The actor's role may not record interactions."""


class NotVisibleAfterWrite(PermissionDenied):
    """What was written would be invisible to the actor; it is rolled back."""


@dataclass
class _Resolved:
    event: CleanEvent
    person_id: Any
    product_id: Any


def _require_writer(actor: Any) -> None:
    if not can_change_customer_records(actor):
        raise ActionNotAllowed(_("Your role does not allow recording interactions."))


def _people(actor: Any, events: list[tuple[str, CleanEvent]], errors: Errors) -> dict[tuple[str, str], Any]:
    """(person field, id as text) -> pk of each person the actor may change, locked in pk order."""
    found: dict[tuple[str, str], Any] = {}
    erased: set[str] = set()
    for field, model in PEOPLE.items():
        wanted = {parse_uuid(event.person_id) for _prefix, event in events if event.person_field == field} - {None}
        if not wanted:
            continue
        queryset: Any = model._default_manager
        rows = queryset.editable_by(actor).filter(pk__in=wanted).select_for_update(of=("self",)).order_by("pk")
        for pk, erased_at in rows.values_list("pk", "erased_at" if field == "contact" else "converted_at"):
            found[(field, str(pk))] = pk
            if field == "contact" and erased_at is not None:
                erased.add(str(pk))
    for prefix, event in events:
        key = (event.person_field, str(parse_uuid(event.person_id)))
        if key not in found:
            message = _("Choose a contact or lead that exists and that you may change.")
            errors.add(f"{prefix}{event.person_field}", message)
        elif event.person_field == "contact" and key[1] in erased:
            errors.add(f"{prefix}contact", _("This contact's personal data was erased: nothing more is recorded about them."))
    return found


def _products(actor: Any, events: list[tuple[str, CleanEvent]], errors: Errors) -> dict[str, Any]:
    """Product reference (id or SKU) -> product pk, for the references the catalogue knows."""
    references = {event.product_reference for _prefix, event in events if event.product_reference}
    if not references:
        return {}
    ids = {parse_uuid(reference) for reference in references} - {None}
    rows = Product.objects.visible_to(actor).filter(Q(pk__in=ids) | Q(sku__in=references)).values_list("pk", "sku")
    known: dict[str, Any] = {}
    for pk, sku in rows:
        known[str(pk)] = pk
        if sku:
            known[sku] = pk
    for prefix, event in events:
        reference = event.product_reference
        if reference and known.get(reference, known.get(str(parse_uuid(reference)))) is None:
            errors.add(
                f"{prefix}properties.product",
                _("No product of the catalogue has the id or SKU “%(reference)s”.") % {"reference": reference},
            )
    return known


def _resolve(actor: Any, items: Sequence[Any], prefixes: list[str]) -> list[_Resolved]:
    errors, now = Errors(), timezone.now()
    events = [(prefix, clean_event(item, prefix, errors, now)) for prefix, item in zip(prefixes, items, strict=True)]
    valid = [(prefix, event) for prefix, event in events if event is not None]
    people = _people(actor, valid, errors)
    products = _products(actor, valid, errors)
    errors.raise_if_any()
    resolved = []
    for _prefix, event in valid:
        reference = event.product_reference
        product = products.get(reference, products.get(str(parse_uuid(reference)))) if reference else None
        resolved.append(_Resolved(event, people[(event.person_field, str(parse_uuid(event.person_id)))], product))
    return resolved


def _interaction(actor: Any, item: _Resolved) -> Interaction:
    event = item.event
    return Interaction(
        **{event.person_field + "_id": item.person_id},
        kind=event.kind,
        occurred_at=event.occurred_at,
        properties=event.properties,
        product_id=item.product_id,
        source=event.source,
        recorded_by=actor,
    )


# --- interests ---------------------------------------------------------------------------------

_Key = tuple[str, Any, str, Any]  # (person field, person pk, topic, product pk)


def _interest_keys(item: _Resolved) -> list[_Key]:
    field, person = item.event.person_field, item.person_id
    keys: list[_Key] = []
    if item.event.topic:
        keys.append((field, person, item.event.topic, None))
    if item.product_id is not None:
        keys.append((field, person, "", item.product_id))
    return keys


def _update_interests(items: list[_Resolved]) -> None:
    """Count each (person, topic) and (person, product) the events name, in a constant number of queries."""
    seen: dict[_Key, tuple[int, dt.datetime, dt.datetime]] = {}
    for item in items:
        when = item.event.occurred_at
        for key in _interest_keys(item):
            count, first, last = seen.get(key, (0, when, when))
            seen[key] = (count + 1, min(first, when), max(last, when))
    if not seen:
        return
    people = Q()
    for field in PEOPLE:
        people |= Q(**{f"{field}_id__in": {key[1] for key in seen if key[0] == field}})
    existing: dict[_Key, Interest] = {}
    for interest in Interest._base_manager.filter(people):
        field = "contact" if interest.contact_id else "lead"
        existing[(field, interest.contact_id or interest.lead_id, interest.topic, interest.product_id)] = interest
    changed: list[Interest] = []
    new: list[Interest] = []
    for key, (count, first, last) in seen.items():
        if key not in existing:
            field, person, topic, product = key
            new.append(Interest(**{f"{field}_id": person}, topic=topic, product_id=product, count=count, first_seen=first,
                                last_seen=last))  # fmt: skip
            continue
        interest = existing[key]
        interest.count += count
        interest.first_seen, interest.last_seen = min(interest.first_seen, first), max(interest.last_seen, last)
        changed.append(interest)
    Interest._base_manager.bulk_create(new)
    Interest._base_manager.bulk_update(changed, ["count", "first_seen", "last_seen"])


# --- audit and the write -------------------------------------------------------------------------


def _snapshot(interaction: Interaction) -> Snapshot:
    return {
        "kind": interaction.kind,
        "occurred_at": interaction.occurred_at.isoformat(),
        "contact": str(interaction.contact_id) if interaction.contact_id else None,
        "lead": str(interaction.lead_id) if interaction.lead_id else None,
        "product": str(interaction.product_id) if interaction.product_id else None,
        "source": interaction.source,
        "property_names": sorted(interaction.properties),
    }


def _audit(actor: Any, interaction: Interaction) -> None:
    person = {"contact": str(interaction.contact_id)} if interaction.contact_id else {"lead": str(interaction.lead_id)}
    target = target_of(interaction, {**person, "kind": interaction.kind})
    record_change(actor, "interaction.created", target, diff(None, _snapshot(interaction)))


def _ensure_visible(actor: Any, interactions: list[Interaction]) -> None:
    ids = [interaction.pk for interaction in interactions]
    if Interaction.objects.visible_to(actor).filter(pk__in=ids).count() != len(ids):
        raise NotVisibleAfterWrite(_("You could not see these interactions once recorded, so none was saved."))


def _rescore_on_commit(interactions: list[Interaction]) -> None:
    lead_ids = sorted({str(interaction.lead_id) for interaction in interactions if interaction.lead_id})
    if lead_ids:
        from bastion.engagement.tasks import rescore_engaged_leads

        transaction.on_commit(lambda: rescore_engaged_leads(lead_ids))


def _record(actor: Any, items: Sequence[Any], prefixes: list[str]) -> list[Interaction]:
    _require_writer(actor)
    resolved = _resolve(actor, items, prefixes)
    interactions = [_interaction(actor, item) for item in resolved]
    Interaction._base_manager.bulk_create(interactions)
    _update_interests(resolved)
    _ensure_visible(actor, interactions)
    for interaction in interactions:
        _audit(actor, interaction)
    _rescore_on_commit(interactions)
    return interactions


def _person_fields(person: Any) -> dict[str, Any]:
    if isinstance(person, Mapping):
        return {name: person.get(name) for name in PEOPLE if name in person}
    name = "lead" if isinstance(person, Lead) else "contact"
    return {name: getattr(person, "pk", person)}


@transaction.atomic
def record_interaction(
    actor: Any,
    person: Any,
    kind: str,
    occurred_at: Any = None,
    properties: Mapping[str, Any] | None = None,
    source: str = "",
) -> Interaction:
    """Record one event about ``person`` (a contact or lead, or ``{"contact": id}`` / ``{"lead": id}``)."""
    data = {**_person_fields(person), "kind": kind, "occurred_at": occurred_at, "properties": properties, "source": source}
    return record_event(actor, data)


@transaction.atomic
def record_event(actor: Any, data: Mapping[str, Any]) -> Interaction:
    """Record one event given as its fields (``contact`` or ``lead``, ``kind``, ``occurred_at``, ``properties``, ``source``)."""
    return _record(actor, [data], [""])[0]


@transaction.atomic
def record_interactions(actor: Any, events: Sequence[Any]) -> list[Interaction]:
    """Record up to 100 events at once: all of them, or (on any mistake) none; errors name ``events[i].field``."""
    _require_writer(actor)
    if not isinstance(events, Sequence) or isinstance(events, str | bytes) or not 1 <= len(events) <= MAX_BATCH:
        errors = Errors()
        errors.add("events", _("Send from 1 to %(max)d events in a list.") % {"max": MAX_BATCH})
        errors.raise_if_any()
    return _record(actor, events, [f"events[{index}]." for index in range(len(events))])
