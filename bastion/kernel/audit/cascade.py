"""What deleting a record does to other records, recorded as their own events (issue 4, item 1).

Deleting a company keeps its contacts, deals, orders and converted leads but unlinks them (their
foreign keys are ``SET_NULL``), and deletes its tasks, calls, meetings and notes (``CASCADE``).
Those records change without an action of their own, so without this their history would not
say who unlinked or removed them, nor when. A delete action calls :func:`record_delete_effects`
just before ``delete()``, in the same transaction. It asks Django's deletion ``Collector``, the
one ``Model.delete()`` itself runs, what the delete will do, so what is recorded is what happens:

- a record unlinked: ``record.updated`` on that record, the field from the deleted record's id
  to none;
- a record deleted with it: ``record.deleted`` on that record, with its field values as its own
  delete action records them (restricted values only as changed).

Both carry ``extra = {"because": "<type>.deleted", "deleted": "<id>"}``. Parts of a record (a
contact's emails and phones, a deal's lines and stage history, an order's lines, lifecycle
history) are not records of their own: the deleted record's event already holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, router
from django.db.models.deletion import Collector
from django.utils.module_loading import import_string

from bastion.kernel.audit.changes import diff
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_events, redact


@dataclass(frozen=True)
class AuditedRecord:
    """A kind of CRM record with a history of its own: how its delete action snapshots it."""

    snapshot: str  # dotted path of the function giving the record's field values (imported when needed)
    restricted: str  # dotted path of the names its log keeps only as changed, or of a function of the model giving them


# Every kind of record a delete can unlink or delete with it. A model not listed here is a part
# of its parent (or not customer data) and gets no event of its own.
AUDITED: dict[str, AuditedRecord] = {
    "directory.company": AuditedRecord("bastion.directory.actions._snapshot", "bastion.directory.audit.restricted_fields"),
    "directory.contact": AuditedRecord("bastion.directory.actions._snapshot", "bastion.directory.audit.restricted_fields"),
    "sales.deal": AuditedRecord("bastion.sales.actions._snapshot", "bastion.sales.actions.AUDIT_RESTRICTED"),
    "sales.lead": AuditedRecord("bastion.sales.actions_leads._snapshot", "bastion.sales.actions_leads.AUDIT_RESTRICTED"),
    "sales.activity": AuditedRecord(
        "bastion.sales.actions_activities._snapshot", "bastion.sales.actions_activities.AUDIT_RESTRICTED"
    ),
    "commerce.order": AuditedRecord("bastion.commerce.actions._snapshot", "bastion.commerce.actions.AUDIT_RESTRICTED"),
}


@dataclass(frozen=True)
class DeleteEffects:
    """How many other records the delete unlinked and deleted (events recorded for each)."""

    unlinked: int
    deleted: int


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _collected(obj: models.Model) -> Collector:
    collector = Collector(using=router.db_for_write(type(obj), instance=obj), origin=obj)
    collector.collect([obj])
    return collector


def _unlinked(collector: Collector) -> list[tuple[Target, dict[str, Any]]]:
    """``(target, changes)`` for every audited record whose foreign key the delete sets to none."""
    items: list[tuple[Target, dict[str, Any]]] = []
    for (field, value), groups in collector.field_updates.items():
        label = _label(field.model)
        if label not in AUDITED:
            continue
        new = None if value is None else str(getattr(value, "pk", value))
        group: Any
        for group in groups:
            rows = group.values_list("pk", field.attname) if isinstance(group, models.QuerySet) else _pairs(group, field)
            for pk, old in rows:
                items.append((Target(label, str(pk)), {field.name: {"old": str(old) if old is not None else None, "new": new}}))
    return items


def _pairs(objs: Iterable[models.Model], field: Any) -> list[tuple[Any, Any]]:
    return [(obj.pk, getattr(obj, field.attname)) for obj in objs]


def _restricted(audited: AuditedRecord, model: type[models.Model]) -> frozenset[str]:
    names = import_string(audited.restricted)
    return frozenset(names(model) if callable(names) else names)


def _deleted_with(collector: Collector, origin: models.Model) -> list[tuple[Target, dict[str, Any]]]:
    """``(target, changes)`` for every audited record the delete removes besides ``origin``."""
    items: list[tuple[Target, dict[str, Any]]] = []
    groups: list[Iterable[models.Model]] = [list(instances) for instances in collector.data.values()]
    groups += [list(queryset) for queryset in collector.fast_deletes]
    for group in groups:
        for obj in group:
            audited = AUDITED.get(_label(type(obj)))
            if audited is None or (type(obj) is type(origin) and obj.pk == origin.pk):
                continue
            snapshot: Callable[[Any], dict[str, Any]] = import_string(audited.snapshot)
            changes = redact(diff(snapshot(obj), None), _restricted(audited, type(obj)))
            items.append((Target(_label(type(obj)), str(obj.pk)), changes))
    return items


def record_delete_effects(actor: Any, obj: models.Model) -> DeleteEffects:
    """Record, in the caller's transaction, what deleting ``obj`` will do to other records; call just before ``delete()``."""
    collector = _collected(obj)
    extra = {"because": f"{_label(type(obj))}.deleted", "deleted": str(obj.pk)}
    unlinked = _unlinked(collector)
    deleted = _deleted_with(collector, obj)
    if unlinked:
        record_events(EventKind.RECORD_UPDATED, actor=actor, items=unlinked, extra=extra)
    if deleted:
        record_events(EventKind.RECORD_DELETED, actor=actor, items=deleted, extra=extra)
    return DeleteEffects(unlinked=len(unlinked), deleted=len(deleted))
