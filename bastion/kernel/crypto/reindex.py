"""Blind-index key rotation: a new key version and an online, resumable rebuild (docs/adr/0023).

``bastion keys rotate-index`` for a scope:

1. makes key version N+1 (its ``bits`` planned again from the current population setting),
   audited as ``key.rotated``, and a checkpoint in the key store; from then on every write
   maintains entries under both versions and every search asks both (blind.py);
2. waits a grace period (longer than the processes' cache of key versions), so that every
   write after it maintains both versions;
3. re-reads the scope's source field in primary-key batches, decrypting each value and adding
   its entry under the new version; the checkpoint records the last primary key of each batch,
   so a killed run resumes there (a batch done twice only re-adds entries, ignored);
4. destroys the old versions' keys and entries, audited as ``key.destroyed``.

Searches keep working throughout: an entry under the old version exists for every value
until step 4, and by then every value has one under the new version.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bastion.kernel.crypto import blind, keyevents, keyring
from bastion.kernel.crypto.fields import encrypted_fields, is_erased, preload_keys
from bastion.kernel.crypto.models import BlindIndexEntry, Checkpoint, ServiceKey
from bastion.kernel.crypto.router import KEYSTORE_ALIAS

JOB = "blind-rebuild"
Progress = Callable[[str, int, int], None]


def grace_seconds() -> float:
    default = 2 * blind.VERSIONS_CACHE_SECONDS + 5
    return float(getattr(settings, "BASTION_BLIND_INDEX_REBUILD_GRACE_SECONDS", default))


@dataclass
class Rebuild:
    scope: str
    version: int
    rows: int = 0
    entries_destroyed: int = 0
    done: bool = False


def in_progress() -> list[tuple[str, int, str]]:
    """``(scope, new version, last primary key)`` of every rebuild not finished."""
    rows = Checkpoint.objects.using(KEYSTORE_ALIAS).filter(job=JOB).order_by("target")
    return [(row.target, row.version, row.last_pk) for row in rows]


def start(scope: str, *, actor: object = None) -> Checkpoint:
    """Make the next key version of ``scope`` and the rebuild's checkpoint, or return the unfinished one."""
    blind.source(scope)  # refuse a scope nobody can rebuild
    existing = Checkpoint.objects.using(KEYSTORE_ALIAS).filter(job=JOB, target=scope).first()
    if existing is not None:
        return existing
    blind.index_value(scope, "")  # version 1 exists from here on (made on first use)
    old = max(blind.versions(scope, fresh=True))
    bits = blind.bits_for()
    extra = {"scope": scope, "from_version": old, "to_version": old + 1, "bits": bits}
    with keyevents.key_change("KEY_ROTATED", keyevents.BLIND_INDEX_KEY, f"{scope}@v{old + 1}", actor=actor, details=extra):
        keyring.new_service_key(blind.purpose(scope, old + 1), bits=bits)
        checkpoint = Checkpoint.objects.using(KEYSTORE_ALIAS).create(job=JOB, target=scope, version=old + 1)
    blind.forget_versions()
    return checkpoint


def rotate(
    scope: str,
    *,
    batch_size: int = 1000,
    actor: object = None,
    progress: Progress | None = None,
    max_batches: int | None = None,
    wait: Callable[[float], None] = time.sleep,
) -> Rebuild:
    """Start (or resume) and finish the rotation of ``scope``'s key; ``max_batches`` stops early (a partial run)."""
    checkpoint = start(scope, actor=actor)
    made = ServiceKey.objects.using(KEYSTORE_ALIAS).get(purpose=blind.purpose(scope, checkpoint.version)).created_at
    remaining = grace_seconds() - (timezone.now() - made).total_seconds()
    if remaining > 0:
        wait(remaining)  # every process now writes under both versions
    result = Rebuild(scope, checkpoint.version)
    if _rebuild(scope, checkpoint, batch_size, progress, max_batches, result):
        _finish(scope, checkpoint, actor, result)
    return result


def _rebuild(
    scope: str, checkpoint: Checkpoint, batch_size: int, progress: Progress | None, max_batches: int | None, result: Rebuild
) -> bool:
    """Add entries under the new version batch by batch; True when every row was done."""
    origin = blind.source(scope)
    model = apps.get_model(origin.model)
    field = next(field for field in encrypted_fields(model) if field.name == origin.field)
    columns = {"pk", field.attname, *([] if field.person_attr == "pk" else [field.person_attr])}
    total = model._base_manager.count()
    batches = 0
    while max_batches is None or batches < max_batches:
        queryset = model._base_manager.order_by("pk").only(*columns)
        if checkpoint.last_pk:
            queryset = queryset.filter(pk__gt=model._meta.pk.to_python(checkpoint.last_pk))
        rows = list(queryset[:batch_size])
        if not rows:
            return True
        preload_keys(rows)
        pairs = []
        for row in rows:
            value = getattr(row, field.attname)
            if value and not is_erased(value):
                pairs.append((field.person_of(row), origin.normalize(str(value))))
        _add_under(scope, checkpoint.version, pairs)
        checkpoint.last_pk = str(rows[-1].pk)
        checkpoint.save(using=KEYSTORE_ALIAS, update_fields=["last_pk", "updated_at"])
        result.rows += len(rows)
        batches += 1
        if progress:
            progress(scope, result.rows, total)
    return False


def _add_under(scope: str, version: int, pairs: list[tuple[uuid.UUID, str]]) -> None:
    from bastion.kernel.crypto.store import insert_ignoring_conflicts

    key, bits = keyring.service_key(blind.purpose(scope, version), create=False)
    entry, bits = blind.entry_scope(scope, version), int(bits or blind.bits_for())
    rows = [(entry, blind._index(key, bits, value), person) for person, value in pairs if value]
    insert_ignoring_conflicts(BlindIndexEntry, ["scope", "value", "person"], rows)


def _finish(scope: str, checkpoint: Checkpoint, actor: object, result: Rebuild) -> None:
    """Destroy the versions older than the rebuilt one (keys and entries) and the checkpoint."""
    old = [version for version in blind.versions(scope, fresh=True) if version < checkpoint.version]
    target = f"{scope}@v{','.join(str(version) for version in old)}"
    stale = Q(scope=scope) | Q(scope__startswith=f"{scope}@v")
    stale_entries = BlindIndexEntry.objects.using(KEYSTORE_ALIAS).filter(
        stale & ~Q(scope=blind.entry_scope(scope, checkpoint.version))
    )
    details = {
        "scope": scope, "reason": "blind index rebuilt", "versions": old, "current_version": checkpoint.version,
        "keys": len(old), "entries": stale_entries.count(),
    }  # fmt: skip
    with keyevents.key_change("KEY_DESTROYED", keyevents.BLIND_INDEX_KEY, target, actor=actor, details=details):
        ServiceKey.objects.using(KEYSTORE_ALIAS).filter(purpose__in=[blind.purpose(scope, v) for v in old]).delete()
        entries, _ = stale_entries.delete()
        Checkpoint.objects.using(KEYSTORE_ALIAS).filter(pk=checkpoint.pk).delete()
    keyring.forget_service_keys()
    blind.forget_versions()
    result.entries_destroyed, result.done = entries, True
