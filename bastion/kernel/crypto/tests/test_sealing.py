"""Sealing a record's encrypted fields together (``sealing.sealed_values``, the bulk insert's write path):
the same values as each field's ``pre_save``, the same format and associated data, a fresh nonce per value."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from bastion.directory.models import Contact
from bastion.kernel.crypto import envelope, keyring
from bastion.kernel.crypto.errors import IntegrityError
from bastion.kernel.crypto.fields import Sealed, encrypted_fields, erased
from bastion.kernel.crypto.sealing import sealed_values

pytestmark = pytest.mark.django_db


def _contact() -> Contact:
    contact = Contact(id=uuid.uuid4(), given_name="Ada", street="1 Main St", city="", date_of_birth=dt.date(1990, 5, 17))
    contact.private_notes = erased()  # an erased value is written as the erased marker
    contact.national_id = Sealed(b"\x00")  # type: ignore[assignment]  # a value never read is written back as it was
    return contact


def _open(field: object, contact: Contact, blob: bytes) -> bytes | None:
    person, record_part = field.record_ad(contact)  # type: ignore[attr-defined]
    return envelope.open_bound(field.field_ad(), record_part, person, blob)  # type: ignore[attr-defined]


def test_sealed_values_open_to_what_pre_save_seals() -> None:
    contact = _contact()
    keyring.ensure_keys([contact.pk])
    fields = encrypted_fields(Contact)
    together = sealed_values(fields, contact)
    one_by_one = [field.pre_save(contact, True) for field in fields]
    assert len(together) == len(fields) == 10
    for field, bulk, single in zip(fields, together, one_by_one, strict=True):
        assert type(bulk) is Sealed
        if field.name == "private_notes":
            assert bulk == single == envelope.ERASED_MARKER
        elif field.name == "national_id":
            assert bulk is contact.__dict__["national_id"]
        elif not field.to_plain(contact.__dict__.get(field.attname)):
            assert bulk == single == envelope.EMPTY_MARKER  # nothing to hide: its ciphertext's length would say it
            assert _open(field, contact, bulk) == b""
        else:
            assert (
                envelope.header(bulk)
                == envelope.header(single)
                == (envelope.FORMAT_AES_GCM, keyring.key_for_write(contact.pk).version)
            )
            assert _open(field, contact, bulk) == _open(field, contact, single) == field.to_plain(contact.__dict__[field.attname])
    nonces = [bulk[5:17] for bulk in together if len(bulk) > 1]
    assert len(nonces) == 2 and len(set(nonces)) == 2  # street and date of birth, each with its own nonce
    assert [f.name for f, bulk in zip(fields, together, strict=True) if bulk == envelope.EMPTY_MARKER] == [
        "city", "region", "postal_code", "country", "primary_email", "primary_phone"
    ]  # fmt: skip


def test_a_value_sealed_together_is_bound_to_its_field_and_record() -> None:
    contact, other = _contact(), _contact()
    keyring.ensure_keys([contact.pk, other.pk])
    fields = encrypted_fields(Contact)
    names = [field.name for field in fields]
    street = sealed_values(fields, contact)[names.index("street")]
    with pytest.raises(IntegrityError):
        _open(Contact._meta.get_field("city"), contact, street)  # moved to another field
    with pytest.raises(IntegrityError):
        _open(Contact._meta.get_field("street"), other, street)  # moved to another record and person


def test_nonces_given_are_used_one_per_value_and_a_wrong_length_is_refused() -> None:
    contact = _contact()
    keyring.ensure_keys([contact.pk])
    fields = encrypted_fields(Contact)
    names = [field.name for field in fields]
    given = envelope.fresh_nonces(len(fields))
    sealed = sealed_values(fields, contact, given)
    to_seal = [i for i, name in enumerate(names) if name not in ("private_notes", "national_id")]  # erased, kept
    for name in ("street", "date_of_birth"):  # the two values sealed: each with the nonce of its field's slot
        slot = to_seal.index(names.index(name))
        assert sealed[names.index(name)][5:17] == given[12 * slot : 12 * slot + 12]
        assert _open(fields[names.index(name)], contact, sealed[names.index(name)]) is not None
    with pytest.raises(ValueError, match="10 fields need 120 bytes of nonces, not 108"):
        sealed_values(fields, contact, given[:-12])
    key, (field_part, record_part) = keyring.key_for_write(contact.pk), (fields[0].field_ad(), fields[0].record_ad(contact)[1])
    with pytest.raises(ValueError, match="2 values need 24 bytes of nonces, not 12"):
        envelope.seal_many(key, record_part, [(field_part, b"a"), (field_part, b"b")], given[:12])


def test_a_bulk_insert_draws_its_nonces_once_and_gives_every_value_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from bastion.kernel import bulk

    drawn: list[bytes] = []

    def recorded(count: int) -> bytes:
        drawn.append(envelope.fresh_nonces(count))
        return drawn[-1]

    monkeypatch.setattr(bulk, "fresh_nonces", recorded)
    contacts = [Contact(id=uuid.uuid4(), given_name=f"P{i}", street=f"{i} High St", city="Leeds") for i in range(40)]
    keyring.ensure_keys([contact.pk for contact in contacts])
    fields = encrypted_fields(Contact)
    bulk.insert_new(Contact, contacts)

    assert len(drawn) == 1 and len(drawn[0]) == 12 * len(fields) * len(contacts)  # one draw for the batch
    width, names = 12 * len(fields), [field.name for field in fields]
    ids = [contact.pk for contact in contacts]
    read = {row.pk: (row.street, row.city) for row in Contact.objects.filter(pk__in=ids)}
    assert [read[pk] for pk in ids] == [(f"{n} High St", "Leeds") for n in range(40)]  # each opens to what was written
    rows = Contact.objects.filter(pk__in=ids).values_list("pk", "street", "city")  # the stored, sealed bytes
    stored: dict[uuid.UUID, dict[str, Any]] = {pk: {"street": street, "city": city} for pk, street, city in rows}
    nonces = []
    for number, contact in enumerate(contacts):
        for name in ("street", "city"):
            blob = bytes(stored[contact.pk][name])
            slot = names.index(name)  # every field of these contacts is sealed, in order
            assert blob[5:17] == drawn[0][number * width + 12 * slot : number * width + 12 * slot + 12]
            nonces.append(blob[5:17])
    assert len(set(nonces)) == len(nonces) == 80  # no nonce used twice


def test_a_record_with_two_persons_gives_each_persons_values_their_own_nonces(monkeypatch: pytest.MonkeyPatch) -> None:
    contact = _contact()
    contact.company_id = uuid.uuid4()  # a second person, for one field: no model mixes persons today, the code allows it
    keyring.ensure_keys([contact.pk, contact.company_id])
    fields = encrypted_fields(Contact)
    names = [field.name for field in fields]
    monkeypatch.setattr(fields[names.index("date_of_birth")], "person_attr", "company_id")
    given = envelope.fresh_nonces(len(fields))
    sealed = sealed_values(fields, contact, given)
    by_pk = [i for i, name in enumerate(names) if name not in ("private_notes", "national_id", "date_of_birth")]
    street = sealed[names.index("street")]
    assert street[5:17] == given[12 * by_pk.index(names.index("street")) :][:12]
    assert sealed[names.index("date_of_birth")][5:17] == given[12 * len(by_pk) :][:12]  # the next person's first slot
    assert _open(fields[names.index("date_of_birth")], contact, sealed[names.index("date_of_birth")]) == b"1990-05-17"
