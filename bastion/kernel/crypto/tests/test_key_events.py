"""Key operations leave key.created / key.rotated / key.destroyed events, and only committed changes do."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from bastion.directory import actions, actions_erase
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.verify import verify_log
from bastion.kernel.crypto import keyevents, keyring
from bastion.kernel.crypto.models import ErasedPerson, PersonKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS

pytestmark = pytest.mark.django_db


def events(kind: EventKind) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("sequence"))


def test_init_records_the_new_root_key_and_not_an_existing_one(tmp_path: Path, settings: Any) -> None:
    settings.BASTION_KEY_FILE = str(tmp_path / "root_keys.json")
    out = io.StringIO()
    call_command("keys", "init", stdout=out)
    assert "created" in out.getvalue() and (tmp_path / "root_keys.json").exists()
    [created] = events(EventKind.KEY_CREATED)
    assert created.target_type == "keystore.root_key" and created.extra == {"provider": "file", "version": 1}
    call_command("keys", "init", stdout=out)
    assert "already exists" in out.getvalue() and len(events(EventKind.KEY_CREATED)) == 1
    assert "key" not in str(created.extra).replace("keystore", "")  # no key material in the log
    assert verify_log().ok


def test_rotate_records_key_rotated_with_both_versions(own_root_key: Any, personas: Any) -> None:
    actions.create_contact(personas.rep_east, {"given_name": "Ann", "emails": ["ann@x.example"]})
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "Root key version 2 is current" in out.getvalue()
    [rotated] = events(EventKind.KEY_ROTATED)
    assert rotated.target_id == "2" and rotated.extra["from_version"] == 1 and rotated.extra["to_version"] == 2
    assert set(PersonKey.objects.using(KEYSTORE_ALIAS).values_list("root_version", flat=True)) == {2}
    call_command("keys", "rotate", "--rewrap-only", stdout=out)
    assert [event.extra["new_version"] for event in events(EventKind.KEY_ROTATED)] == [True, False]


def test_crypto_shred_records_key_destroyed_beside_record_erased(personas: Any) -> None:
    ann = actions.create_contact(
        personas.rep_east, {"given_name": "Ann", "emails": ["ann@x.example"], "phones": ["+44 20 7946 0001"]}
    )
    actions_erase.shred_contact(personas.admin, ann.pk)
    [destroyed] = events(EventKind.KEY_DESTROYED)
    assert destroyed.target_type == "keystore.person_key" and destroyed.target_id == str(ann.pk)
    assert destroyed.actor_id == personas.admin.pk
    assert destroyed.extra == {"reason": "crypto-shred", "keys": 1, "versions": [1], "blind_index_entries": 2}
    assert events(EventKind.RECORD_ERASED) and destroyed.sequence < events(EventKind.RECORD_ERASED)[0].sequence
    assert "ann@x.example" not in str(destroyed.extra)
    assert verify_log().ok


def test_a_key_change_that_fails_after_its_event_is_rolled_back_and_completed_by_a_rerun(personas: Any) -> None:
    ann = actions.create_contact(personas.rep_east, {"given_name": "Ann"})
    with pytest.raises(RuntimeError), keyevents.key_change("KEY_DESTROYED", keyevents.PERSON_KEY, str(ann.pk)):
        PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=ann.pk).delete()
        raise RuntimeError("the key store failed half-way")
    assert PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=ann.pk).exists()  # the change rolled back
    assert len(events(EventKind.KEY_DESTROYED)) == 1  # its event was committed first: an event without its change
    keyring.clear_caches()
    assert actions.create_contact(personas.rep_east, {"given_name": "Bob"}).pk  # keys still work
    assert keyring.shred(ann.pk) == 1  # running the operation again completes it and records it again
    assert not PersonKey.objects.using(KEYSTORE_ALIAS).filter(person=ann.pk).exists()
    assert ErasedPerson.objects.using(KEYSTORE_ALIAS).filter(person=ann.pk).exists()
    assert len(events(EventKind.KEY_DESTROYED)) == 2
