"""factory_boy factories for the directory (also used by benchmarks and browser tests).

Factories write rows directly, for speed; the models derive their search keys in ``save()``
and the factories keep ``primary_email``/``primary_phone`` and the blind indexes in step like
the actions do.
Use :func:`bulk_contacts` for tens of thousands of rows. Tests of behaviour should create
records through bastion.directory.actions instead.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.db import transaction
from factory.django import DjangoModelFactory

from bastion.directory.models import (
    EMAIL_SCOPE,
    PHONE_SCOPE,
    Company,
    CompanySize,
    Contact,
    ContactEmail,
    ContactPhone,
    Industry,
    Tag,
)
from bastion.directory.names import search_key
from bastion.kernel.access.roles import Role
from bastion.kernel.bulk import insert_new
from bastion.kernel.crypto import blind, keyring


class UserFactory(DjangoModelFactory):
    """A user; pass ``role=`` to give them a membership (no role: sees nothing)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@bastion.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = "!"  # unusable: sign in with force_login in tests

    role = factory.PostGeneration(lambda user, create, extracted, **kwargs: _give_role(user, create, extracted))


def _give_role(user: Any, create: bool, role: str | None) -> None:
    if create and role:
        from bastion.accounts.models import Membership

        Membership.objects.update_or_create(user=user, defaults={"role": role})


def _set_tags(record: Any, create: bool, tags: Sequence[Tag] | None, **kwargs: Any) -> None:
    if create and tags:
        record.tags.set(tags)


def _add_emails(contact: Any, create: bool, addresses: Sequence[str] | None, **kwargs: Any) -> None:
    """Email rows (default: one made from the name), the first primary, kept in step on the contact."""
    if not create:
        return
    if addresses is None:
        addresses = [f"{search_key(contact.given_name)}.{str(contact.pk)[:8]}@mail.example"]
    for position, address in enumerate(addresses):
        ContactEmail.objects.create(contact=contact, address=address, is_primary=position == 0, position=position)
    contact.primary_email = addresses[0].lower() if addresses else ""
    contact.save(update_fields=["primary_email"])
    blind.set_entries(EMAIL_SCOPE, contact.pk, [blind.normalize_email(address) for address in addresses])


def _add_phones(contact: Any, create: bool, numbers: Sequence[str] | None, **kwargs: Any) -> None:
    if not create:
        return
    if numbers is None:
        numbers = ["+44 20 7946 0000"]
    for position, number in enumerate(numbers):
        ContactPhone.objects.create(contact=contact, number=number, is_primary=position == 0, position=position)
    contact.primary_phone = numbers[0] if numbers else ""
    contact.save(update_fields=["primary_phone"])
    blind.set_entries(PHONE_SCOPE, contact.pk, [blind.normalize_phone(number) for number in numbers])


def staff_user(role: str = Role.SALES_REP, **kwargs: Any) -> Any:
    return UserFactory(role=role, **kwargs)


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("key",)

    name = factory.Sequence(lambda n: f"tag {n}")
    key = factory.LazyAttribute(lambda tag: search_key(tag.name))


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = factory.Iterator([choice for choice, _label in Industry.choices])
    size = factory.Iterator([choice for choice, _label in CompanySize.choices])
    city = factory.Faker("city")
    country = factory.Faker("country")
    owner = None
    created_by = factory.SelfAttribute("owner")
    updated_by = factory.SelfAttribute("owner")

    tags = factory.PostGeneration(_set_tags)


class ContactFactory(DjangoModelFactory):
    """A contact with one work email and one phone (pass ``emails=[]`` for none)."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    job_title = factory.Faker("job")
    company = None
    owner = None
    created_by = factory.SelfAttribute("owner")
    updated_by = factory.SelfAttribute("owner")

    emails = factory.PostGeneration(_add_emails)
    phones = factory.PostGeneration(_add_phones)
    tags = factory.PostGeneration(_set_tags)


GIVEN = ["Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "伟", "娜", "敏", "静", "磊", "洋"]
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "王", "李", "张", "刘", "陈", "杨"]


def bulk_contacts(
    count: int,
    *,
    companies: Sequence[Company] = (),
    owner: Any = None,
    seed: int = 0,
    batch_size: int = 2000,
    start: int = 0,
) -> int:
    """Insert ``count`` contacts with one primary email and phone each, fast (``kernel.bulk.insert_new``, no actions).

    Names repeat on purpose (ties in the sort order); keys are derived as ``save()`` would. Each
    batch is one transaction, whose data keys and blind-index entries (emails and phones) go to
    the key store in one statement, as an import's do.
    Emails are ``person<seed>-<n>@bulk.example`` with n counting from ``start``.
    """
    rng = random.Random(seed)
    created = 0
    while created < count:
        batch = []
        for i in range(start + created, start + min(count, created + batch_size)):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            contact = Contact(
                given_name=given,
                family_name=family,
                job_title="Buyer",
                company=rng.choice(companies) if companies else None,
                owner=owner,
                created_by=owner,
                updated_by=owner,
                primary_email=f"person{seed}-{i}@bulk.example",
                primary_phone=f"+44 20 7946 {i % 10_000:04d}",
                city="London",
                preferred_language="zh-hans" if family in FAMILY[7:] else "en",
            )
            contact.sort_name = search_key(f"{family} {given}")
            contact.name_search = search_key(contact.display_name)
            batch.append(contact)
        entries = [
            *blind.entries_of(EMAIL_SCOPE, [(c.pk, blind.normalize_email(c.primary_email)) for c in batch]),
            *blind.entries_of(PHONE_SCOPE, [(c.pk, blind.normalize_phone(c.primary_phone)) for c in batch]),
        ]
        # The product's bulk write (what an import's batch does, directory/actions_bulk._write).
        with transaction.atomic(), keyring.making_first_keys([c.pk for c in batch], entries):
            insert_new(Contact, batch)
            insert_new(ContactEmail, [ContactEmail(contact_id=c.pk, address=c.primary_email, is_primary=True) for c in batch])
            insert_new(ContactPhone, [ContactPhone(contact_id=c.pk, number=c.primary_phone, is_primary=True) for c in batch])
        created += len(batch)
    return created
