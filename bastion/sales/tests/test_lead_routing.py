"""Lead routing (ADR 0039): web-form leads go to one team's members in turn; administrators choose the team."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bastion.accounts.models import Team
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_leads, actions_routing
from bastion.sales.models import Lead, LeadRouting

pytestmark = pytest.mark.django_db


def capture(number: int) -> Lead:
    data = {"given_name": "Visitor", "family_name": str(number), "email": f"v{number}@form.example"}
    return actions_leads.capture_lead(data, consent_text="I agree.")


def test_leads_go_to_the_receiving_team_in_turn(personas: Any) -> None:
    east = Team.objects.get(name="Sales East")
    actions_routing.set_lead_routing(personas.admin, east.pk)
    owners = [capture(number).owner for number in range(5)]
    # Sales East: rep_east and the sales manager (both write customer records), by user id, in turn.
    assert owners == [personas.rep_east, personas.sales_manager, personas.rep_east, personas.sales_manager, personas.rep_east]
    assert set(Lead.objects.values_list("team", flat=True)) == {east.pk}
    assert Lead.objects.visible_to(personas.rep_east).count() == 5 and not Lead.objects.visible_to(personas.rep_west).exists()


def test_a_member_who_leaves_or_is_disabled_gets_no_more_leads(personas: Any) -> None:
    east = Team.objects.get(name="Sales East")
    actions_routing.set_lead_routing(personas.admin, east.pk)
    personas.sales_manager.is_active = False
    personas.sales_manager.save(update_fields=["is_active"])
    assert {capture(number).owner for number in range(3)} == {personas.rep_east}
    personas.rep_east.membership.teams.clear()
    lead = capture(9)
    assert lead.owner is None and lead.team == east  # the team still sees it; nobody owns it


def test_without_a_team_only_administrators_see_web_form_leads(personas: Any) -> None:
    lead = capture(1)
    assert (lead.owner, lead.team) == (None, None)
    assert Lead.objects.visible_to(personas.admin).filter(pk=lead.pk).exists()
    for who in ("rep_east", "rep_west", "sales_manager", "marketer"):
        assert not Lead.objects.visible_to(getattr(personas, who)).exists()


def test_only_administrators_choose_the_team_and_each_change_is_audited(personas: Any) -> None:
    west = Team.objects.get(name="Sales West")
    with pytest.raises(PermissionDenied):
        actions_routing.set_lead_routing(personas.sales_manager, west.pk)
    with pytest.raises(ValidationError) as error:
        actions_routing.set_lead_routing(personas.admin, "not-a-team")
    assert error.value.message_dict == {"team": ["Choose an existing team, or nobody."]}
    assert not LeadRouting.objects.exists() and not AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED).exists()
    actions_routing.set_lead_routing(personas.admin, west.pk)
    actions_routing.set_lead_routing(personas.admin, west.pk)  # no change, no event
    actions_routing.set_lead_routing(personas.admin, "")
    changes = [e.changes for e in AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED).order_by("sequence")]
    assert changes == [{"team": {"old": None, "new": "Sales West"}}, {"team": {"old": "Sales West", "new": None}}]


def test_the_set_up_page_shows_and_changes_the_routing(personas: Any, signed_in: Any) -> None:
    west = Team.objects.get(name="Sales West")
    url = reverse("sales:lead-routing")
    rep = signed_in(personas.rep_east)
    page = rep.get(reverse("sales:setup")).content.decode()
    assert "only administrators see them" in page and 'action="/sales/lead-routing/"' not in page
    assert rep.post(url, {"team": str(west.pk)}).status_code == 403 and not LeadRouting.objects.exists()
    admin = signed_in(personas.admin)
    assert admin.post(url, {"team": "00000000-0000-0000-0000-000000000000"}).status_code == 400
    response = admin.post(url, {"team": str(west.pk)}, follow=True)
    body = response.content.decode()
    assert "Web-form leads now go to the team Sales West." in body and "rep_west" in body
    assert "to each of these colleagues in turn: rep_west" in body
    assert LeadRouting.objects.get().team == west
    chinese = admin.get(reverse("sales:setup"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "依次分给以下同事：rep_west" in chinese  # no space after the full-width colon


def capture_from(number: int, country: str, industry: str) -> Lead:
    data = {"given_name": "Visitor", "family_name": str(number), "email": f"t{number}@form.example", "country": country,
            "industry": industry}  # fmt: skip
    return actions_leads.capture_lead(data, consent_text="I agree.")


def test_territories_send_matching_leads_to_their_colleague_and_the_rest_in_turn(personas: Any) -> None:
    east = Team.objects.get(name="Sales East")
    actions_routing.set_lead_routing(personas.admin, east.pk)
    manager = personas.sales_manager
    actions_routing.add_territory_rule(personas.admin, {"country": "China", "owner": manager.pk})
    actions_routing.add_territory_rule(personas.admin, {"industry": "manufacturing", "owner": personas.rep_east.pk})
    assert capture_from(1, " china ", "").owner == manager  # compared without case or spaces
    assert capture_from(2, "Brazil", "manufacturing").owner == personas.rep_east
    assert capture_from(3, "China", "manufacturing").owner == manager  # the first rule that matches
    turns = [capture_from(number, "Brazil", "retail").owner for number in (4, 5)]
    assert turns == [personas.rep_east, manager]  # no territory: in turn, and territory leads took no turn
    assert Lead.objects.get(family_name="1").country == "china"  # kept as the visitor typed it, trimmed
    manager.membership.teams.clear()
    assert capture_from(6, "China", "").owner == personas.rep_east  # the territory's colleague left: in turn


def test_territory_rules_are_checked_audited_and_only_for_administrators(personas: Any) -> None:
    with pytest.raises(ValidationError) as no_team:
        actions_routing.add_territory_rule(personas.admin, {"country": "China", "owner": personas.rep_east.pk})
    assert "owner" in no_team.value.message_dict
    actions_routing.set_lead_routing(personas.admin, Team.objects.get(name="Sales East").pk)
    cases = [
        ({"owner": personas.rep_east.pk}, "country"),  # no condition at all
        ({"country": "China", "owner": personas.rep_west.pk}, "owner"),  # not in the receiving team
        ({"industry": "astrology", "owner": personas.rep_east.pk}, "industry"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as refused:
            actions_routing.add_territory_rule(personas.admin, data)
        assert field in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        actions_routing.add_territory_rule(personas.rep_east, {"country": "China", "owner": personas.rep_east.pk})
    assert actions_routing.territory_rules() == []
    rule = actions_routing.add_territory_rule(personas.admin, {"country": "China", "owner": personas.rep_east.pk})
    actions_routing.delete_territory_rule(personas.admin, rule.pk)
    events = AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED, target_id="lead_routing.territory").order_by("sequence")
    assert [e.changes["territory"]["new"] for e in events] == [
        {"country": "China", "industry": "", "owner": "rep_east"}, None
    ]  # fmt: skip


def test_the_set_up_page_adds_and_removes_territories(personas: Any, signed_in: Any) -> None:
    actions_routing.set_lead_routing(personas.admin, Team.objects.get(name="Sales East").pk)
    admin = signed_in(personas.admin)
    page = admin.get(reverse("sales:setup")).content.decode()
    assert "No territories" in page and 'name="owner"' in page
    bad = admin.post(reverse("sales:territory-create"), {"country": "", "industry": "", "owner": personas.rep_east.pk})
    assert bad.status_code == 400 and not actions_routing.territory_rules()
    done = admin.post(reverse("sales:territory-create"), {"country": "China", "owner": personas.rep_east.pk})
    assert done.status_code == 302 and [r.country for r in actions_routing.territory_rules()] == ["China"]
    rule = actions_routing.territory_rules()[0]
    rep = signed_in(personas.rep_east)
    assert rep.post(reverse("sales:territory-delete", args=[rule.pk])).status_code == 403
    assert admin.post(reverse("sales:territory-delete", args=[rule.pk])).status_code == 302
    assert actions_routing.territory_rules() == []


def test_converting_a_lead_takes_its_country_to_the_contact_and_its_industry_to_a_new_company(personas: Any) -> None:
    from bastion.directory.models import Company, Contact

    lead = actions_leads.create_lead(
        personas.rep_east,
        {"given_name": "Wei", "family_name": "Zhang", "email": "wei@x.example", "company_name": "Harbour Steel",
         "country": "China", "industry": "manufacturing"},
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        actions_leads.update_lead(personas.rep_east, lead.pk, {"industry": "astrology"})
    assert "industry" in refused.value.message_dict
    converted = actions_leads.convert_lead(personas.rep_east, lead.pk, {"create_company": True})
    contact = Contact.objects.get(from_leads=converted)
    company = Company.objects.get(from_leads=converted)
    assert str(contact.country) == "China" and company.industry == "manufacturing"
