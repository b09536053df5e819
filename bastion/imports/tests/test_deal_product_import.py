"""Importing deals and products (issue 6, item 8): rows go through the sales and catalogue actions,
names of other records (pipeline, stage, owner, company, contact) resolve among what the importer
can see or the row is rejected naming the column and the value, duplicates follow the chosen
policy, and a role that may not create the object type is refused before anything is read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from bastion.commerce import actions_products
from bastion.commerce.models import Product
from bastion.directory import actions as directory
from bastion.imports import actions, selectors
from bastion.imports.actions import ImportNotAllowed
from bastion.imports.adapters import object_type_choices
from bastion.imports.adapters.deals import parse_date
from bastion.imports.models import Status
from bastion.sales import actions as deal_actions
from bastion.sales import actions_setup
from bastion.sales.models import Deal, StageKind

STAGES = [
    {"name": "Qualification", "probability": 10, "kind": StageKind.OPEN},
    {"name": "Proposal", "probability": 50, "kind": StageKind.OPEN},
    {"name": "Lost", "probability": 0, "kind": StageKind.LOST},
]
DEALS = """Deal name,Amount,Currency,Pipeline,Stage,Close date,Owner,Company,Contact email,Lost reason
Robot arms,12500.50,EUR,New business,Proposal,2026-03-05,rep_east,aurora.example,mei@aurora.example,
Spare parts,800,,,Qualification,15/04/2026,,Aurora Robotics,,
Bad pipeline,1,,Nowhere,Proposal,,,,,
Bad stage,1,,New business,Negotiation,,,,,
Bad currency,1,XYZ,,,,,,,
Bad owner,1,,,,,nobody@bastion.test,,,
Bad company,1,,,,,,Unknown Ltd,,
Bad date,1,,,,3/4/2026,,,,
Lost one,5,,,Lost,,,,,Price
"""


@pytest.fixture
def sales_setup(personas: Any) -> Any:
    actions_setup.create_pipeline(personas.admin, {"name": "New business"}, stages=STAGES)
    actions_setup.set_exchange_rate(personas.admin, "EUR", Decimal("1.10"))
    company = directory.create_company(personas.rep_east, {"name": "Aurora Robotics", "domain": "aurora.example"})
    contact = directory.create_contact(
        personas.rep_east, {"given_name": "Mei", "company": company, "emails": [{"address": "mei@aurora.example"}]}
    )
    return company, contact


def run(user: Any, object_type: str, text: str, dedupe: str = "skip") -> Any:
    job = actions.create_import(user, object_type=object_type, source_name="Old CRM", file_name="f.csv", data=text.encode())
    actions.start_import(user, job.pk, mapping=list(job.mapping), dedupe=dedupe)
    job.refresh_from_db()
    return job


def test_deals_are_imported_and_unknown_references_rejected_by_column_and_value(personas: Any, sales_setup: Any) -> None:
    company, contact = sales_setup
    job = run(personas.rep_east, "deal", DEALS)
    assert job.mapping[:5] == ["name", "amount", "currency", "pipeline", "stage"]
    assert (job.status, job.created_count, job.rejected_count) == (Status.DONE, 3, 6)
    arms = Deal.objects.get(name="Robot arms")
    assert (arms.amount, arms.currency, arms.stage.name, arms.expected_close_date) == (
        Decimal("12500.50"), "EUR", "Proposal", dt.date(2026, 3, 5),
    )  # fmt: skip
    assert (arms.company_id, arms.contact_id, arms.owner) == (company.pk, contact.pk, personas.rep_east)
    spare = Deal.objects.get(name="Spare parts")
    assert (spare.company_id, spare.expected_close_date, spare.stage.name) == (company.pk, dt.date(2026, 4, 15), "Qualification")
    assert Deal.objects.get(name="Lost one").lost_reason == "Price"
    reasons = {row.line: (row.columns, row.reason) for row in selectors.rejections(job)}
    assert reasons[4] == ("Pipeline", "Column “Pipeline”: there is no pipeline “Nowhere” that you can see.")
    assert reasons[5][0] == "Stage" and "“Negotiation”" in reasons[5][1]
    assert reasons[6][0] == "Currency" and "“XYZ”" in reasons[6][1]
    assert reasons[7][0] == "Owner" and "nobody@bastion.test" in reasons[7][1]
    assert reasons[8][0] == "Company" and "Unknown Ltd" in reasons[8][1]
    assert reasons[9][0] == "Close date" and "YYYY-MM-DD" in reasons[9][1]


def test_deal_duplicates_by_name_and_company_skip_update_create(personas: Any, sales_setup: Any) -> None:
    company, _contact = sales_setup
    existing = deal_actions.create_deal(personas.rep_east, {"name": "Robot Arms", "company": company.pk, "amount": "1"})
    row = "Deal name,Amount,Company\nrobot arms,99,Aurora Robotics\n"
    assert run(personas.rep_east, "deal", row, "skip").skipped_count == 1
    assert run(personas.rep_east, "deal", row, "update").updated_count == 1
    existing.refresh_from_db()
    assert existing.amount == Decimal("99.00")
    assert run(personas.rep_east, "deal", row, "create").created_count == 1
    assert Deal.objects.filter(company=company).count() == 2


def test_a_deal_the_importer_cannot_see_is_not_a_duplicate(personas: Any, sales_setup: Any) -> None:
    deal_actions.create_deal(personas.rep_west, {"name": "Robot arms"})
    job = run(personas.rep_east, "deal", "Deal name\nRobot arms\n", "update")
    assert (job.created_count, job.updated_count) == (1, 0)


def test_products_are_imported_with_duplicates_by_sku(personas: Any) -> None:
    actions_products.create_product(personas.admin, {"name": "Old", "sku": "A-1", "unit_price": "5"})
    text = "货号,产品名称,单价,币种,状态\nA-1,Arm v2,10.00,,是\nB-2,Gripper,2.5,,否\nC-3,Bad price,abc,,\n"
    text += "D-4,Bad active,1,,maybe\n"
    job = run(personas.admin, "product", text, "update")
    assert job.mapping == ["sku", "name", "unit_price", "currency", "is_active"]
    assert (job.created_count, job.updated_count, job.rejected_count) == (1, 1, 2)
    assert Product.objects.get(sku="A-1").name == "Arm v2"
    assert Product.objects.get(sku="B-2").is_active is False
    reasons = {row.line: row.reason for row in selectors.rejections(job)}
    assert "单价" in reasons[4] and "number" in reasons[4]
    assert reasons[5] == "Column “状态”: write yes or no, not “maybe”."
    job = run(personas.admin, "product", text, "skip")
    assert (job.created_count, job.skipped_count) == (0, 2)


def test_a_role_that_may_not_change_the_catalogue_cannot_import_products(personas: Any) -> None:
    assert "product" not in dict(object_type_choices(personas.rep_east))
    assert {"deal", "product"} <= set(dict(object_type_choices(personas.admin)))
    with pytest.raises(ImportNotAllowed):
        run(personas.rep_east, "product", "SKU,Name\nA-1,Arm\n")
    assert not Product.objects.exists()


def test_a_role_that_may_not_change_deals_cannot_import_them(personas: Any, sales_setup: Any) -> None:
    for user in (personas.auditor, personas.outsider):
        with pytest.raises(ImportNotAllowed):
            run(user, "deal", "Deal name\nRobot arms\n")
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-03-05", (2026, 3, 5)), ("2026/3/5", (2026, 3, 5)), ("2026年3月5日", (2026, 3, 5)), ("5.3.2026", (2026, 3, 5)),
     ("15/03/2026", (2026, 3, 15)), ("03/15/2026", (2026, 3, 15)), ("5 Mar 2026", (2026, 3, 5)),
     ("March 5, 2026", (2026, 3, 5)), ("2026-03-05 00:00:00", (2026, 3, 5))],
)  # fmt: skip
def test_close_dates_in_common_formats(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_date(text) == dt.date(*expected)


@pytest.mark.parametrize("text", ["3/4/2026", "2026-02-30", "soon"])
def test_ambiguous_or_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)
