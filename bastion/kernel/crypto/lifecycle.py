"""The end of a data key's life: retiring old key versions and sweeping orphan keys (docs/adr/0022).

Retiring (``bastion keys retire``), after ``keys rotate`` and ``keys reencrypt``:

1. the version is marked *retiring* in the key store; from then on no process makes or uses a
   write key of it (``keyring.key_for_write`` refuses: a server still on the old root key
   fails loudly instead of writing values nobody could read later);
2. nothing more happens until a grace period has passed (longer than the write-key cache and
   the refusal's own cache), so that every write made with a key cached before step 1 is in
   the database;
3. every encrypted value is scanned in primary-key batches (a checkpoint per table in the key
   store: resumable); a value still under the version stops the retirement, naming how many
   (run ``keys reencrypt``), and the next run scans again;
4. when none is left, the version's keys are destroyed in one key-store transaction, audited as
   ``key.destroyed`` (the event commits first: keyevents.py), and the marker records it.

Every run is idempotent: run it again until it says the version is destroyed.

The orphan sweep (``bastion keys sweep``, and daily in huey) destroys the keys of people who have
keys but no row: keys left by a create that rolled back, and those of deleted contacts. A person
is noticed missing on one run and their keys are destroyed on a run at least
``BASTION_ORPHAN_KEY_GRACE_DAYS`` (default 30) later if they are still missing, so a backup
restored within that time still reads; a person whose row is back is taken off the list.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from bastion.kernel.crypto import envelope, keyevents, keyring
from bastion.kernel.crypto.errors import CryptoError
from bastion.kernel.crypto.fields import encrypted_fields
from bastion.kernel.crypto.models import (
    BlindIndexEntry,
    Checkpoint,
    ErasedPerson,
    OrphanCandidate,
    PersonKey,
    RetiredVersion,
)
from bastion.kernel.crypto.provider import get_provider
from bastion.kernel.crypto.router import KEYSTORE_ALIAS

Progress = Callable[[str, int], None]


def retire_grace() -> dt.timedelta:
    """How long a version stays *retiring* before its keys may go (the caches of every process expire)."""
    default = 2 * (keyring.CACHE_SECONDS + keyring.RETIRING_CACHE_SECONDS)
    return dt.timedelta(seconds=float(getattr(settings, "BASTION_KEY_RETIRE_GRACE_SECONDS", default)))


@dataclass
class Retirement:
    version: int
    state: str  # "waiting", "in use", "destroyed"
    ready_at: dt.datetime | None = None
    values_in_use: int = 0
    keys_destroyed: int = 0


def retirable_versions() -> list[int]:
    """Data-key versions older than the current one that still have keys, or are marked and not finished."""
    current = get_provider().current_version()
    held = set(PersonKey.objects.using(KEYSTORE_ALIAS).filter(version__lt=current).values_list("version", flat=True).distinct())
    pending = set(RetiredVersion.objects.using(KEYSTORE_ALIAS).filter(destroyed_at=None).values_list("version", flat=True))
    return sorted(held | pending)


def retire(
    version: int | None = None, *, batch_size: int = 2000, actor: object = None, progress: Progress | None = None
) -> list[Retirement]:
    """Move each old version (or ``version``) one step further towards destruction; see the module docstring."""
    current = get_provider().current_version()
    versions = [version] if version is not None else retirable_versions()
    results = []
    for number in versions:
        if number >= current:
            raise CryptoError(f"data key version {number} is current (or newer): only older versions can be retired")
        results.append(_retire_one(number, batch_size=batch_size, actor=actor, progress=progress))
    return results


def _retire_one(version: int, *, batch_size: int, actor: object, progress: Progress | None) -> Retirement:
    marker, _created = RetiredVersion.objects.using(KEYSTORE_ALIAS).get_or_create(version=version)
    ready_at = marker.started_at + retire_grace()
    if timezone.now() < ready_at:
        return Retirement(version, "waiting", ready_at=ready_at)
    in_use = values_under(version, batch_size=batch_size, progress=progress)
    if in_use:
        return Retirement(version, "in use", values_in_use=in_use)
    keys = PersonKey.objects.using(KEYSTORE_ALIAS).filter(version=version)
    details = {"reason": "retired", "keys": keys.count(), "version": version}
    with keyevents.key_change("KEY_DESTROYED", keyevents.DATA_KEY_VERSION, str(version), actor=actor, details=details):
        destroyed, _ = keys.delete()
        marker.destroyed_at, marker.keys_destroyed = timezone.now(), marker.keys_destroyed + destroyed
        marker.save(using=KEYSTORE_ALIAS, update_fields=["destroyed_at", "keys_destroyed"])
    keyring.forget_version(version)
    Checkpoint.objects.using(KEYSTORE_ALIAS).filter(job=_scan_job(version)).delete()
    return Retirement(version, "destroyed", keys_destroyed=destroyed)


def _scan_job(version: int) -> str:
    return f"retire-v{version}"


def values_under(version: int, *, batch_size: int = 2000, progress: Progress | None = None) -> int:
    """How many encrypted values are sealed under data-key ``version``, scanned in batches, resumable.

    Tables already scanned clean are remembered (a checkpoint each); finding a value in use
    forgets them all, so the next run scans everything again (re-encryption may have moved on).
    """
    from bastion.kernel.crypto.rotation import encrypted_models

    job, found = _scan_job(version), 0
    for model in encrypted_models():
        checkpoint, _ = Checkpoint.objects.using(KEYSTORE_ALIAS).get_or_create(
            job=job, target=model._meta.label, defaults={"version": version}
        )
        if checkpoint.done:
            continue
        found += _scan(model, version, checkpoint, batch_size, progress)
        if found:
            break
    if found:
        Checkpoint.objects.using(KEYSTORE_ALIAS).filter(job=job).delete()
    return found


def _scan(model: type[models.Model], version: int, checkpoint: Checkpoint, batch_size: int, progress: Progress | None) -> int:
    names = [field.attname for field in encrypted_fields(model)]
    found, seen = 0, 0
    while True:
        queryset = model._base_manager.order_by("pk")
        if checkpoint.last_pk:
            queryset = queryset.filter(pk__gt=model._meta.pk.to_python(checkpoint.last_pk))
        rows = list(queryset.values_list("pk", *names)[:batch_size])
        if not rows:
            break
        for row in rows:
            found += sum(1 for value in row[1:] if _sealed_under(value, version))
        seen += len(rows)
        if progress:
            progress(model._meta.label, seen)
        if found:
            return found
        checkpoint.last_pk = str(rows[-1][0])
        checkpoint.save(using=KEYSTORE_ALIAS, update_fields=["last_pk", "updated_at"])
    checkpoint.done = True
    checkpoint.save(using=KEYSTORE_ALIAS, update_fields=["done", "updated_at"])
    return 0


def _sealed_under(value: object, version: int) -> bool:
    if not isinstance(value, bytes | memoryview) or len(value) < 5 + envelope.NONCE_BYTES + envelope.TAG_BYTES:
        return False
    head = bytes(value[:5])
    return head[0] != envelope.FORMAT_ERASED and int.from_bytes(head[1:5], "big") == version


# --- orphan sweep ----------------------------------------------------------------------------


@dataclass
class SweepResult:
    noticed: int = 0
    back: int = 0
    persons_destroyed: int = 0
    keys_destroyed: int = 0


def orphan_grace() -> dt.timedelta:
    return dt.timedelta(days=float(getattr(settings, "BASTION_ORPHAN_KEY_GRACE_DAYS", 30)))


def person_models() -> list[type[models.Model]]:
    """The models whose rows are people: an encrypted field protected by the row's own key (``person="pk"``)."""
    from bastion.kernel.crypto.rotation import encrypted_models

    return [model for model in encrypted_models() if any(field.person_attr == "pk" for field in encrypted_fields(model))]


