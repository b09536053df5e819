"""The demo organisation: realistic, bilingual, deterministic, and made through the actions."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.directory import actions
from bastion.directory.demo import plan_demo_directory, seed_demo_directory
from bastion.directory.models import Company, Contact, ContactEmail, ContactPhone
from bastion.directory.names import has_cjk


def test_the_plan_is_deterministic_for_a_seed() -> None:
    assert plan_demo_directory(companies=10, contacts=60, seed=5) == plan_demo_directory(companies=10, contacts=60, seed=5)
    assert plan_demo_directory(companies=10, contacts=60, seed=5) != plan_demo_directory(companies=10, contacts=60, seed=6)


def test_the_plan_mixes_english_and_chinese() -> None:
    plan = plan_demo_directory(companies=20, contacts=200, seed=1)
    names = [demo.data["name"] for demo in plan if demo.data]
    assert len(names) == len(set(names)) == 20
    assert any(name.endswith("有限公司") for name in names) and any(name.endswith(("Ltd", "Inc.", "LLC")) for name in names)
    people = [person for demo in plan for person in demo.people]
    assert len(people) == 200
    chinese = [p for p in people if p["preferred_language"] == "zh-hans"]
    assert 40 < len(chinese) < 160 and all(has_cjk(p["family_name"]) for p in chinese)
    emails = [p["emails"][0]["address"] for p in people]
    assert len(set(emails)) == len(emails) and all(e.endswith(".example") for e in emails)
    phones = [ph["number"] for p in people for ph in p["phones"]]
    assert any(n.startswith("+86 1") for n in phones) and any(n.startswith("+44 ") for n in phones)


@pytest.mark.django_db
def test_seed_creates_records_through_the_actions(personas: Any, monkeypatch: Any) -> None:
    calls: list[str] = []
    original = actions._record

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(actions, "_record", spy)
    owners = [personas.rep_east, personas.rep_west]
    assert seed_demo_directory(owners, companies=6, contacts=40, seed=3) == (6, 40)
    assert Company.objects.count() == 6 and Contact.objects.count() == 40
    assert calls.count("company.created") == 6 and calls.count("contact.created") == 40
    assert set(Contact.objects.values_list("owner__username", flat=True)) == {"rep_east", "rep_west"}
    assert ContactEmail.objects.count() == 40 and ContactPhone.objects.count() >= 40
    wang = Contact.objects.filter(preferred_language="zh-hans").first()
    assert wang is not None and wang.display_name == f"{wang.family_name}{wang.given_name}"
    assert all(c.primary_email for c in Contact.objects.all())


@pytest.mark.django_db
def test_seed_needs_owners_who_may_write(personas: Any) -> None:
    with pytest.raises(ValueError, match="at least one owner"):
        seed_demo_directory([], companies=1, contacts=1)
    with pytest.raises(actions.ActionNotAllowed):
        seed_demo_directory([personas.auditor], companies=1, contacts=1)
    assert not Company.objects.exists()
