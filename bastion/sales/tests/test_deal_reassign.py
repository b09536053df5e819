"""The deal list's "Change owner": chosen deals go to a colleague, each through its update (the
audit trail records each), only those the user may change, never one they would lose sight of."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import sharing
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions
from bastion.sales.models import Deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(personas: Any, stages: Any) -> dict[str, Any]:
    east, west = personas.rep_east, personas.rep_west
    return {
        "fleet": actions.create_deal(east, {"name": "Fleet renewal"}),
        "pilot": actions.create_deal(east, {"name": "Pilot"}),
        "west": actions.create_deal(west, {"name": "West coast fleet"}),
    }


def owner(deal: Any) -> Any:
    return Deal._base_manager.values_list("owner_id", flat=True).get(pk=deal.pk)


def test_the_list_offers_it_and_the_page_asks_about_the_deals_the_user_can_see(
    personas: Any, signed_in: Any, deals: dict[str, Any]
) -> None:
    client = signed_in(personas.rep_east)
    listed = client.get(reverse("sales:deal-list")).content.decode()
    assert 'data-testid="choose-deals"' in listed and f'name="deal" value="{deals["fleet"].pk}"' in listed
    chosen = [str(deals[name].pk) for name in ("fleet", "pilot", "west")]
    page = client.get(reverse("sales:deal-reassign"), {"deal": chosen, "next": "/deals/?q=f"}).content.decode()
    assert "Change the owner of 2 deals" in page and "Fleet renewal" in page and "West coast" not in page
    assert 'name="next" value="/deals/?q=f"' in page
    nothing = client.get(reverse("sales:deal-reassign")).content.decode()
    assert 'data-testid="nothing-chosen"' in nothing


def test_chosen_deals_change_owner_and_each_change_is_audited(personas: Any, signed_in: Any, deals: dict[str, Any]) -> None:
    east, manager = personas.rep_east, personas.sales_manager
    client = signed_in(east)
    chosen = [str(deals[name].pk) for name in ("fleet", "pilot", "west")]
    done = client.post(reverse("sales:deal-reassign"), {"deal": chosen, "owner": manager.pk, "next": "/deals/?q=f"})
    assert done.status_code == 302 and done["Location"] == "/deals/?q=f"
    assert owner(deals["fleet"]) == owner(deals["pilot"]) == manager.pk and owner(deals["west"]) == personas.rep_west.pk
    events = AuditEvent.objects.filter(target_type="sales.deal", changes__has_key="owner", actor_id=east.pk)
    assert {event.target_id for event in events} == {str(deals["fleet"].pk), str(deals["pilot"].pk)}


def test_a_deal_the_user_may_only_read_keeps_its_owner(personas: Any, signed_in: Any, deals: dict[str, Any]) -> None:
    east, west = personas.rep_east, personas.rep_west
    until = timezone.localdate() + dt.timedelta(days=7)
    sharing.share_record(west, Deal, deals["west"].pk, user=east.pk, level="read", expires_on=until)
    client = signed_in(east)
    chosen = [str(deals["west"].pk), str(deals["fleet"].pk)]
    page = client.get(reverse("sales:deal-reassign"), {"deal": chosen}).content.decode()
    assert "West coast fleet" in page  # shared with them: they see it
    response = client.post(reverse("sales:deal-reassign"), {"deal": chosen, "owner": personas.sales_manager.pk}, follow=True)
    body = response.content.decode()
    assert "1 record handed over to" in body and "1 record could not be handed over" in body
    assert owner(deals["west"]) == west.pk and owner(deals["fleet"]) == personas.sales_manager.pk


def test_bad_input_and_other_roles_change_nothing(personas: Any, signed_in: Any, deals: dict[str, Any]) -> None:
    before = AuditEvent.objects.filter(target_type="sales.deal").count()
    client = signed_in(personas.rep_east)
    chosen = {"deal": [str(deals["fleet"].pk)]}
    bad_owner = client.post(reverse("sales:deal-reassign"), {**chosen, "owner": personas.auditor.pk})
    assert bad_owner.status_code == 400 and "Select a valid choice" in bad_owner.content.decode()
    nothing = client.post(reverse("sales:deal-reassign"), {"owner": personas.sales_manager.pk})
    assert nothing.status_code == 400 and 'data-testid="nothing-chosen"' in nothing.content.decode()
    auditor = signed_in(personas.auditor).post(reverse("sales:deal-reassign"), {**chosen, "owner": personas.sales_manager.pk})
    assert auditor.status_code == 403
    assert owner(deals["fleet"]) == personas.rep_east.pk and AuditEvent.objects.filter(target_type="sales.deal").count() == before
