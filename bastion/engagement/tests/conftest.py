"""Fixtures for engagement tests: a catalogue, a contact and leads of two teams, API clients."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.commerce import actions as commerce
from bastion.directory import actions as directory
from bastion.sales import actions_leads


@pytest.fixture
def catalogue(personas: Any) -> dict[str, Any]:
    admin = personas.admin
    return {
        "widget": commerce.create_product(admin, {"name": "Widget", "sku": "W-1", "unit_price": "10.00", "currency": "USD"}),
        "gadget": commerce.create_product(admin, {"name": "Gadget", "sku": "G-1", "unit_price": "99.00", "currency": "USD"}),
    }


@pytest.fixture
def contact(personas: Any) -> Any:
    return directory.create_contact(personas.rep_east, {"given_name": "Mei", "family_name": "Chen"})


@pytest.fixture
def lead(personas: Any) -> Any:
    return actions_leads.create_lead(personas.rep_east, {"given_name": "Ana", "family_name": "Silva", "email": "ana@x.example"})


@pytest.fixture
def west_lead(personas: Any) -> Any:
    return actions_leads.create_lead(personas.rep_west, {"given_name": "Wes", "family_name": "Zenithq", "email": "w@x.example"})
