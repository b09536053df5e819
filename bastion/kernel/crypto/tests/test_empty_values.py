"""Empty encrypted values (ADR 0056): stored as the one-byte empty marker, read back empty, never mistaken for a sealed value."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from bastion.directory.models import Contact
from bastion.kernel.crypto import envelope, keyring, rotation
from bastion.kernel.crypto.errors import IntegrityError
from bastion.kernel.crypto.fields import Sealed

pytestmark = pytest.mark.django_db


def _stored(pk: Any, *fields: str) -> dict[str, bytes | None]:
    row = Contact.objects.filter(pk=pk).values(*fields)[0]
    return {name: None if value is None else bytes(value) for name, value in row.items()}


def _contact(**values: Any) -> Contact:
    contact = Contact(id=uuid.uuid4(), given_name="Ada", family_name="Lovelace", **values)
    keyring.ensure_keys([contact.pk])
    contact.save()
    return contact


def test_empty_text_and_no_date_are_stored_as_the_marker_and_read_back_empty() -> None:
    contact = _contact(street="12 St James's Square", city="", date_of_birth=None)
    stored = _stored(contact.pk, "street", "city", "region", "date_of_birth", "private_notes")
    assert stored["city"] == stored["region"] == stored["date_of_birth"] == stored["private_notes"] == envelope.EMPTY_MARKER
    assert stored["street"] is not None and stored["street"][0] == envelope.FORMAT_AES_GCM and b"James" not in stored["street"]
    fresh = Contact.objects.get(pk=contact.pk)
    assert (fresh.city, fresh.region, fresh.private_notes, fresh.date_of_birth) == ("", "", "", None)
    assert fresh.street == "12 St James's Square"


def test_a_value_emptied_becomes_the_marker_and_a_value_given_is_sealed_again() -> None:
    contact = _contact(city="Leeds", date_of_birth=dt.date(1815, 12, 10))
    sealed = _stored(contact.pk, "city", "date_of_birth")
    assert all(value is not None and len(value) > 1 and value[0] == envelope.FORMAT_AES_GCM for value in sealed.values())
    contact.city, contact.date_of_birth = "", None
    contact.save()
    assert _stored(contact.pk, "city", "date_of_birth") == {"city": envelope.EMPTY_MARKER, "date_of_birth": envelope.EMPTY_MARKER}
    contact.city = "York"
    contact.save()
    city = _stored(contact.pk, "city")["city"]
    assert city is not None and city[0] == envelope.FORMAT_AES_GCM and Contact.objects.get(pk=contact.pk).city == "York"


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        (envelope.EMPTY_MARKER + bytes(32), "unknown format byte 0x02"),  # a marker with a body is nothing we write
        (envelope.EMPTY_MARKER + b"\x00", "truncated"),
        (bytes([envelope.FORMAT_EMPTY ^ 0x01]), "truncated"),  # the marker with one bit flipped
    ],
)
def test_anything_else_that_starts_like_the_marker_fails_loudly(stored: bytes, message: str) -> None:
    contact = _contact(city="")
    Contact.objects.filter(pk=contact.pk).update(city=Sealed(stored))
    with pytest.raises(IntegrityError, match=f"directory.contact.city of record {contact.pk} .*{message}"):
        _ = Contact.objects.get(pk=contact.pk).city


def test_the_marker_needs_no_key_version_and_nothing_to_re_encrypt() -> None:
    assert envelope.header(envelope.EMPTY_MARKER) == (envelope.FORMAT_EMPTY, 0)
    assert not envelope.needs_reencrypt(envelope.EMPTY_MARKER, current_version=5)
    person = uuid.uuid4()
    keyring.ensure_keys([person])
    field_part, record_part = envelope.field_ad("directory.contact", "city"), envelope.record_ad(str(person), person)
    assert envelope.seal_bound(field_part, record_part, person, b"") == envelope.EMPTY_MARKER
    assert envelope.seal_many(keyring.key_for_write(person), record_part, [(field_part, b""), (field_part, b"x")])[0] == (
        envelope.EMPTY_MARKER
    )
    assert envelope.open_bound(field_part, record_part, person, envelope.EMPTY_MARKER) == b""


def test_key_status_counts_empty_values_apart_from_erased_ones() -> None:
    contact = _contact(city="Leeds")
    version = keyring.key_for_write(contact.pk).version
    counts = rotation.status().ciphertexts["directory.Contact.city"]
    assert counts.get(f"v{version}") == 1 and "empty" not in counts
    regions = rotation.status().ciphertexts["directory.Contact.region"]
    assert regions == {"empty": 1}
