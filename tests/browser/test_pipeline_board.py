"""The pipeline board in a real Chromium: drag a deal to another stage, without a page reload,
without breaking the Content Security Policy (the page fixture fails on any CSP violation); and
the deal list's tick boxes moving the chosen deals to a lost stage with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.accounts.testing import enrol_totp
from bastion.sales import actions, actions_setup
from bastion.sales.models import Deal, DealStageChange, Stage
from tests.browser.test_first_day import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_drag_a_deal_to_another_stage_and_it_stays_there(page: Any, live_server: Any, personas: Any) -> None:
    pipeline = actions_setup.create_pipeline(
        personas.admin,
        {"name": "New business"},
        stages=[
            {"name": "Qualification", "probability": 10},
            {"name": "Proposal", "probability": 50},
            {"name": "Won", "probability": 100, "kind": "won"},
        ],
    )
    deal = actions.create_deal(personas.rep_east, {"name": "Aurora fleet", "amount": "4200"})
    won = Stage.objects.get(pipeline=pipeline, name="Won")
    secret = enrol_totp(personas.rep_east)
    sign_in(page, live_server.url, "rep_east", secret)

    page.get_by_role("link", name="Pipeline", exact=True).click()
    page.get_by_role("heading", name="Pipeline: New business").wait_for()
    page.evaluate("window.bastionNoReload = true")
    card = page.locator(f"[data-deal-card='{deal.pk}']")
    won_column = page.locator(f"[data-stage-column='{won.pk}']")
    assert page.locator("[data-testid='column-Qualification'] [data-testid='deal-card']").count() == 1

    card.drag_to(won_column)
    page.locator(f"[data-stage-column='{won.pk}'] [data-deal-card='{deal.pk}'].moved").wait_for()
    assert page.evaluate("window.bastionNoReload") is True  # the board was swapped, not reloaded
    deal.refresh_from_db()
    assert deal.stage == won and deal.probability == 100 and deal.closed_at is not None
    assert DealStageChange.objects.filter(
        deal=deal, from_name="Qualification", to_name="Won", changed_by=personas.rep_east
    ).exists()

    # The keyboard way: the card's stage select and its Move button.
    page.get_by_label("Stage of Aurora fleet").select_option(label="Proposal")
    page.get_by_label("Stage of Aurora fleet").press("Tab")
    page.keyboard.press("Enter")
    page.locator("[data-testid='column-Proposal'] [data-deal-card].moved").wait_for()
    assert Deal.objects.get(pk=deal.pk).stage.name == "Proposal"
    page.reload()
    assert page.locator("[data-testid='column-Proposal'] [data-testid='deal-card']").count() == 1


def test_move_chosen_deals_from_the_list_to_a_lost_stage(page: Any, live_server: Any, personas: Any) -> None:
    pipeline = actions_setup.create_pipeline(
        personas.admin,
        {"name": "New business"},
        stages=[{"name": "Qualification", "probability": 10}, {"name": "Lost", "probability": 0, "kind": "lost"}],
    )
    chosen = [actions.create_deal(personas.rep_east, {"name": name}) for name in ("Aurora fleet", "Borealis pilot")]
    lost = Stage.objects.get(pipeline=pipeline, name="Lost")
    sign_in(page, live_server.url, "rep_east", enrol_totp(personas.rep_east))
    page.goto(f"{live_server.url}/deals/")
    page.get_by_label("Choose every record on this page").check()
    page.get_by_test_id("move-chosen").click()
    page.get_by_role("heading", name="Move 2 deals to a stage").wait_for()
    page.get_by_label("Move to").select_option(str(lost.pk))
    page.get_by_label("Lost reason").fill("Went with a rival")
    page.get_by_role("button", name="Move", exact=True).click()
    page.get_by_text("2 deals moved.").wait_for()
    assert page.url.rstrip("/").endswith("/deals")
    moved = Deal.objects.filter(pk__in=[deal.pk for deal in chosen])
    assert {(deal.stage_id, deal.lost_reason) for deal in moved} == {(lost.pk, "Went with a rival")}
