"""Contacts imported in batches (docs/adr/0043): one transaction per batch through the bulk action
``directory.actions_bulk.create_contacts``, with the outcome row by row would give every row: bad
rows mid-batch rejected with line and reason, duplicates (also within the batch) skipped or
updated, one ``record.created`` per contact with the same content as ``create_contact`` writes,
nothing in plain text in the database, and the row-by-row path when the bulk path fails."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from bastion.directory import actions as directory
from bastion.directory import actions_bulk, selectors
from bastion.directory.models import Company, Contact, ContactEmail, ContactPhone
from bastion.directory.tests.test_encryption import database_bytes
from bastion.imports import actions
from bastion.imports import selectors as import_selectors
from bastion.imports.adapters.directory import ContactAdapter
from bastion.imports.models import Status
from bastion.imports.tests.helpers import contacts_csv
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.crypto import lifecycle
from bastion.kernel.crypto.models import BlindIndexEntry, OrphanCandidate, PersonKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS


def run(user: Any, text: str, dedupe: str = "skip") -> Any:
    job = actions.create_import(user, object_type="contact", source_name="Fair", file_name="c.csv", data=text.encode())
    actions.start_import(user, job.pk, mapping=list(job.mapping), dedupe=dedupe)
    job.refresh_from_db()
    return job


@pytest.fixture
def bulk_calls(monkeypatch: Any) -> list[int]:
    """How many rows each call of the bulk action got (to show that the batch path ran)."""
    calls: list[int] = []
    original = actions_bulk.create_contacts

    def counting(actor: Any, rows: Any) -> Any:
        calls.append(len(rows))
        return original(actor, rows)

    monkeypatch.setattr(actions_bulk, "create_contacts", counting)
    return calls


def test_a_bad_row_mid_batch_is_rejected_with_its_line_and_the_good_rows_imported(personas: Any, bulk_calls: list[int]) -> None:
    text, bad_lines = contacts_csv(60, bad_every=20)
    text += "Only-a-name,,,,,\n,,nameless@import.example,,,\n"  # a good row, then one refused before the action
    job = run(personas.rep_east, text)
    assert bulk_calls == [64]  # one batch: every row with a name in one call, which refuses the 3 bad emails
    assert (job.status, job.created_count, job.rejected_count) == (Status.DONE, 61, 4)
    rejected = {row.line: row.reason for row in import_selectors.rejections(job)}
    assert set(rejected) == {*bad_lines, 66}
    assert "no name" in rejected[66]
    assert all("Column “Email”" in rejected[line] and "is not a valid email address" in rejected[line] for line in bad_lines)
    assert Contact.objects.count() == 61 and ContactEmail.objects.count() == 60 and ContactPhone.objects.count() == 60
    assert selectors.contact_ids_with_email("p17@import.example")  # found through the blind index


def test_exactly_one_record_created_event_per_contact_with_the_content_of_create_contact(personas: Any) -> None:
    job = run(personas.rep_east, contacts_csv(30)[0])
    assert job.created_count == 30
    events = list(AuditEvent.objects.filter(kind=EventKind.RECORD_CREATED, target_type="directory.contact"))
    assert sorted(event.target_id for event in events) == sorted(str(pk) for pk in Contact.objects.values_list("pk", flat=True))
    imported = next(event for event in events if Contact.objects.get(pk=event.target_id).given_name == "Given3")
    data = ContactAdapter().new_contact_data(personas.rep_east, {"given_name": "Given3", "family_name": "Family3",
        "email": "other@x.example", "phone": "+44 20 7946 9999", "company": "Firm 3", "city": "London"})  # fmt: skip
    one = directory.create_contact(personas.rep_east, data)
    by_hand = AuditEvent.objects.get(kind=EventKind.RECORD_CREATED, target_id=str(one.pk))
    assert imported.changes == by_hand.changes and imported.changes["emails"] == {"changed": True}
    assert imported.target_snapshot == by_hand.target_snapshot and imported.actor_snapshot == by_hand.actor_snapshot


def test_duplicates_within_the_batch_and_in_the_database_follow_the_policy(personas: Any) -> None:
    directory.create_contact(personas.rep_east, {"given_name": "Old", "emails": [{"address": "p1@import.example"}]})
    text = contacts_csv(4)[0] + "Again,Zero,p0@import.example,,,\n"
    job = run(personas.rep_east, text, "skip")
    assert (job.created_count, job.skipped_count) == (3, 2)  # p1 exists; the last row repeats the first
    job = run(personas.rep_east, "First name,Email,City\nNew,p1@import.example,Paris\nNewer,p9@import.example,Rome\n", "update")
    assert (job.created_count, job.updated_count) == (1, 1)
    old = Contact.objects.get(given_name="New")
    assert old.city == "Paris" and [str(row.address) for row in old.emails.all()] == ["p1@import.example"]
    job = run(personas.rep_east, text, "create")
    assert job.created_count == 5 and Contact.objects.filter(emails__address__isnull=False).count() >= 5


def test_contacts_the_importer_cannot_see_are_not_duplicates(personas: Any) -> None:
    directory.create_contact(personas.rep_west, {"given_name": "West", "emails": [{"address": "p0@import.example"}]})
    job = run(personas.rep_east, contacts_csv(2)[0], "skip")
    assert (job.created_count, job.skipped_count) == (2, 0)


def test_when_the_bulk_action_fails_the_batch_is_imported_row_by_row(personas: Any, monkeypatch: Any) -> None:
    def broken(actor: Any, rows: Any) -> Any:
        raise RuntimeError("bulk path broken")

    monkeypatch.setattr(actions_bulk, "create_contacts", broken)
    text, bad_lines = contacts_csv(40, bad_every=10)
    job = run(personas.rep_east, text)
    assert (job.status, job.created_count, job.rejected_count) == (Status.DONE, 40, 4)
    assert sorted(row.line for row in import_selectors.rejections(job)) == bad_lines
    assert AuditEvent.objects.filter(kind=EventKind.RECORD_CREATED, target_type="directory.contact").count() == 40


def test_a_row_skipped_as_a_duplicate_of_a_rejected_row_makes_the_batch_go_row_by_row(personas: Any) -> None:
    # Row 2 refused by the action (date of birth), row 3 repeats its email: row by row, row 3 is created.
    text = "First name,Email,Date of birth\nA,a@import.example,1850-01-01\nB,a@import.example,\n"
    job = run(personas.rep_east, text, "skip")
    assert (job.created_count, job.skipped_count, job.rejected_count) == (1, 0, 1)
    assert Contact.objects.get().given_name == "B"


def test_no_company_is_created_for_a_rejected_row(personas: Any, bulk_calls: list[int]) -> None:
    text = "First name,Email,Company\nA,a@import.example,Old Co\nB,not-an-email,New Co\nC,c@import.example,Newer Co\n"
    directory.create_company(personas.rep_east, {"name": "Old Co"})
    job = run(personas.rep_east, text)
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert bulk_calls == [3, 2]  # done again without the rejected row, still in bulk
    assert sorted(Company.objects.values_list("name", flat=True)) == ["Newer Co", "Old Co"]
    assert AuditEvent.objects.filter(kind=EventKind.RECORD_CREATED, target_type="directory.company").count() == 2


@pytest.mark.django_db(transaction=True, databases=["default", "keys"])
def test_the_database_holds_no_imported_email_or_phone_in_plain_text(personas: Any) -> None:
    text, _bad = contacts_csv(20, bad_every=5, prefix="needle.person")
    job = run(personas.rep_east, text)
    assert job.created_count == 20 and job.rejected_count == 4
    main, keys = database_bytes("default"), database_bytes("keys")
    assert b"Given7" in main  # names are confidential, not restricted: the dump is real
    for n in range(20):
        for needle in (f"needle.person{n}@import.example", f"7946 {n:04d}", f"4420794600{n:02d}", "not-an-email"):
            assert needle.encode() not in main, needle
            assert needle.encode() not in keys, needle


def test_keys_and_index_entries_of_a_rolled_back_batch_are_swept_as_orphans(personas: Any) -> None:
    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        [created] = actions_bulk.create_contacts(
            personas.rep_east, [{"given_name": "Gone", "emails": [{"address": "g@x.example"}]}]
        )
        assert isinstance(created, Contact)
        person = created.pk
        raise Crash  # the batch's transaction rolls back after the key store committed (docs/adr/0016)
    keys, entries = PersonKey.objects.using(KEYSTORE_ALIAS), BlindIndexEntry.objects.using(KEYSTORE_ALIAS)
    assert not Contact.objects.filter(pk=person).exists()
    assert keys.filter(person=person).count() == 1 and entries.filter(person=person).count() == 1
    assert lifecycle.sweep().noticed == 1
    OrphanCandidate.objects.using(KEYSTORE_ALIAS).update(first_seen_at=timezone.now() - dt.timedelta(days=31))
    assert lifecycle.sweep().persons_destroyed == 1
    assert not keys.filter(person=person).exists() and not entries.filter(person=person).exists()


def test_the_rows_are_imported_with_the_parsed_file_frozen_and_collections_rarer(personas: Any, monkeypatch: Any) -> None:
    """ADR 0063: the parsed file is kept out of the collector's work while the batches run, then given back."""
    import gc

    from bastion.kernel import memory

    seen: list[tuple[tuple[int, int, int], bool]] = []
    original = actions_bulk.create_contacts

    def observed(actor: Any, rows: Any) -> Any:
        seen.append((gc.get_threshold(), gc.get_freeze_count() > 0))
        return original(actor, rows)

    monkeypatch.setattr(actions_bulk, "create_contacts", observed)
    before = gc.get_threshold()
    job = run(personas.rep_east, contacts_csv(30)[0])
    assert job.created_count == 30
    assert seen == [(memory.LONG_JOB_THRESHOLDS, True)]
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
