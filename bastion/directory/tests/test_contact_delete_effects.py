"""What deleting a contact says it does to their deals, orders and activities, and that it does so."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bastion.commerce import actions as commerce
from bastion.commerce.models import Order
from bastion.directory.models import Contact
from bastion.directory.tests.test_company_deals_ui import confirm_question, deal
from bastion.sales.models import Activity, Deal
from bastion.sales.tests.factories import ActivityFactory, pipeline_with_stages, stage_named

pytestmark = pytest.mark.django_db


def test_delete_dialog_and_page_count_what_is_kept_and_what_goes(personas: Any, signed_in: Any, contact: Any) -> None:
    stage = stage_named(pipeline_with_stages("Main", is_default=True), "Proposal")
    theirs = [deal(personas.rep_east, stage, contact=contact) for _ in range(2)]
    hidden = deal(personas.rep_west, stage, contact=contact)  # rep_east may not see it: not counted
    order = commerce.create_order(personas.rep_east, {"contact": contact.pk})
    task: Any = ActivityFactory(assignee=personas.rep_east, contact=contact)
    client = signed_in(personas.rep_east)

    question = confirm_question(client.get(reverse("directory:contact-detail", args=[contact.pk])).content.decode())
    assert question == (
        "Delete the contact “Alice Smith”? Their 2 deals are kept, no longer linked to a contact. "
        "Their 1 order is kept, no longer linked to a contact. "
        "Their 1 task, call, meeting or note is deleted with them. This cannot be undone."
    )
    page = client.get(reverse("directory:contact-delete", args=[contact.pk])).content.decode()
    assert "Their 2 deals are kept, no longer linked to a contact." in page
    assert "Their 1 task, call, meeting or note is deleted with them." in page

    response = client.post(reverse("directory:contact-delete", args=[contact.pk]), {"confirmed": "yes"})
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Deal.objects.filter(pk__in=[d.pk for d in [*theirs, hidden]], contact=None).count() == 3
    assert Order.objects.filter(pk=order.pk, contact=None).exists()
    assert not Activity.objects.filter(pk=task.pk).exists()


def test_delete_dialog_of_a_contact_with_nothing_linked(personas: Any, signed_in: Any, contact: Any) -> None:
    page = signed_in(personas.rep_east).get(reverse("directory:contact-detail", args=[contact.pk])).content.decode()
    assert confirm_question(page) == "Delete the contact “Alice Smith”? This cannot be undone."