def _existing(persons: list[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for model in person_models():
        found.update(model._base_manager.filter(pk__in=persons).values_list("pk", flat=True))
    return found


def sweep(*, batch_size: int = 2000, actor: object = None) -> SweepResult:
    """Notice people with keys but no row, and destroy the keys of those missing for the grace period."""
    result, now, last = SweepResult(), timezone.now(), None
    candidates = OrphanCandidate.objects.using(KEYSTORE_ALIAS)
    while True:
        queryset = PersonKey.objects.using(KEYSTORE_ALIAS).order_by("person").values_list("person", flat=True).distinct()
        persons = list((queryset.filter(person__gt=last) if last else queryset)[:batch_size])
        if not persons:
            break
        existing = _existing(persons)
        result.back += candidates.filter(person__in=existing).delete()[0]
        missing = [person for person in persons if person not in existing]
        known = set(candidates.filter(person__in=missing).values_list("person", flat=True))
        new = [OrphanCandidate(person=person, first_seen_at=now) for person in missing if person not in known]
        candidates.bulk_create(new, ignore_conflicts=True)
        result.noticed += len(new)
        last = persons[-1]
    _destroy_orphans(result, now - orphan_grace(), batch_size, actor)
    return result


def _destroy_orphans(result: SweepResult, before: dt.datetime, batch_size: int, actor: object) -> None:
    candidates = OrphanCandidate.objects.using(KEYSTORE_ALIAS)
    while True:
        due = list(candidates.filter(first_seen_at__lte=before).order_by("person").values_list("person", flat=True)[:batch_size])
        if not due:
            return
        existing = _existing(due)  # checked again right before
        gone = [person for person in due if person not in existing]
        if not gone:
            candidates.filter(person__in=due).delete()
            continue
        keyset = PersonKey.objects.using(KEYSTORE_ALIAS).filter(person__in=gone)
        details = {"reason": "orphan sweep", "grace_days": orphan_grace().days, "persons": len(gone), "keys": keyset.count()}
        with keyevents.key_change("KEY_DESTROYED", keyevents.PERSON_KEY, "orphans", actor=actor, details=details):
            keys, _ = keyset.delete()
            BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(person__in=gone).delete()
            ErasedPerson.objects.using(KEYSTORE_ALIAS).bulk_create(
                [ErasedPerson(person=person) for person in gone], ignore_conflicts=True
            )
            candidates.filter(person__in=due).delete()
        for person in gone:
            keyring.forget_person(person)
        result.persons_destroyed += len(gone)
        result.keys_destroyed += keys
