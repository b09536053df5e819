"""Encryption at rest of contacts: nothing restricted in the database bytes, integrity, blind-index search, shredding."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from bastion.accounts.testing import enrol_totp
from bastion.directory import actions, actions_erase, selectors
from bastion.directory.models import EMAIL_SCOPE, Contact, ContactEmail
from bastion.kernel.crypto import keyring
from bastion.kernel.crypto.errors import IntegrityError
from bastion.kernel.crypto.fields import Sealed, is_erased

CONTACTS = "/api/v1/contacts/"
PEOPLE = [
    {
        "given_name": "Alice",
        "family_name": "Smith",
        "emails": [{"address": "alice.private@acme.example"}, {"address": "a.smith@home.example", "label": "personal"}],
        "phones": [{"number": "+44 20 7946 0815", "label": "work"}],
        "street": "221B Baker Street",
        "postal_code": "NW1 6XE",
        "city": "Marylebone",
        "national_id": "QQ123456C",
        "date_of_birth": "1984-03-07",
        "private_notes": "Prefers discretion about the merger",
    },
    {
        "given_name": "伟",
        "family_name": "王",
        "emails": [{"address": "wangwei.secret@xingchen.example"}],
        "phones": [{"number": "+86 138 0013 8621", "label": "mobile"}],
        "street": "浦东新区世纪大道88号",
        "national_id": "110101199003074578",
        "private_notes": "家属电话另存",
    },
]
NEEDLES = [
    "alice.private@acme.example", "a.smith@home.example", "7946 0815", "442079460815", "221B Baker Street", "NW1 6XE",
    "Marylebone", "QQ123456C", "1984-03-07", "Prefers discretion", "wangwei.secret", "138 0013 8621", "8613800138621",
    "世纪大道88号", "110101199003074578", "家属电话另存",
]  # fmt: skip


def database_bytes(alias: str) -> bytes:
    """Everything the database ``alias`` holds, as stored: the SQLite image or a pg_dump."""
    connection = connections[alias]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return bytes(connection.connection.serialize())
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--no-owner", "-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432)]
    command += ["-U", settings.get("USER") or "postgres", settings["NAME"]]
    return subprocess.run(command, env=env, capture_output=True, check=True, timeout=120).stdout


def create_people(client: Any) -> list[str]:
    ids = []
    for person in PEOPLE:
        response = client.post(CONTACTS, person, format="json")
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    return ids


@pytest.mark.django_db(transaction=True, databases=["default", "keys"])
def test_database_bytes_hold_no_restricted_value_nor_totp_secret(personas: Any, api_as: Any) -> None:
    ids = create_people(api_as(personas.rep_east))
    stored = Contact.objects.get(pk=ids[0])  # readable by the application (the API shows it masked to this role)
    assert stored.national_id == "QQ123456C" and str(stored.date_of_birth) == "1984-03-07"
    totp_secret = enrol_totp(personas.rep_east)
    main, keys = database_bytes("default"), database_bytes("keys")
    assert b"Alice" in main  # names are confidential, not restricted: the dump is real
    for needle in [*NEEDLES, totp_secret]:
        assert needle.encode() not in main, needle
        assert needle.encode() not in keys, needle


def test_values_are_decrypted_only_when_read(personas: Any, contact: Any) -> None:
    fresh = Contact.objects.get(pk=contact.pk)
    assert isinstance(fresh.__dict__["primary_email"], Sealed)
    assert fresh.primary_email == "alice.smith@acme.example"
    assert isinstance(fresh.__dict__["primary_phone"], Sealed)  # never read, never decrypted
    assert str(fresh.__dict__["primary_phone"]) == "[encrypted]"


def test_encrypted_fields_cannot_be_queried_or_bulk_written_in_plain_text(personas: Any, contact: Any) -> None:
    with pytest.raises(TypeError, match="encrypted"):
        Contact.objects.filter(street="221B Baker Street").exists()
    with pytest.raises(TypeError, match="encrypted"):
        Contact.objects.filter(pk=contact.pk).update(city="London")


def _raw(model: Any, pk: Any, field: str) -> bytes:
    return bytes(model.objects.filter(pk=pk).values_list(field, flat=True)[0])


def test_a_value_moved_to_another_row_field_or_person_or_altered_fails_loudly(personas: Any, company: Any) -> None:
    alice = actions.create_contact(personas.rep_east, {**PEOPLE[0], "company": company.pk})
    wang = actions.create_contact(personas.rep_east, PEOPLE[1])
    street = _raw(Contact, alice.pk, "street")
    Contact.objects.filter(pk=wang.pk).update(street=Sealed(street))  # another row (and person)
    with pytest.raises(IntegrityError, match="directory.contact.street of record .* integrity check"):
        _ = Contact.objects.get(pk=wang.pk).street
    Contact.objects.filter(pk=alice.pk).update(city=Sealed(street))  # another field of the same row
    with pytest.raises(IntegrityError, match="directory.contact.city"):
        _ = Contact.objects.get(pk=alice.pk).city
    flipped = street[:-1] + bytes([street[-1] ^ 0x01])
    Contact.objects.filter(pk=alice.pk).update(street=Sealed(flipped))
    with pytest.raises(IntegrityError, match="integrity check"):
        _ = Contact.objects.get(pk=alice.pk).street
    Contact.objects.filter(pk=alice.pk).update(street=Sealed(b"\x09" + street[1:]))  # unknown format byte
    with pytest.raises(IntegrityError, match="unknown format"):
        _ = Contact.objects.get(pk=alice.pk).street
    first, second = ContactEmail.objects.filter(contact=alice).order_by("position")
    ContactEmail.objects.filter(pk=second.pk).update(address=Sealed(_raw(ContactEmail, first.pk, "address")))
    with pytest.raises(IntegrityError):
        _ = ContactEmail.objects.get(pk=second.pk).address
    assert Contact.objects.get(pk=wang.pk).national_id == "110101199003074578"  # untouched values still read


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("ALICE.private@acme.example", "alice"),
        (" a.smith@home.example ", "alice"),
        ("+44 20 7946 0815", "alice"),
        ("0044 20 7946 0815", "alice"),
        ("+86 138 0013 8621", "wang"),
        ("nobody@acme.example", None),
        ("+44 20 7946 0000", None),
    ],
)
def test_exact_email_and_phone_search_through_the_blind_index(personas: Any, api_as: Any, query: str, who: str | None) -> None:
    alice = actions.create_contact(personas.rep_east, PEOPLE[0])
    wang = actions.create_contact(personas.rep_east, PEOPLE[1])
    expected = {"alice": [alice.pk], "wang": [wang.pk], None: []}[who]
    page = selectors.contact_page(personas.admin, selectors.ContactFilters(q=query), _first_page())
    assert [c.pk for c in page.items] == expected
    results = api_as(personas.admin).get(CONTACTS, {"q": query}).json()["results"]
    assert [r["id"] for r in results] == [str(pk) for pk in expected]
    assert [c.pk for c in selectors.search_directory(personas.admin, query).contacts] == expected


def _first_page() -> Any:
    from bastion.kernel.pagination import parse_page_request

    return parse_page_request({}, orderings=selectors.CONTACT_ORDERINGS, default_ordering="name")


def test_false_positives_of_a_short_index_are_dropped_after_decryption(personas: Any) -> None:
    keyring.service_key(f"blind-index:{EMAIL_SCOPE}", bits=1)  # one bit: about half of everyone collides
    people = [
        actions.create_contact(personas.rep_east, {"given_name": f"P{i}", "emails": [f"p{i}@x.example"]}) for i in range(12)
    ]
    from bastion.kernel.crypto import blind

    candidates = blind.lookup(EMAIL_SCOPE, "p3@x.example")
    assert len(candidates) > 1  # the index alone does not single anyone out
    assert selectors.contact_ids_with_email("P3@x.example") == [people[3].pk]


def test_crypto_shredding_erases_restricted_fields_here_and_in_an_earlier_copy(personas: Any, recorded: Any) -> None:
    alice = actions.create_contact(personas.rep_east, PEOPLE[0])
    columns = [field.attname for field in Contact._meta.concrete_fields]
    copy = Contact.objects.filter(pk=alice.pk).values_list(*columns)[0]  # what a backup taken now holds
    email_copy = list(ContactEmail.objects.filter(contact=alice).values_list("id", "contact_id", "address"))
    with pytest.raises(actions.ActionNotAllowed):
        actions_erase.shred_contact(personas.rep_east, alice.pk)
    actions_erase.shred_contact(personas.admin, alice.pk)
    fresh = Contact.objects.get(pk=alice.pk)
    assert fresh.is_erased and fresh.given_name == "Alice"
    for name in ("street", "city", "national_id", "private_notes", "primary_email", "primary_phone", "date_of_birth"):
        assert is_erased(getattr(fresh, name)) and str(getattr(fresh, name)) == "erased", name
    assert all(is_erased(row.address) for row in fresh.emails.all())
    old = Contact.from_db("default", columns, copy)  # the earlier copy, read with today's keys
    assert all(is_erased(getattr(old, name)) for name in ("street", "national_id", "private_notes", "date_of_birth"))
    for pk, contact_id, address in email_copy:
        assert is_erased(ContactEmail.from_db("default", ["id", "contact_id", "address"], (pk, contact_id, address)).address)
    assert selectors.contact_ids_with_email("alice.private@acme.example") == []  # index entries gone
    assert selectors.contact_ids_with_phone("+44 20 7946 0815") == []
    with pytest.raises(actions.ContactErased):
        actions.update_contact(personas.rep_east, alice.pk, {"city": "Leeds"})
    erased = recorded[-1]
    assert erased["verb"] == "contact.erased" and erased["changes"]["street"] == {"old": "[restricted]", "new": "erased"}
    assert "221B" not in repr(erased["changes"])  # the audit hook never sees what was erased
    actions_erase.shred_contact(personas.admin, alice.pk)  # again: harmless


def test_erase_through_the_api_shows_erased_in_the_reader_language(personas: Any, api_as: Any) -> None:
    alice = actions.create_contact(personas.rep_east, PEOPLE[0])
    url = f"{CONTACTS}{alice.pk}/erase/"
    assert api_as(personas.rep_east).post(url).status_code == 403
    assert api_as(personas.read_only if hasattr(personas, "read_only") else personas.auditor).post(url).status_code == 403
    body = api_as(personas.admin).post(url).json()
    assert body["erased_at"] and body["primary_email"] == "erased" and body["date_of_birth"] == "erased"
    chinese = api_as(personas.admin).get(f"{CONTACTS}{alice.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["street"] == "已清除" and chinese["emails"][0]["address"] == "已清除"


def test_erase_page_asks_then_erases(personas: Any, signed_in: Any) -> None:
    alice = actions.create_contact(personas.rep_east, PEOPLE[0])
    rep, admin = signed_in(personas.rep_east), signed_in(personas.admin)
    detail = f"/contacts/{alice.pk}/"
    assert b"erase-contact" not in rep.get(detail).content and b"erase-contact" in admin.get(detail).content
    assert rep.post(f"{detail}erase/", {"confirmed": "yes"}).status_code == 403
    assert b"cannot be undone" in admin.get(f"{detail}erase/").content
    assert not Contact.objects.get(pk=alice.pk).is_erased
    response = admin.post(f"{detail}erase/", {"confirmed": "yes"}, follow=True)
    assert b"erased-notice" in response.content and b"221B" not in response.content
    assert admin.get(f"{detail}edit/").status_code == 302  # an erased contact cannot be edited


def test_dates_of_birth_are_validated(personas: Any) -> None:
    from django.core.exceptions import ValidationError

    for bad in ("1899-12-31", "not a date", (timezone.localdate() + dt.timedelta(days=2)).isoformat()):
        with pytest.raises(ValidationError) as error:
            actions.create_contact(personas.rep_east, {"given_name": "X", "date_of_birth": bad})
        assert "date_of_birth" in error.value.message_dict
