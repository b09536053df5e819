"""The fast read path: same associated data as before, lazy unwrapping, one key-store query per page."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connections
from django.test.utils import CaptureQueriesContext

from bastion.directory.models import Contact
from bastion.directory.tests.factories import bulk_contacts
from bastion.kernel.crypto import envelope, keyring
from bastion.kernel.crypto.errors import IntegrityError
from bastion.kernel.crypto.fields import Sealed
from bastion.kernel.crypto.models import PersonKey

pytestmark = pytest.mark.django_db


def test_associated_data_is_byte_for_byte_the_documented_layout() -> None:
    """Values written before the read path was optimised must still open: the bytes must not change."""
    person, header = uuid.uuid4(), bytes([1, 0, 0, 0, 7])
    context = envelope.FieldContext("directory.contact", "street", "42", person)
    documented = b"\x00".join([b"bastion/field/v1", b"directory.contact", b"street", b"42", person.bytes, header])
    assert context.associated_data(header) == documented
    assert envelope.field_ad("directory.contact", "street") + envelope.record_ad("42", person) + header == documented


def test_a_value_sealed_with_the_documented_layout_opens_and_a_moved_one_does_not(personas: Any) -> None:
    bulk_contacts(1, seed=5)
    contact = Contact.objects.get()
    key = keyring.key_for_write(contact.pk)
    head, nonce = bytes([1]) + key.version.to_bytes(4, "big"), os.urandom(12)
    ad = b"\x00".join([b"bastion/field/v1", b"directory.contact", b"city", str(contact.pk).encode(), contact.pk.bytes, head])
    blob = head + nonce + AESGCM(bytes(32)).encrypt(nonce, b"x", ad)  # a wrong key: must fail, not decode
    Contact.objects.filter(pk=contact.pk).update(city=Sealed(blob))
    with pytest.raises(IntegrityError, match="directory.contact.city of record .* integrity check"):
        _ = Contact.objects.get(pk=contact.pk).city
    blob = head + nonce + key.aead.encrypt(nonce, b"Ely", ad)  # sealed by hand, the documented way
    Contact.objects.filter(pk=contact.pk).update(city=Sealed(blob))
    assert Contact.objects.get(pk=contact.pk).city == "Ely"
    Contact.objects.filter(pk=contact.pk).update(street=Sealed(blob))  # the same bytes in another field
    with pytest.raises(IntegrityError, match="directory.contact.street"):
        _ = Contact.objects.get(pk=contact.pk).street


def test_a_page_costs_one_key_store_query_and_keys_are_unwrapped_only_when_read(personas: Any, monkeypatch: Any) -> None:
    bulk_contacts(30, seed=6)
    keyring.clear_caches()
    prepared: list[str] = []  # on PostgreSQL the query is a prepared statement, past Django's cursor
    fetch = keyring.fetch_all_prepared

    def counted(sql: str, *args: Any, **kwargs: Any) -> Any:
        prepared.append(sql)
        return fetch(sql, *args, **kwargs)

    monkeypatch.setattr(keyring, "fetch_all_prepared", counted)
    with CaptureQueriesContext(connections["keys"]) as store_queries:
        page = list(Contact.objects.order_by("pk"))
    assert len(store_queries.captured_queries) + len(prepared) == 1
    assert not keyring._read_keys.items  # fetched wrapped, nothing unwrapped yet
    assert len(keyring._wrapped.items) == 30
    with CaptureQueriesContext(connections["keys"]) as store_queries:
        assert page[0].primary_email.endswith("@bulk.example")
        assert page[0].city == "London"
    assert not store_queries.captured_queries
    assert set(keyring._read_keys.items) == {(page[0].pk.int, 1)}  # only the row that was read
    assert len(keyring._wrapped.items) == 29


def test_the_per_record_binding_follows_a_changed_primary_key(personas: Any) -> None:
    bulk_contacts(2, seed=7)
    first, second = Contact.objects.order_by("pk")
    assert first.city == "London"  # caches first's binding on the instance
    first.__dict__["city"] = Sealed(_raw_city(second.pk))
    first.id = second.pk  # the same instance now stands for the second row: its value must open as the second's
    assert first.city == "London"
    first.__dict__["street"] = Sealed(_raw_city(second.pk))
    with pytest.raises(IntegrityError, match="street"):
        _ = first.street


def _raw_city(pk: Any) -> bytes:
    value: Any = Contact.objects.filter(pk=pk).values_list("city", flat=True)[0]
    return bytes(value)


def test_a_key_that_fails_its_check_fails_only_its_own_person(personas: Any) -> None:
    """An altered wrapped key fails the values it protects, and no neighbour's on the same page."""
    bulk_contacts(3, seed=8)
    first, second, third = Contact.objects.order_by("pk")
    PersonKey.objects.using("keys").filter(person=second.pk).update(wrapped=bytes(60))
    keyring.clear_caches()
    page = list(Contact.objects.order_by("pk"))
    assert page[0].city == "London" and page[2].city == "London"
    with pytest.raises(IntegrityError, match="wrapped key failed its integrity check"):
        _ = page[1].city
    assert {(first.pk.int, 1), (third.pk.int, 1)} <= set(keyring._read_keys.items)
    assert (second.pk.int, 1) not in keyring._read_keys.items


def test_a_full_key_cache_holds_nothing_the_garbage_collector_tracks(personas: Any) -> None:
    """Cached data keys are ints, bytes and AES-GCM objects only (ADR 0055): a full cache adds nothing to each collection."""
    import gc

    people = [uuid.uuid4() for _ in range(50)]
    keyring.ensure_keys(people)
    keyring.clear_caches()
    version = keyring.get_provider().current_version()
    keyring.preload([(person, version) for person in people])  # fetched, kept wrapped
    for person in people[:25]:
        keyring.key_for_read(person, version)  # unwrapped
        keyring.key_for_write(person)
    gc.collect()  # untracks the tuples that hold nothing trackable
    caches = (keyring._read_keys, keyring._write_keys, keyring._wrapped)
    assert [len(cache.items) for cache in caches] == [25, 25, 25]
    entries = [entry for cache in caches for entry in cache.items.items()]
    assert [entry for entry in entries if gc.is_tracked(entry[0]) or gc.is_tracked(entry[1])] == []
