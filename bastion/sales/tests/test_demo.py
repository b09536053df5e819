"""The demo organisation opens on a populated pipeline board."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bastion.commerce.models import Order
from bastion.directory.demo import seed_demo_directory
from bastion.sales.demo import seed_demo_sales
from bastion.sales.models import Activity, Deal, DealStageChange, ExchangeRate, Lead, Pipeline, StageKind

pytestmark = pytest.mark.django_db


def test_demo_sales_fill_every_kind_of_stage(personas: Any) -> None:
    sellers = [personas.rep_east, personas.rep_west, personas.sales_manager]
    seed_demo_directory(sellers, companies=8, contacts=30)
    assert seed_demo_sales(personas.admin, sellers, deals=60) == 60
    assert sorted(Pipeline.objects.values_list("name", flat=True)) == ["New business", "Renewals", "中国区新业务"]
    assert Deal.objects.count() == 60 and set(ExchangeRate.objects.values_list("currency", flat=True)) == {"CNY", "EUR", "GBP"}
    kinds = set(Deal.objects.values_list("stage__kind", flat=True))
    assert kinds == {StageKind.OPEN, StageKind.WON, StageKind.LOST}
    assert DealStageChange.objects.count() > Deal.objects.count()  # some deals were moved along
    assert Deal.objects.filter(stage__kind=StageKind.LOST).exclude(lost_reason="").exists()
    assert all(deal.amount_base_cents > 0 for deal in Deal.objects.all())
    assert Lead.objects.filter(source="web_form").exclude(consent_text="").count() == 3 and Lead.objects.count() == 6
    assert Activity.objects.filter(assignee=personas.rep_east, kind="task").count() == 3


def test_demo_deals_read_as_worked_over_past_weeks(personas: Any) -> None:
    sellers = [personas.rep_east, personas.rep_west, personas.sales_manager]
    seed_demo_directory(sellers, companies=8, contacts=30)
    seed_demo_sales(personas.admin, sellers, deals=40)
    now = timezone.now()
    oldest = []
    for deal in Deal.objects.select_related("stage"):
        moments = list(DealStageChange.objects.filter(deal=deal).order_by("id").values_list("changed_at", flat=True))
        assert moments == sorted(moments) and moments[0] == deal.created_at and moments[-1] <= now
        assert deal.closed_at == (moments[-1] if deal.stage.is_closed else None)
        assert all(order.ordered_at == moments[-1] for order in Order.objects.filter(deal=deal))  # dated at the close
        oldest.append(now - moments[0])
    assert min(oldest) >= dt.timedelta(days=7) and max(oldest) > dt.timedelta(days=30)
    assert Order.objects.filter(deal__isnull=False).exists()  # won deals became orders


def test_new_business_with_chinese_companies_goes_through_the_pipeline_named_in_chinese(personas: Any) -> None:
    sellers = [personas.rep_east, personas.rep_west, personas.sales_manager]
    seed_demo_directory(sellers, companies=12, contacts=30)
    seed_demo_sales(personas.admin, sellers, deals=60)
    china = Pipeline.objects.get(name="中国区新业务")
    assert list(china.stages.order_by("position").values_list("name", flat=True)) == [
        "初步接洽", "需求分析", "方案报价", "商务谈判", "赢单", "输单",
    ]  # fmt: skip
    in_china = Deal.objects.filter(pipeline=china)
    assert in_china.exists() and set(in_china.values_list("company__country", flat=True)) == {"中国"}
    new_business = Deal.objects.filter(pipeline__name="New business")
    assert new_business.exists() and "中国" not in set(new_business.values_list("company__country", flat=True))
    lost_in_china = set(in_china.filter(stage__kind=StageKind.LOST).values_list("lost_reason", flat=True))
    assert all(not reason.isascii() for reason in lost_in_china)
