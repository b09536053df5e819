"""Deal and set-up actions: defaults, money, stage history, audit, validation and refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions, actions_setup, selectors
from bastion.sales.models import Deal, DealStageChange, ExchangeRate, Pipeline, Stage

pytestmark = pytest.mark.django_db


def deal_state() -> list[Any]:
    return [
        list(Deal.objects.order_by("pk").values()),
        list(DealStageChange.objects.order_by("pk").values()),
        list(Pipeline.objects.order_by("pk").values()),
        list(Stage.objects.order_by("pk").values()),
        list(ExchangeRate.objects.order_by("pk").values()),
    ]


def test_a_new_deal_starts_in_the_default_pipelines_first_stage(personas: Any, stages: Any, customer: Any) -> None:
    company, contact = customer
    deal = actions.create_deal(
        personas.rep_east, {"name": "200 licences", "amount": "12500.50", "company": company.pk, "contact": contact.pk}
    )
    deal.refresh_from_db()
    assert deal.stage == stages["Qualification"] and deal.probability == 10
    assert deal.owner == personas.rep_east and deal.created_by == personas.rep_east
    assert deal.team is not None and deal.team.name == "Sales East"  # the owner's only team
    assert deal.currency == "USD" and deal.amount == Decimal("12500.50") and deal.amount_base_cents == 1250050
    history = list(DealStageChange.objects.filter(deal=deal))
    assert [(h.from_name, h.to_name, h.changed_by) for h in history] == [("", "Qualification", personas.rep_east)]
    event = AuditEvent.objects.filter(target_type="sales.deal", target_id=str(deal.pk)).get()
    assert event.kind == EventKind.RECORD_CREATED and event.changes["amount"]["new"] == "12500.50"


def test_moving_a_deal_keeps_who_and_when_and_follows_the_stage(personas: Any, stages: Any) -> None:
    deal = actions.create_deal(personas.rep_east, {"name": "Support plan", "amount": "1000"})
    actions.move_deal(personas.sales_manager, deal.pk, stages["Proposal"].pk)
    actions.move_deal(personas.rep_east, deal.pk, stages["Won"].pk)
    deal.refresh_from_db()
    assert deal.stage == stages["Won"] and deal.probability == 100 and deal.closed_at is not None
    moves = [
        (h.from_name, h.to_name, h.changed_by) for h in DealStageChange.objects.filter(deal=deal).order_by("changed_at", "id")
    ]
    assert moves == [
        ("", "Qualification", personas.rep_east),
        ("Qualification", "Proposal", personas.sales_manager),
        ("Proposal", "Won", personas.rep_east),
    ]
    updates = AuditEvent.objects.filter(target_id=str(deal.pk), kind=EventKind.RECORD_UPDATED).order_by("sequence")
    assert [e.changes["stage"]["new"] for e in updates] == [str(stages["Proposal"].pk), str(stages["Won"].pk)]
    actions.move_deal(personas.rep_east, deal.pk, stages["Proposal"].pk)  # reopened
    deal.refresh_from_db()
    assert deal.closed_at is None and deal.probability == 50


def test_moving_to_the_stage_it_is_in_writes_nothing(personas: Any, stages: Any) -> None:
    deal = actions.create_deal(personas.rep_east, {"name": "Onboarding"})
    before = deal_state(), AuditEvent.objects.count()
    actions.move_deal(personas.rep_east, deal.pk, stages["Qualification"].pk)
    assert (deal_state(), AuditEvent.objects.count()) == before


def test_amounts_are_exact_decimals_converted_to_the_base_currency(personas: Any, pipeline: Any, rates: Any) -> None:
    deal = actions.create_deal(personas.rep_east, {"name": "EU deal", "amount": "0.10", "currency": "eur"})
    assert deal.currency == "EUR" and deal.amount == Decimal("0.10") and deal.amount_base_cents == 11
    many = [actions.create_deal(personas.rep_east, {"name": f"d{i}", "amount": "0.10"}) for i in range(3)]
    totals = selectors.deal_totals(personas.rep_east, selectors.DealFilters())
    # 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floating point; here it is 0.30 + 0.11.
    assert totals.amount == Decimal("0.41") and totals.count == 4
    assert totals.weighted == Decimal("0.04")  # each at 10 %: 0.011 + 3 x 0.01 = 0.041 → 0.04
    actions_setup.set_exchange_rate(personas.admin, "EUR", Decimal("2"))
    deal.refresh_from_db()
    assert deal.amount_base_cents == 20 and all(d.currency == "USD" for d in many)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "amount": "-1"}, "amount"),
        ({"name": "x", "amount": "1.005"}, "amount"),
        ({"name": "x", "amount": "lots"}, "amount"),
        ({"name": "x", "currency": "JPY"}, "currency"),
        ({"name": "x", "currency": "dollars"}, "currency"),
        ({"name": "x", "probability": 101}, "probability"),
        ({"name": "x", "expected_close_date": "31/12/2026"}, "expected_close_date"),
        ({"name": "x", "owner": 999999}, "owner"),
        ({"name": "x", "company": "00000000-0000-0000-0000-000000000000"}, "company"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(personas: Any, pipeline: Any, data: Any, field: str) -> None:
    before = deal_state(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.create_deal(personas.rep_east, data)
    assert field in error.value.message_dict
    assert (deal_state(), AuditEvent.objects.count()) == before


def test_a_stage_of_another_pipeline_is_refused(personas: Any, stages: Any) -> None:
    other = actions_setup.create_pipeline(personas.admin, {"name": "Renewals"})
    foreign = Stage.objects.filter(pipeline=other).first()
    assert foreign is not None
    with pytest.raises(ValidationError) as error:
        actions.create_deal(personas.rep_east, {"name": "x", "pipeline": stages["Won"].pipeline_id, "stage": foreign.pk})
    assert "stage" in error.value.message_dict


@pytest.mark.parametrize("who", ["outsider", "auditor"])
def test_roles_without_customer_records_change_nothing(personas: Any, stages: Any, who: str) -> None:
    deal = actions.create_deal(personas.rep_east, {"name": "Kept"})
    before = deal_state(), AuditEvent.objects.count()
    user = getattr(personas, who)
    with pytest.raises(PermissionDenied):
        actions.create_deal(user, {"name": "Sneaky"})
    for attempt in (
        lambda: actions.update_deal(user, deal.pk, {"name": "Hacked"}),
        lambda: actions.move_deal(user, deal.pk, stages["Won"].pk),
        lambda: actions.delete_deal(user, deal.pk),
    ):
        with pytest.raises((PermissionDenied, Exception)) as error:
            attempt()
        assert error.type.__name__ in {"ActionNotAllowed", "Http404"}
    assert (deal_state(), AuditEvent.objects.count()) == before


def test_only_administrators_change_the_set_up(personas: Any, stages: Any) -> None:
    before = deal_state(), AuditEvent.objects.count()
    for who in ("rep_east", "sales_manager", "marketer", "outsider"):
        user = getattr(personas, who)
        with pytest.raises(PermissionDenied):
            actions_setup.create_pipeline(user, {"name": "Mine"})
        with pytest.raises(PermissionDenied):
            actions_setup.update_stage(user, stages["Won"].pk, {"probability": 1})
        with pytest.raises(PermissionDenied):
            actions_setup.set_exchange_rate(user, "EUR", "1.2")
    assert (deal_state(), AuditEvent.objects.count()) == before


def test_set_up_changes_are_audited_and_guarded(personas: Any, pipeline: Any, stages: Any) -> None:
    actions_setup.update_stage(personas.admin, stages["Proposal"].pk, {"probability": 60, "name": "Offer"})
    event = AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED, target_id=str(stages["Proposal"].pk)).latest("sequence")
    assert event.changes["probability"] == {"old": 50, "new": 60} and event.changes["name"]["new"] == "Offer"
    deal = actions.create_deal(personas.rep_east, {"name": "Holds the stage"})
    with pytest.raises(ValidationError):
        actions_setup.delete_stage(personas.admin, stages["Qualification"].pk)
    with pytest.raises(ValidationError):
        actions_setup.delete_pipeline(personas.admin, pipeline.pk)
    with pytest.raises(ValidationError):
        actions_setup.set_exchange_rate(personas.admin, "USD", "2")  # the base currency
    actions.delete_deal(personas.rep_east, deal.pk)
    actions_setup.delete_stage(personas.admin, stages["Qualification"].pk)
    assert not Stage.objects.filter(pk=stages["Qualification"].pk).exists()


def test_a_second_default_pipeline_takes_over(personas: Any, pipeline: Any) -> None:
    assert pipeline.is_default
    other = actions_setup.create_pipeline(personas.admin, {"name": "Renewals", "is_default": True})
    pipeline.refresh_from_db()
    assert other.is_default and not pipeline.is_default
    assert actions.create_deal(personas.rep_east, {"name": "x"}).pipeline == other


def test_board_columns_and_totals(personas: Any, stages: Any, rates: Any) -> None:
    a = actions.create_deal(personas.rep_east, {"name": "A", "amount": "100", "currency": "EUR"})
    actions.create_deal(personas.rep_west, {"name": "B", "amount": "50"})
    actions.move_deal(personas.rep_east, a.pk, stages["Proposal"].pk)
    columns = selectors.board(personas.sales_manager, stages["Won"].pipeline, selectors.DealFilters())
    by_name = {c.stage.name: c for c in columns}
    assert [c.stage.name for c in columns] == ["Qualification", "Proposal", "Won", "Lost"]
    assert [d.name for d in by_name["Proposal"].deals] == ["A"]
    assert by_name["Proposal"].totals.amount == Decimal("110.00") and by_name["Proposal"].totals.weighted == Decimal("55.00")
    total = selectors.pipeline_totals(columns)
    assert total.count == 2 and total.amount == Decimal("160.00") and total.weighted == Decimal("60.00")
    assert selectors.board(personas.outsider, stages["Won"].pipeline, selectors.DealFilters()) == []
