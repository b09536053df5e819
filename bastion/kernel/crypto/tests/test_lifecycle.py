"""Retiring old data-key versions and sweeping orphan keys: refused while in use, resumable, idempotent, audited."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bastion.directory import actions
from bastion.directory.models import Contact
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.crypto import keyring, lifecycle
from bastion.kernel.crypto.errors import UnknownKeyError
from bastion.kernel.crypto.models import ErasedPerson, OrphanCandidate, PersonKey, RetiredVersion
from bastion.kernel.crypto.provider import FileKeyProvider, set_provider
from bastion.kernel.crypto.router import KEYSTORE_ALIAS

pytestmark = pytest.mark.django_db
ANN = {"given_name": "Ann", "emails": ["ann@x.example"], "street": "1 Mill Lane", "national_id": "QQ1"}


def keys(**filters: Any) -> int:
    return PersonKey.objects.using(KEYSTORE_ALIAS).filter(**filters).count()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("keys", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_version_in_use_is_refused_then_destroyed_after_reencrypt(own_root_key: Any, personas: Any, settings: Any) -> None:
    settings.BASTION_KEY_RETIRE_GRACE_SECONDS = 0
    ann = actions.create_contact(personas.rep_east, ANN)
    run("rotate")
    bob = actions.create_contact(personas.rep_east, {"given_name": "Bob", "street": "2 Mill Lane"})  # written under v2
    with pytest.raises(CommandError, match=r"data key v1 cannot be destroyed yet: \d+ or more encrypted values"):
        run("retire")
    assert keys(version=1) == 1 and not AuditEvent.objects.filter(kind=EventKind.KEY_DESTROYED).exists()
    assert Contact.objects.get(pk=ann.pk).street == "1 Mill Lane"  # refused: nothing was destroyed
    run("reencrypt")
    assert "Data key v1: no value uses it; 1 keys destroyed." in run("retire")
    assert keys(version=1) == 0 and keys(version=2) == 2
    keyring.clear_caches()
    fresh = Contact.objects.get(pk=ann.pk)
    assert (fresh.street, fresh.national_id, Contact.objects.get(pk=bob.pk).street) == ("1 Mill Lane", "QQ1", "2 Mill Lane")
    [event] = AuditEvent.objects.filter(kind=EventKind.KEY_DESTROYED)
    assert event.target_type == "keystore.data_key_version" and event.target_id == "1"
    assert event.extra == {"reason": "retired", "keys": 1, "version": 1}
    assert "No data-key version older" in run("retire")  # idempotent: nothing left, nothing recorded
    assert AuditEvent.objects.filter(kind=EventKind.KEY_DESTROYED).count() == 1
    assert "v1: retirement started" in run("status")


def test_retiring_waits_out_the_grace_period_first(own_root_key: Any, personas: Any) -> None:
    actions.create_contact(personas.rep_east, ANN)
    run("rotate")
    run("reencrypt")
    out = run("retire")
    assert "Data key v1 is retiring" in out and "again after" in out
    assert keys(version=1) == 1  # not before every process's caches have expired
    RetiredVersion.objects.using(KEYSTORE_ALIAS).update(started_at=timezone.now() - dt.timedelta(minutes=5))
    assert "1 keys destroyed" in run("retire")
    with pytest.raises(CommandError, match="is current"):
        run("retire", "--version", "2")


def test_a_process_still_on_the_old_root_key_cannot_write_under_a_retiring_version(
    own_root_key: Any, personas: Any, tmp_path: Path
) -> None:
    shutil.copy(own_root_key.path, tmp_path / "before.json")  # what a server not yet restarted still holds
    (tmp_path / "before.json").chmod(0o600)
    run("rotate")
    assert "is retiring" in run("retire", "--version", "1")  # marked; the grace period has not passed
    set_provider(FileKeyProvider(tmp_path / "before.json", create=False))
    keyring.clear_caches()
    with pytest.raises(UnknownKeyError, match="is being retired"):
        actions.create_contact(personas.rep_east, ANN)
    assert json.loads((tmp_path / "before.json").read_text())["keys"][0]["version"] == 1


def test_the_sweep_notices_orphans_then_destroys_them_after_the_grace_period(personas: Any, settings: Any) -> None:
    settings.BASTION_ORPHAN_KEY_GRACE_DAYS = 30
    kept = actions.create_contact(personas.rep_east, ANN)
    gone = actions.create_contact(personas.rep_east, {"given_name": "Gone", "emails": ["gone@x.example"]})
    actions.delete_contact(personas.rep_east, gone.pk)
    orphan = uuid.uuid4()
    keyring.ensure_keys([orphan])  # a create that rolled back after making the key
    assert "2 newly noticed" in run("sweep") and keys(person=orphan) == 1  # noticed, kept for now
    assert "0 newly noticed" in run("sweep")  # idempotent
    OrphanCandidate.objects.using(KEYSTORE_ALIAS).update(first_seen_at=timezone.now() - dt.timedelta(days=31))
    assert "keys destroyed for 2 people" in run("sweep")
    assert keys(person=orphan) == 0 and keys(person=gone.pk) == 0 and keys(person=kept.pk) == 1
    assert ErasedPerson.objects.using(KEYSTORE_ALIAS).filter(person__in=[orphan, gone.pk]).count() == 2
    [event] = AuditEvent.objects.filter(kind=EventKind.KEY_DESTROYED)
    assert event.extra == {"reason": "orphan sweep", "grace_days": 30, "persons": 2, "keys": 2}
    keyring.clear_caches()
    assert Contact.objects.get(pk=kept.pk).street == "1 Mill Lane"


def test_the_sweep_keeps_the_keys_of_every_kind_of_person(personas: Any) -> None:
    """Leads (and import files) have data keys too: only a key whose row is gone from every person model is an orphan."""
    from bastion.sales.actions_leads import create_lead
    from bastion.sales.models import Lead

    lead = create_lead(personas.rep_east, {"given_name": "Lia", "email": "lia@x.example", "phone": "+44 20 7946 0000"})
    contact = actions.create_contact(personas.rep_east, ANN)
    assert {Contact, Lead} <= set(lifecycle.person_models())
    OrphanCandidate.objects.using(KEYSTORE_ALIAS).create(person=lead.pk, first_seen_at=timezone.now() - dt.timedelta(days=90))
    out = lifecycle.sweep()
    assert (out.noticed, out.back, out.persons_destroyed) == (0, 1, 0)
    assert keys(person=lead.pk) >= 1 and keys(person=contact.pk) == 1
    keyring.clear_caches()
    assert Lead.objects.get(pk=lead.pk).email == "lia@x.example"


def test_a_person_whose_row_is_back_is_taken_off_the_list(personas: Any) -> None:
    ann = actions.create_contact(personas.rep_east, ANN)
    OrphanCandidate.objects.using(KEYSTORE_ALIAS).create(
        person=ann.pk, first_seen_at=timezone.now() - dt.timedelta(days=90)
    )  # noticed while the row was missing (say, before a restore)
    out = lifecycle.sweep()
    assert out.back == 1 and out.persons_destroyed == 0 and keys(person=ann.pk) == 1
    assert not AuditEvent.objects.filter(kind=EventKind.KEY_DESTROYED).exists()


def test_the_sweep_is_a_daily_huey_task(personas: Any) -> None:
    from bastion.kernel.crypto import tasks

    task = tasks.sweep_orphan_keys_daily.task_class()
    start = dt.datetime(2026, 11, 29, 0, 0)  # noqa: DTZ001 - huey passes naive UTC datetimes
    fired = [m for m in range(2 * 24 * 60) if task.validate_datetime(start + dt.timedelta(minutes=m))]
    assert fired == [4 * 60 + 23, 28 * 60 + 23]  # once a day, at 04:23
    orphan = uuid.uuid4()
    keyring.ensure_keys([orphan])
    tasks.sweep_orphan_keys_daily.call_local()
    assert OrphanCandidate.objects.using(KEYSTORE_ALIAS).filter(person=orphan).exists()
