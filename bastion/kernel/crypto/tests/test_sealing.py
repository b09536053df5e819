"""Sealing a record's encrypted fields together (``sealing.sealed_values``, the bulk insert's write path):
the same values as each field's ``pre_save``, the same format and associated data, a fresh nonce per value."""

from __future__ import annotations

import datetime as dt
import uuid

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
