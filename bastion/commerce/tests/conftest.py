"""Fixtures for commerce tests: exchange rates, a catalogue, customers of two teams, API clients."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bastion.commerce import actions
from bastion.directory import actions as directory
from bastion.sales import actions_setup


@pytest.fixture
def rates(personas: Any) -> None:
    actions_setup.set_exchange_rate(personas.admin, "EUR", Decimal("1.10"))
    actions_setup.set_exchange_rate(personas.admin, "CNY", Decimal("0.14"))


@pytest.fixture
def catalogue(personas: Any, rates: Any) -> dict[str, Any]:
    admin = personas.admin
    return {
        "widget": actions.create_product(admin, {"name": "Widget", "sku": "W-1", "unit_price": "10.00", "currency": "USD"}),
        "gadget": actions.create_product(admin, {"name": "Gadget", "sku": "G-1", "unit_price": "100.00", "currency": "EUR"}),
    }


@pytest.fixture
def customer(personas: Any) -> tuple[Any, Any]:
    company = directory.create_company(personas.rep_east, {"name": "Aurora Robotics Ltd"})
    contact = directory.create_contact(personas.rep_east, {"given_name": "Mei", "family_name": "Chen", "company": company})
    return company, contact


@pytest.fixture
def west_contact(personas: Any) -> Any:
    return directory.create_contact(personas.rep_west, {"given_name": "Wes", "family_name": "Zenith"})


@pytest.fixture
def read_only(personas: Any) -> Any:
    """A colleague of rep_east's team with the read-only role: reads the team's records, never changes them."""
    from bastion.accounts.models import Team
    from bastion.directory.tests.factories import UserFactory
    from bastion.kernel.access.roles import Role

    user: Any = UserFactory(username="reader", role=Role.READ_ONLY)
    user.membership.teams.set([Team.objects.get(name="Sales East")])
    return user
