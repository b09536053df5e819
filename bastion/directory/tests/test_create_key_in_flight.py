"""A new contact's data key and index entries are written while the contact is (ADR 0054), and still committed first.

The key store's statement is left in flight while the action writes the contact, and its answer
is read before the action's transaction can commit. These tests run outside the test transaction
(as a request does), so both databases commit for real: the key must be in the key store when
the contact commits, a key store that refuses the key must leave no contact, no email and no
audit event behind, and a create that fails after the key was sent must leave both connections
usable.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections

from bastion.directory import actions, actions_bulk
from bastion.directory.models import EMAIL_SCOPE, Contact, ContactEmail
from bastion.kernel import bulk
from bastion.kernel.audit.models import AuditEvent, AuditInbox
from bastion.kernel.crypto import blind, keyring, store
from bastion.kernel.crypto.models import BlindIndexEntry, PersonKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "keys"])

KEYS = PersonKey.objects.using(KEYSTORE_ALIAS)
ENTRIES = BlindIndexEntry.objects.using(KEYSTORE_ALIAS)
POSTGRESQL = connection.vendor == "postgresql"


def _data(address: str) -> dict[str, Any]:
    return {"given_name": "Grace", "family_name": "Hopper", "emails": [{"address": address}], "street": "1 Navy Yard"}


@pytest.fixture
def drawn_id(monkeypatch: pytest.MonkeyPatch) -> Iterator[uuid.UUID]:
    """The id the next new contact gets (the primary key's default, fixed for the test)."""
    chosen = uuid.uuid4()
    monkeypatch.setattr(Contact._meta.pk, "_get_default", lambda: chosen)
    yield chosen


def _audit_rows() -> int:
    return AuditEvent.objects.count() + AuditInbox.objects.count()


def test_the_key_is_in_flight_while_the_contact_is_written_and_committed_before_it(
    personas: Any, drawn_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_flight_at_insert: list[bool] = []
    keys_at_commit: list[tuple[bool, int]] = []

    def watch_inserts(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('INSERT INTO "directory_contact"'):
            in_flight_at_insert.append(getattr(connections[KEYSTORE_ALIAS], "_bastion_sent", None) is not None)
        return execute(sql, params, many, context)

    commit = connection.commit

    def watched_commit() -> None:
        answered = getattr(connections[KEYSTORE_ALIAS], "_bastion_sent", None) is None
        keys_at_commit.append((answered, KEYS.filter(person=drawn_id).count()))  # autocommit: committed rows
        commit()

    monkeypatch.setattr(connection, "commit", watched_commit)
    with connection.execute_wrapper(watch_inserts):
        contact = actions.create_contact(personas.rep_east, _data("grace@navy.example"))
    assert contact.pk == drawn_id
    # PostgreSQL: the contact's INSERT ran while the key store's statement was in flight. SQLite:
    # one person's key is written first (the worker thread is for batches: store.BESIDE_FROM).
    assert in_flight_at_insert == [POSTGRESQL]
    # The key store had answered, and held the key, when the contact committed (later commits: the audit sealer's).
    assert keys_at_commit[0] == (True, 1)
    assert blind.lookup(EMAIL_SCOPE, "grace@navy.example") == [drawn_id]
    keyring.clear_caches()  # read back with the key from the key store
    assert Contact.objects.get(pk=drawn_id).street == "1 Navy Yard"
    assert not connections[KEYSTORE_ALIAS].execute_wrappers


def test_a_key_the_key_store_refuses_leaves_no_contact_email_or_audit_event(
    personas: Any, drawn_id: uuid.UUID, recorded: list[dict[str, Any]]
) -> None:
    blind.enrol(drawn_id, {EMAIL_SCOPE: ["first@navy.example"]})  # the id already has a key: the next one is refused
    stored = (
        set(KEYS.filter(person=drawn_id).values_list("version", "wrapped")),
        set(ENTRIES.filter(person=drawn_id).values_list("scope", "value")),
    )
    audit_rows = _audit_rows()
    keyring.clear_caches()
    with pytest.raises(IntegrityError):
        actions.create_contact(personas.rep_east, _data("second@navy.example"))
    assert not Contact.objects.filter(pk=drawn_id).exists()
    assert not ContactEmail.objects.filter(contact_id=drawn_id).exists()
    assert recorded == [] and _audit_rows() == audit_rows
    after = (
        set(KEYS.filter(person=drawn_id).values_list("version", "wrapped")),
        set(ENTRIES.filter(person=drawn_id).values_list("scope", "value")),
    )
    assert after == stored  # the first key and entry, unchanged; none of the refused write
    assert blind.lookup(EMAIL_SCOPE, "second@navy.example") == []
    assert keyring._write_keys.get_key(drawn_id.int) is None  # the refused key is not kept for later writes


def test_a_create_that_fails_after_the_key_was_sent_leaves_both_databases_usable(
    personas: Any, drawn_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_save(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the contact's write failed")

    monkeypatch.setattr(actions, "_save", failing_save)
    audit_rows = _audit_rows()
    with pytest.raises(RuntimeError, match="the contact's write failed"):
        actions.create_contact(personas.rep_east, _data("lost@navy.example"))
    assert not Contact.objects.filter(pk=drawn_id).exists() and _audit_rows() == audit_rows
    keys = connections[KEYSTORE_ALIAS]
    assert getattr(keys, "_bastion_sent", None) is None and not keys.execute_wrappers  # the answer was read
    assert KEYS.filter(person=drawn_id).count() == 1  # an orphan key: it protects nothing (keyring's docstring)
    assert keyring._write_keys.get_key(drawn_id.int) is None
    monkeypatch.undo()
    other = actions.create_contact(personas.rep_east, _data("next@navy.example"))
    assert blind.lookup(EMAIL_SCOPE, "next@navy.example") == [other.pk]


@pytest.fixture
def drawn_ids(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """The ids the next new contacts get, in order."""
    chosen = [uuid.uuid4() for _ in range(3)]
    upcoming = iter(chosen)
    monkeypatch.setattr(Contact._meta.pk, "_get_default", lambda: next(upcoming))
    return chosen


@pytest.fixture(params=["at once", "beside"])
def key_writes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """On SQLite a batch's keys are written at once or, from ``store.BESIDE_FROM`` people, on the worker thread (ADR 0058)."""
    monkeypatch.setattr(store, "BESIDE_FROM", 1 if request.param == "beside" else 10**9)
    return str(request.param)


def test_a_bulk_create_sends_its_keys_and_entries_in_one_statement_committed_before_the_contacts(
    personas: Any, drawn_ids: list[uuid.UUID], monkeypatch: pytest.MonkeyPatch, key_writes: str
) -> None:
    keys_at_commit: list[tuple[bool, int, int]] = []
    in_flight_at_insert: list[bool] = []
    key_writers: list[int] = []
    commit, insert_rows, insert_values = connection.commit, bulk.insert_rows, store.insert_values

    def watched_insert(table: str, *args: Any, **kwargs: Any) -> None:
        if table == "directory_contact":
            in_flight_at_insert.append(getattr(connections[KEYSTORE_ALIAS], "_bastion_sent", None) is not None)
        insert_rows(table, *args, **kwargs)

    def watched_key_write(*args: Any, **kwargs: Any) -> None:  # SQLite's
        key_writers.append(threading.get_ident())
        insert_values(*args, **kwargs)

    monkeypatch.setattr(bulk, "insert_rows", watched_insert)
    monkeypatch.setattr(store, "insert_values", watched_key_write)

    def watched_commit() -> None:
        answered = getattr(connections[KEYSTORE_ALIAS], "_bastion_sent", None) is None
        keys_at_commit.append((answered, KEYS.filter(person__in=drawn_ids).count(), ENTRIES.filter(person__in=drawn_ids).count()))
        commit()

    monkeypatch.setattr(connection, "commit", watched_commit)
    rows = [_data(f"bulk{i}@navy.example") for i in range(3)]
    created = actions_bulk.create_contacts(personas.rep_east, rows)
    assert [contact.pk for contact in created if isinstance(contact, Contact)] == drawn_ids  # no row was refused
    assert keys_at_commit[0] == (True, 3, 3)  # answered, with every key and entry, when the contacts committed
    beside = key_writes == "beside"
    # The contacts were written while the keys were: PostgreSQL's statement in flight, or SQLite's on the worker thread.
    assert in_flight_at_insert == [POSTGRESQL or beside]
    here = threading.get_ident()
    assert len(key_writers) == (0 if POSTGRESQL else 2)  # SQLite's two statements: keys, then entries
    assert all((writer != here) is beside for writer in key_writers)
    for i, person in enumerate(drawn_ids):
        assert blind.lookup(EMAIL_SCOPE, f"bulk{i}@navy.example") == [person]
    keyring.clear_caches()
    assert [contact.street for contact in Contact.objects.filter(pk__in=drawn_ids)] == ["1 Navy Yard"] * 3


def test_a_bulk_create_whose_key_is_refused_writes_none_of_its_keys_entries_or_contacts(
    personas: Any, drawn_ids: list[uuid.UUID], recorded: list[dict[str, Any]], key_writes: str
) -> None:
    blind.enrol(drawn_ids[1], {EMAIL_SCOPE: ["taken@navy.example"]})  # the second id already has a key
    before = (KEYS.count(), ENTRIES.count(), _audit_rows())
    keyring.clear_caches()
    with pytest.raises(IntegrityError):
        actions_bulk.create_contacts(personas.rep_east, [_data(f"refused{i}@navy.example") for i in range(3)])
    assert (
        not Contact.objects.filter(pk__in=drawn_ids).exists()
        and not ContactEmail.objects.filter(contact_id__in=drawn_ids).exists()
    )
    assert (KEYS.count(), ENTRIES.count(), _audit_rows()) == before and recorded == []
    assert all(blind.lookup(EMAIL_SCOPE, f"refused{i}@navy.example") == [] for i in range(3))
    assert all(keyring._write_keys.get_key(person.int) is None for person in (drawn_ids[0], drawn_ids[2]))
