"""Blind-index key rotation: search keeps working during the rebuild, which resumes and finishes idempotently."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from bastion.directory import actions, selectors
from bastion.directory.models import EMAIL_SCOPE, PHONE_SCOPE, ContactEmail
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.crypto import blind, keyring, reindex
from bastion.kernel.crypto.models import BlindIndexEntry, Checkpoint, ServiceKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS

pytestmark = pytest.mark.django_db


def entries(scope: str) -> int:
    return BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(scope=scope).count()


@pytest.fixture
def no_grace(settings: Any) -> Iterator[None]:
    settings.BASTION_BLIND_INDEX_REBUILD_GRACE_SECONDS = 0
    yield
    keyring.clear_caches()  # the key versions cached here are rolled back with the test


def test_search_works_before_during_and_after_a_rebuild(personas: Any, no_grace: None) -> None:
    people = [actions.create_contact(personas.rep_east, {"given_name": f"P{i}", "emails": [f"p{i}@x.example"]}) for i in range(5)]
    partial = reindex.rotate(EMAIL_SCOPE, batch_size=2, max_batches=1)  # a run stopped half-way (killed)
    assert not partial.done and partial.version == 2 and partial.rows == 2
    assert blind.versions(EMAIL_SCOPE, fresh=True) == (1, 2)
    assert entries(EMAIL_SCOPE) == 5 and entries(f"{EMAIL_SCOPE}@v2") == 2
    for i, person in enumerate(people):  # two rebuilt, three not yet: all found, nothing else
        assert selectors.contact_ids_with_email(f"P{i}@x.example") == [person.pk]
    assert selectors.contact_ids_with_email("nobody@x.example") == []
    late = actions.create_contact(personas.rep_east, {"given_name": "Late", "emails": ["late@x.example"]})
    assert BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(person=late.pk).count() == 2  # both versions
    actions.update_contact(personas.rep_east, people[0].pk, {"emails": ["p0-new@x.example"]})  # an entry already rebuilt
    assert "rebuilding under key v2" in run("status")
    # Resumed from its checkpoint: only the email rows after the last one done are read (rows are
    # in primary-key order; the late contact's and the replaced email's rows may fall either side).
    last_pk = Checkpoint.objects.using(KEYSTORE_ALIAS).get(job=reindex.JOB, target=EMAIL_SCOPE).last_pk
    after_checkpoint = ContactEmail.objects.filter(pk__gt=last_pk).count()
    finished = reindex.rotate(EMAIL_SCOPE, batch_size=2)
    assert finished.done and finished.rows == after_checkpoint < ContactEmail.objects.count()
    assert blind.versions(EMAIL_SCOPE, fresh=True) == (2,) and entries(EMAIL_SCOPE) == 0
    assert not ServiceKey.objects.using(KEYSTORE_ALIAS).filter(purpose=blind.purpose(EMAIL_SCOPE, 1)).exists()
    keyring.clear_caches()
    assert selectors.contact_ids_with_email("p0-new@x.example") == [people[0].pk]
    assert selectors.contact_ids_with_email("p0@x.example") == []
    for i in range(1, 5):
        assert selectors.contact_ids_with_email(f"p{i}@x.example") == [people[i].pk]
    assert selectors.contact_ids_with_email("late@x.example") == [late.pk]
    rotated = AuditEvent.objects.get(kind=EventKind.KEY_ROTATED)
    assert rotated.extra["scope"] == EMAIL_SCOPE and (rotated.extra["from_version"], rotated.extra["to_version"]) == (1, 2)
    destroyed = AuditEvent.objects.get(kind=EventKind.KEY_DESTROYED)
    assert destroyed.extra["versions"] == [1] and destroyed.sequence > rotated.sequence
    assert destroyed.extra["entries"] == 7  # 5, Late's and p0's new one (the old is deleted on commit: no commit in a test)


def test_the_command_rotates_every_index_and_again(personas: Any, no_grace: None) -> None:
    ann = actions.create_contact(
        personas.rep_east, {"given_name": "Ann", "emails": ["ann@x.example"], "phones": ["+44 20 7946 0001"]}
    )
    out = run("rotate-index")
    assert f"Blind index {EMAIL_SCOPE}: rebuilt under key v2" in out and f"Blind index {PHONE_SCOPE}: rebuilt under key v2" in out
    assert "rebuilt under key v3" in run("rotate-index", "--scope", EMAIL_SCOPE)
    assert selectors.contact_ids_with_email("ANN@x.example") == [ann.pk]
    assert selectors.contact_ids_with_phone("+44 20 7946 0001") == [ann.pk]
    assert entries(f"{EMAIL_SCOPE}@v3") == 1 and entries(f"{EMAIL_SCOPE}@v2") == 0
    assert AuditEvent.objects.filter(kind=EventKind.KEY_ROTATED).count() == 3


def test_an_unknown_index_is_refused(personas: Any) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no source is registered"):
        run("rotate-index", "--scope", "directory.contact.shoe_size")
    assert not AuditEvent.objects.filter(kind=EventKind.KEY_ROTATED).exists()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("keys", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()
