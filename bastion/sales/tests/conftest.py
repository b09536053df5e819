"""Fixtures for sales tests: a pipeline with open, won and lost stages, exchange rates, a customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bastion.directory import actions as directory
from bastion.sales import actions, actions_leads, actions_setup
from bastion.sales.models import Stage, StageKind
from bastion.sales.tests.handover_book import make_book

STAGES = [
    {"name": "Qualification", "probability": 10, "kind": StageKind.OPEN},
    {"name": "Proposal", "probability": 50, "kind": StageKind.OPEN},
    {"name": "Won", "probability": 100, "kind": StageKind.WON},
    {"name": "Lost", "probability": 0, "kind": StageKind.LOST},
]


@pytest.fixture
def pipeline(personas: Any) -> Any:
    return actions_setup.create_pipeline(personas.admin, {"name": "New business"}, stages=STAGES)


@pytest.fixture
def stages(pipeline: Any) -> dict[str, Stage]:
    return {stage.name: stage for stage in Stage.objects.filter(pipeline=pipeline)}


@pytest.fixture
def rates(personas: Any) -> None:
    actions_setup.set_exchange_rate(personas.admin, "EUR", Decimal("1.10"))
    actions_setup.set_exchange_rate(personas.admin, "CNY", Decimal("0.14"))


@pytest.fixture
def customer(personas: Any) -> tuple[Any, Any]:
    company = directory.create_company(personas.rep_east, {"name": "Aurora Robotics Ltd"})
    contact = directory.create_contact(personas.rep_east, {"given_name": "Mei", "family_name": "Chen", "company": company})
    return company, contact


@pytest.fixture
def book(personas: Any, stages: Any, customer: Any) -> dict[str, Any]:
    """rep_east's open and closed work (bastion.sales.tests.handover_book)."""
    return make_book(personas, stages, customer)


@pytest.fixture
def deals(personas: Any, stages: Any) -> dict[str, Any]:
    """Two deals of rep_east's (fleet, pilot) and one of rep_west's (west), for the lists' actions."""
    east, west = personas.rep_east, personas.rep_west
    return {
        "fleet": actions.create_deal(east, {"name": "Fleet renewal"}),
        "pilot": actions.create_deal(east, {"name": "Pilot"}),
        "west": actions.create_deal(west, {"name": "West coast fleet"}),
    }


@pytest.fixture
def leads(personas: Any) -> dict[str, Any]:
    """Three leads of rep_east's (ana, bo, cy) and one of rep_west's (west), for the lead list's actions."""

    def lead(actor: Any, given: str, family: str) -> Any:
        return actions_leads.create_lead(actor, {"given_name": given, "family_name": family, "email": f"{family}@example.com"})

    east, west = personas.rep_east, personas.rep_west
    made = {"ana": lead(east, "Ana", "Souza"), "bo": lead(east, "Bo", "Li"), "cy": lead(east, "Cy", "Ray")}
    made["west"] = lead(west, "Wen", "West")
    return made
