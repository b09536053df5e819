"""Recording interaction events (ADR 0042): one or a batch, all or nothing; errors name the field
(and the index); interests derived from topics and products; audit without property values;
people the actor may not change are refused like missing ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bastion.directory import actions_erase
from bastion.engagement import actions, selectors
from bastion.engagement.actions import ActionNotAllowed
from bastion.engagement.models import Interaction, Interest
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def stored() -> list[Any]:
    return [list(Interaction.objects.values()), list(Interest.objects.values()), AuditEvent.objects.count()]


def test_one_interaction_is_recorded_with_its_interests_and_audited(personas: Any, lead: Any, catalogue: Any) -> None:
    when = timezone.now() - dt.timedelta(hours=2)
    interaction = actions.record_interaction(
        personas.rep_east, lead, "product_viewed", when.isoformat(),
        {"url": "https://shop.example/widget", "title": "Widget", "topic": "  Home  AUTOMATION ", "product": "W-1"},
        "website",
    )  # fmt: skip
    assert interaction.lead_id == lead.pk and interaction.contact_id is None and interaction.occurred_at == when
    assert interaction.product_id == catalogue["widget"].pk and interaction.recorded_by == personas.rep_east
    interests = {(i.topic, i.product_id): i.count for i in Interest.objects.filter(lead=lead)}
    assert interests == {("home automation", None): 1, ("", catalogue["widget"].pk): 1}
    # By id too; a second event counts up and moves last_seen.
    actions.record_interaction(
        personas.rep_east, {"lead": str(lead.pk)}, "page_visited", None, {"product": str(catalogue["widget"].pk)}
    )
    product_interest = Interest.objects.get(lead=lead, product=catalogue["widget"])
    assert product_interest.count == 2 and product_interest.first_seen == when and product_interest.last_seen > when
    event = AuditEvent.objects.filter(target_type="engagement.interaction", target_id=str(interaction.pk)).get()
    assert event.changes["property_names"]["new"] == ["product", "title", "topic", "url"]
    assert "shop.example" not in str(event.changes) and "Widget" not in str(event.changes)  # names, never values


def test_a_batch_is_all_or_nothing_and_errors_name_the_index_and_field(personas: Any, lead: Any, contact: Any) -> None:
    good = {"lead": str(lead.pk), "kind": "email_opened", "properties": {"campaign": "Spring"}}
    before = stored()
    bad = [
        good,
        {"contact": str(contact.pk), "kind": "page_visited", "properties": {"url": "javascript:alert(1)"}},
        {"lead": str(lead.pk), "kind": "clicked"},
        {"lead": str(lead.pk), "kind": "page_visited", "occurred_at": (timezone.now() + dt.timedelta(hours=1)).isoformat()},
        {"lead": str(lead.pk), "kind": "page_visited", "properties": {"product": "NO-SUCH-SKU"}},
        {"lead": str(lead.pk), "contact": str(contact.pk), "kind": "page_visited"},
        {"lead": str(lead.pk), "kind": "page_visited", "properties": {f"k{i}": i for i in range(21)}},
        {"lead": str(lead.pk), "kind": "page_visited", "properties": {"nested": {"a": 1}}},
        {"lead": str(lead.pk), "kind": "page_visited", "colour": "red"},
    ]
    with pytest.raises(ValidationError) as refused:
        actions.record_interactions(personas.rep_east, bad)
    fields = refused.value.message_dict
    assert set(fields) == {
        "events[1].properties.url", "events[2].kind", "events[3].occurred_at", "events[4].properties.product",
        "events[5].contact", "events[6].properties", "events[7].properties.nested", "events[8].colour",
    }  # fmt: skip
    assert "NO-SUCH-SKU" in fields["events[4].properties.product"][0]
    assert stored() == before
    recorded = actions.record_interactions(personas.rep_east, [good, {**good, "kind": "form_submitted"}])
    assert len(recorded) == 2 and Interaction.objects.filter(lead=lead).count() == 2
    with pytest.raises(ValidationError) as too_many:
        actions.record_interactions(personas.rep_east, [good] * 101)
    assert set(too_many.value.message_dict) == {"events"}


def test_oversized_properties_are_refused(personas: Any, lead: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.record_interaction(personas.rep_east, lead, "page_visited", None, {"title": "x" * 501})
    assert set(refused.value.message_dict) == {"properties.title"}
    with pytest.raises(ValidationError) as refused:
        actions.record_interaction(personas.rep_east, lead, "page_visited", None, {f"k{i}": "y" * 400 for i in range(15)})
    assert set(refused.value.message_dict) == {"properties"}
    assert not Interaction.objects.exists()


def test_a_person_the_actor_may_not_change_is_refused_like_a_missing_one(personas: Any, west_lead: Any, lead: Any) -> None:
    before = stored()
    for person in ({"lead": str(west_lead.pk)}, {"lead": "00000000-0000-0000-0000-000000000000"}):
        with pytest.raises(ValidationError) as refused:
            actions.record_interaction(personas.rep_east, person, "page_visited")
        assert refused.value.message_dict == {"lead": ["Choose a contact or lead that exists and that you may change."]}
    with pytest.raises(ValidationError) as refused:  # one bad person spoils the batch
        actions.record_interactions(personas.rep_east, [{"lead": str(lead.pk), "kind": "page_visited"},
                                                        {"lead": str(west_lead.pk), "kind": "page_visited"}])  # fmt: skip
    assert set(refused.value.message_dict) == {"events[1].lead"}
    for role in ("auditor", "outsider"):
        with pytest.raises(ActionNotAllowed):
            actions.record_interaction(getattr(personas, role), lead, "page_visited")
    assert stored() == before
    assert selectors.interests_of(personas.rep_east, "lead", west_lead.pk) == []


def test_nothing_more_is_recorded_about_an_erased_contact(personas: Any, contact: Any) -> None:
    actions_erase.shred_contact(personas.admin, contact.pk)
    with pytest.raises(ValidationError) as refused:
        actions.record_interaction(personas.admin, contact, "email_opened")
    assert set(refused.value.message_dict) == {"contact"} and not Interaction.objects.exists()


def test_interactions_and_interests_are_visible_exactly_with_their_person(personas: Any, contact: Any, west_lead: Any) -> None:
    actions.record_interaction(personas.rep_east, contact, "page_visited", None, {"topic": "pricing"})
    actions.record_interaction(personas.rep_west, west_lead, "page_visited", None, {"topic": "pricing"})
    assert Interaction.objects.visible_to(personas.rep_east).get().contact_id == contact.pk
    assert Interaction.objects.visible_to(personas.rep_west).get().lead_id == west_lead.pk
    assert Interaction.objects.visible_to(personas.sales_manager).count() == 2
    assert Interest.objects.visible_to(personas.rep_west).get().lead_id == west_lead.pk
    assert Interaction.objects.visible_to(personas.auditor).count() == 0
    assert Interaction.objects.visible_to(personas.outsider).count() == 0
