"""Sales pages: board, list, detail, forms, moves (htmx and plain), set-up; allow and deny."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions
from bastion.sales.models import Deal, DealStageChange, Pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(personas: Any, stages: Any, customer: Any, rates: Any) -> list[Deal]:
    company, contact = customer
    made = [
        actions.create_deal(personas.rep_east, {"name": "Aurora licences", "amount": "1000", "company": company.pk}),
        actions.create_deal(personas.rep_east, {"name": "Aurora support", "amount": "200", "currency": "EUR"}),
        actions.create_deal(personas.rep_west, {"name": "Zenith onboarding", "amount": "300.50"}),
    ]
    actions.move_deal(personas.rep_east, made[1].pk, stages["Proposal"].pk)
    return made


def test_board_shows_every_stage_with_its_deals_and_totals(signed_in: Any, personas: Any, deals: Any) -> None:
    # The sales manager manages both sales teams, so the board holds both reps' deals.
    response = signed_in(personas.sales_manager).get(reverse("sales:deal-board"))
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Qualification", "Proposal", "Won", "Lost", "Aurora licences", "Zenith onboarding", "1,520.50"):
        assert text in body
    assert "<script>" not in body and " style=" not in body  # strict CSP: no inline script or style


def _card(body: str, deal: Deal) -> str:
    start = body.index(f'data-deal-card="{deal.pk}"')
    return body[start : body.index("</li>", start)]


def test_board_cards_name_the_owner_and_mark_a_passed_close_date_of_an_open_deal(
    signed_in: Any, personas: Any, stages: Any, rates: Any
) -> None:
    passed = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    later = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    late = actions.create_deal(personas.rep_east, {"name": "Late renewal", "amount": "10", "expected_close_date": passed})
    won = actions.create_deal(personas.rep_east, {"name": "Won renewal", "amount": "10", "expected_close_date": passed})
    actions.move_deal(personas.rep_east, won.pk, stages["Won"].pk)
    ahead = actions.create_deal(personas.rep_east, {"name": "Next renewal", "amount": "10", "expected_close_date": later})
    owner = personas.rep_east.get_full_name() or personas.rep_east.username
    client = signed_in(personas.rep_east)
    board = client.get(reverse("sales:deal-board")).content.decode()
    assert f"{passed}</time> · overdue</span>" in _card(board, late)
    assert owner in _card(board, late)
    assert "overdue" not in _card(board, won) and "overdue" not in _card(board, ahead)  # closed, or not yet due
    listed = client.get(reverse("sales:deal-list")).content.decode()
    assert listed.count("· overdue</span>") == 1
    detail = client.get(reverse("sales:deal-detail", args=[late.pk])).content.decode()
    assert f"{passed}</time> · overdue</span>" in detail


@pytest.mark.parametrize("who", ["outsider", "auditor"])
def test_board_list_and_deal_are_refused_without_customer_records(signed_in: Any, personas: Any, deals: Any, who: str) -> None:
    client = signed_in(getattr(personas, who))
    for url in (reverse("sales:deal-board"), reverse("sales:deal-list"), reverse("sales:deal-detail", args=[deals[0].pk])):
        response = client.get(url)
        assert response.status_code in (403, 404)
        assert b"Aurora" not in response.content and b"Zenith" not in response.content


def test_htmx_move_returns_the_board_and_persists(signed_in: Any, personas: Any, deals: Any, stages: Any) -> None:
    client = signed_in(personas.rep_east)
    deal = deals[0]
    board = reverse("sales:deal-board") + "?q=aurora"
    response = client.post(
        reverse("sales:deal-move", args=[deal.pk]),
        {"stage": stages["Won"].pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{board}",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="board"') and "Aurora licences" in body and "Zenith" not in body  # filter kept
    deal.refresh_from_db()
    assert deal.stage == stages["Won"] and deal.closed_at is not None
    assert DealStageChange.objects.filter(deal=deal, to_name="Won", changed_by=personas.rep_east).exists()


def test_plain_move_redirects_back_and_a_bad_stage_changes_nothing(signed_in: Any, personas: Any, deals: Any) -> None:
    client = signed_in(personas.rep_east)
    deal = deals[0]
    before = DealStageChange.objects.count()
    response = client.post(reverse("sales:deal-move", args=[deal.pk]), {"stage": "not-a-stage", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("sales:deal-detail", args=[deal.pk])
    assert DealStageChange.objects.count() == before


def test_read_only_and_outsider_cannot_move(signed_in: Any, personas: Any, deals: Any, stages: Any) -> None:
    deal = deals[0]
    before = list(DealStageChange.objects.values()), AuditEvent.objects.filter(target_type="sales.deal").count()
    for who in ("outsider", "auditor"):
        response = signed_in(getattr(personas, who)).post(reverse("sales:deal-move", args=[deal.pk]), {"stage": stages["Won"].pk})
        assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.stage == stages["Qualification"]
    assert (list(DealStageChange.objects.values()), AuditEvent.objects.filter(target_type="sales.deal").count()) == before


def test_list_searches_sorts_pages_and_totals(signed_in: Any, personas: Any, deals: Any) -> None:
    client = signed_in(personas.sales_manager)
    body = client.get(reverse("sales:deal-list"), {"q": "auro"}).content.decode()
    assert "Aurora licences" in body and "Aurora support" in body and "Zenith" not in body
    assert "1,220.00" in body  # 1000 USD + 200 EUR at 1.10
    body = client.get(reverse("sales:deal-list"), {"ordering": "-amount", "limit": 1}).content.decode()
    assert "Aurora licences" in body and "Zenith" not in body and 'rel="next"' in body
    assert "1,520.50" in body  # totals cover every matching deal, not only the page
    response = client.get(reverse("sales:deal-list"), {"ordering": "colour"})
    assert response.status_code == 400


def test_detail_shows_history_and_is_audited_as_read(signed_in: Any, personas: Any, deals: Any) -> None:
    deal = deals[1]
    body = signed_in(personas.rep_east).get(reverse("sales:deal-detail", args=[deal.pk])).content.decode()
    assert "Qualification → Proposal" in body and "EUR" in body  # the timeline
    path = body[body.index('data-testid="stage-path"') :]
    assert path.index("<td>Qualification</td>") < path.index('<tr aria-current="step">') < path.index("Proposal <span")
    assert path.count("under a day") == 2


def test_the_stage_path_counts_the_days_in_each_stage_and_none_after_closing(personas: Any, deals: Any, stages: Any) -> None:
    from bastion.sales import selectors

    deal = deals[1]  # Qualification, then Proposal
    now = timezone.now()
    entered = [now - dt.timedelta(days=10, hours=5), now - dt.timedelta(days=3, hours=1)]
    for change, moment in zip(DealStageChange.objects.filter(deal=deal).order_by("changed_at", "id"), entered, strict=True):
        DealStageChange.objects.filter(pk=change.pk).update(changed_at=moment)
    path = selectors.stage_path(personas.rep_east, deal, now=now)
    assert [(stay.change.to_name, stay.days, stay.current) for stay in path] == [
        ("Qualification", 7, False),
        ("Proposal", 3, True),
    ]
    won = actions.move_deal(personas.rep_east, deal.pk, stages["Won"].pk)
    path = selectors.stage_path(personas.rep_east, won, now=now + dt.timedelta(days=1))
    assert [(stay.change.to_name, stay.days) for stay in path][-2:] == [("Proposal", 3), ("Won", None)]
    assert selectors.stage_path(personas.rep_west, deal) == []  # another team's deal: nothing


def test_a_rep_cannot_see_another_teams_deal(signed_in: Any, personas: Any, deals: Any) -> None:
    client = signed_in(personas.rep_west)
    response = client.get(reverse("sales:deal-detail", args=[deals[1].pk]))
    assert response.status_code == 404 and b"Aurora" not in response.content
    board = client.get(reverse("sales:deal-board")).content.decode()
    assert "Zenith onboarding" in board and "Aurora" not in board


def test_create_edit_and_delete_through_the_forms(signed_in: Any, personas: Any, stages: Any, customer: Any) -> None:
    company, contact = customer
    client = signed_in(personas.rep_east)
    assert client.get(reverse("sales:deal-create") + f"?contact={contact.pk}").status_code == 200
    data = {
        "name": "Robot arms", "stage": stages["Proposal"].pk, "amount": "99999.99", "currency": "USD",
        "company_name": company.name, "contact_name": "Mei Chen", "owner": personas.rep_east.pk, "team": "",
    }  # fmt: skip
    response = client.post(reverse("sales:deal-create"), data)
    deal = Deal.objects.get(name="Robot arms")
    assert response.status_code == 302 and deal.company == company and deal.contact == contact
    assert deal.amount == Decimal("99999.99") and deal.probability == 50
    response = client.post(reverse("sales:deal-edit", args=[deal.pk]), {**data, "amount": "1.234"})
    assert response.status_code == 400 and b"Amount" in response.content
    deal.refresh_from_db()
    assert deal.amount == Decimal("99999.99")
    response = client.post(reverse("sales:deal-edit", args=[deal.pk]), {**data, "contact_name": "Nobody Known"})
    assert response.status_code == 400 and b"No contact you can see has this name." in response.content
    assert client.get(reverse("sales:deal-delete", args=[deal.pk])).status_code == 200  # asks first
    assert Deal.objects.filter(pk=deal.pk).exists()
    client.post(reverse("sales:deal-delete", args=[deal.pk]), {"confirmed": "yes"})
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_set_up_page_forms_only_for_administrators(signed_in: Any, personas: Any, pipeline: Any) -> None:
    admin = signed_in(personas.admin)
    assert b"Add pipeline" in admin.get(reverse("sales:setup")).content
    rep = signed_in(personas.rep_east)
    page = rep.get(reverse("sales:setup"))
    assert page.status_code == 200 and b"Add pipeline" not in page.content
    before = list(Pipeline.objects.values())
    assert rep.post(reverse("sales:pipeline-create"), {"name": "Mine"}).status_code == 403
    assert rep.post(reverse("sales:rate-set"), {"currency": "EUR", "rate": "2"}).status_code == 403
    assert list(Pipeline.objects.values()) == before
    response = admin.post(reverse("sales:pipeline-create"), {"name": "Renewals"})
    assert response.status_code == 302 and Pipeline.objects.filter(name="Renewals").exists()
    response = admin.post(reverse("sales:rate-set"), {"currency": "gbp", "rate": "1.27"})
    assert response.status_code == 302


def test_board_without_a_pipeline_explains(signed_in: Any, personas: Any) -> None:
    body = signed_in(personas.admin).get(reverse("sales:deal-board")).content.decode()
    assert "No pipeline has been set up yet" in body and reverse("sales:pipeline-create") in body
