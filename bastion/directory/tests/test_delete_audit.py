"""Deleting a record records what it does to other records (kernel/audit/cascade.py, issue 4 item 1).

A company's contacts, deals, orders and converted leads are kept but unlinked, and its tasks,
calls, meetings and notes are deleted with it: each of those records gets its own event, by the
actor who deleted, in the same transaction, whether or not the actor could see that record.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction

from bastion.commerce import actions as commerce
from bastion.directory import actions
from bastion.directory.tests.test_company_deals_ui import deal
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.verify import verify_log
from bastion.sales import actions as sales
from bastion.sales.tests.factories import ActivityFactory, LeadFactory, pipeline_with_stages, stage_named

pytestmark = pytest.mark.django_db

SECRET_DETAILS = "Falcon budget is 2.4m, do not share"


def _events_since(sequence: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=sequence).order_by("sequence"))


def _last_sequence() -> int:
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    return int(last or 0)


def _by_target(events: list[AuditEvent]) -> dict[tuple[str, str], AuditEvent]:
    return {(event.target_type, event.target_id): event for event in events}


def test_deleting_a_company_records_every_record_it_unlinks_or_deletes(personas: Any, company: Any, contact: Any) -> None:
    stage = stage_named(pipeline_with_stages("Main", is_default=True), "Proposal")
    seen = deal(personas.rep_east, stage, company=company)
    unseen = deal(personas.rep_west, stage, company=company)  # the actor may not see it: recorded all the same
    order = commerce.create_order(personas.rep_east, {"company": company.pk})
    lead: Any = LeadFactory(owner=personas.rep_east, converted_company=company)
    task: Any = ActivityFactory(assignee=personas.rep_east, company=company, details=SECRET_DETAILS)
    before = _last_sequence()

    actions.delete_company(personas.rep_east, company.pk)

    events = _events_since(before)
    targets = _by_target(events)
    old = str(company.pk)
    unlinked = {
        ("directory.contact", str(contact.pk)): "company",
        ("sales.deal", str(seen.pk)): "company",
        ("sales.deal", str(unseen.pk)): "company",
        ("commerce.order", str(order.pk)): "company",
        ("sales.lead", str(lead.pk)): "converted_company",
    }
    for key, field in unlinked.items():
        event = targets[key]
        assert event.kind == EventKind.RECORD_UPDATED
        assert event.changes == {field: {"old": old, "new": None}}
        assert event.extra == {"because": "directory.company.deleted", "deleted": old}
        assert event.actor_id == personas.rep_east.pk
    removed = targets[("sales.activity", str(task.pk))]
    assert removed.kind == EventKind.RECORD_DELETED
    assert removed.changes["details"] == {"changed": True}  # free text: only that it went
    assert removed.changes["subject"] == {"old": task.subject, "new": None}
    assert removed.extra == {"because": "directory.company.deleted", "deleted": old}
    assert targets[("directory.company", old)].kind == EventKind.RECORD_DELETED
    assert len(events) == len(unlinked) + 2  # nothing else: no event for a part of a record
    assert SECRET_DETAILS not in json.dumps([[e.changes, e.extra, e.target_snapshot] for e in events])
    assert verify_log().ok


def test_deleting_a_contact_records_its_parts_in_its_own_event_only(personas: Any, contact: Any) -> None:
    stage = stage_named(pipeline_with_stages("Main", is_default=True), "Proposal")
    theirs = deal(personas.rep_east, stage, contact=contact)
    before = _last_sequence()

    actions.delete_contact(personas.rep_east, contact.pk)

    events = _events_since(before)
    assert sorted((e.target_type, e.kind) for e in events) == [
        ("directory.contact", EventKind.RECORD_DELETED),
        ("sales.deal", EventKind.RECORD_UPDATED),
    ]  # the contact's emails and phones are in the contact's own event, not events of their own
    updated = _by_target(events)[("sales.deal", str(theirs.pk))]
    assert updated.changes == {"contact": {"old": str(contact.pk), "new": None}}


def test_deleting_a_deal_records_the_order_unlinked_and_the_activity_deleted(personas: Any, contact: Any) -> None:
    stage = stage_named(pipeline_with_stages("Main", is_default=True), "Proposal")
    doomed = deal(personas.rep_east, stage, contact=contact)
    order = commerce.create_order(personas.rep_east, {"contact": contact.pk}, deal=doomed)
    call: Any = ActivityFactory(assignee=personas.rep_east, deal=doomed)
    before = _last_sequence()

    sales.delete_deal(personas.rep_east, doomed.pk)

    targets = _by_target(_events_since(before))
    assert targets[("commerce.order", str(order.pk))].changes == {"deal": {"old": str(doomed.pk), "new": None}}
    assert targets[("sales.activity", str(call.pk))].kind == EventKind.RECORD_DELETED
    assert set(targets) == {("sales.deal", str(doomed.pk)), ("commerce.order", str(order.pk)), ("sales.activity", str(call.pk))}


def test_a_delete_that_rolls_back_leaves_no_event_about_the_records_it_would_have_changed(
    personas: Any, company: Any, contact: Any
) -> None:
    before = _last_sequence()
    with pytest.raises(RuntimeError, match="stopped"), transaction.atomic():
        actions.delete_company(personas.rep_east, company.pk)
        raise RuntimeError("stopped after the delete")

    assert _events_since(before) == []
    contact.refresh_from_db()
    assert contact.company_id == company.pk
