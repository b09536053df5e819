"""Fixtures for directory tests: API clients with bearer tokens, a read-only user, an audit spy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bastion.directory import actions, actions_erase
from bastion.directory.models import Contact
from bastion.directory.tests.factories import UserFactory
from bastion.kernel.access.roles import Role


@pytest.fixture
def read_only(personas: Any) -> Any:
    """A colleague of rep_east's team with the read-only role: reads the team's records, never changes them."""
    from bastion.accounts.models import Team

    user = UserFactory(username="reader", role=Role.READ_ONLY)
    user.membership.teams.set([Team.objects.get(name="Sales East")])  # type: ignore[attr-defined]
    return user


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every call of the audit hook ``actions._record`` (erasure included): verb, object id and the computed changes."""
    calls: list[dict[str, Any]] = []
    original = actions._record

    def spy(actor: Any, verb: str, obj: Any, before: Any, **kwargs: Any) -> Any:
        changes = original(actor, verb, obj, before, **kwargs)
        calls.append({"actor": actor, "verb": verb, "pk": obj.pk, "changes": changes})
        return changes

    monkeypatch.setattr(actions, "_record", spy)
    monkeypatch.setattr(actions_erase, "_record", spy)
    return calls


@pytest.fixture
def company(personas: Any) -> Any:
    return actions.create_company(
        personas.rep_east,
        {"name": "Acme Ltd", "domain": "acme.example", "industry": "technology", "city": "London", "tags": ["VIP"]},
    )


@pytest.fixture
def contact(personas: Any, company: Any) -> Any:
    return actions.create_contact(
        personas.rep_east,
        {
            "given_name": "Alice",
            "family_name": "Smith",
            "job_title": "Head of Procurement",
            "company": company.pk,
            "emails": [{"address": "alice.smith@acme.example", "label": "work"}],
            "phones": [{"number": "+44 20 7946 0123", "label": "work"}],
            "notes": "Secret project Falcon",
        },
    )


@pytest.fixture
def person(personas: Any, company: Any) -> Contact:
    """A contact with every restricted field filled, created (and encrypted) through the action."""
    return actions.create_contact(
        personas.rep_east,
        {
            "given_name": "芳",
            "family_name": "王",
            "company": company.pk,
            "emails": [
                {"address": "wang.fang@privatemail.example", "is_primary": True},
                {"address": "fang.wang@home.example", "label": "personal"},
            ],
            "phones": [{"number": "+86 138 0013 8000", "label": "mobile"}],
            "street": "Room 1204, 88 Huaihai Road",
            "city": "Xuhui",
            "postal_code": "200031",
            "date_of_birth": dt.date(1990, 3, 7),
            "national_id": "110101199003078888",
            "private_notes": "Prefers not to be called on Fridays (medical)",
        },
    )


@pytest.fixture
def person_shared(personas: Any, person: Contact) -> Contact:
    """``person`` (owned by rep_east, team Sales East) shared for editing with the marketer and rep_west,
    for reading with the service agent, and its company shared for reading with the marketer.

    Field security is about what a role sees and changes in a record it may open, so these tests
    open it through an explicit share (ADR 0027)."""
    from django.utils import timezone

    from bastion.accounts.sharing import share_record
    from bastion.directory.models import Company

    until = timezone.localdate() + dt.timedelta(days=30)
    for user in (personas.marketer, personas.rep_west):
        share_record(personas.rep_east, Contact, person.pk, user=user.pk, level="edit", expires_on=until)
    agent = personas.service_agent.pk
    share_record(personas.rep_east, Contact, person.pk, user=agent, level="read", expires_on=until)
    share_record(personas.rep_east, Company, person.company_id, user=personas.marketer.pk, level="read", expires_on=until)
    return person
