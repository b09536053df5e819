"""Key operations behind ``bastion keys``: status, rotate (rewrap), reencrypt (move data to current keys).

``reencrypt`` walks every model with encrypted fields in primary-key order, in batches. Each
batch is one transaction on the main database that locks its rows (``SELECT ... FOR UPDATE``;
SQLite serialises writers anyway), re-encrypts the values not yet under the current key version
and commits; the batch's last primary key is then saved as a checkpoint in the key store. A run
killed at any point (even SIGKILL) resumes from its checkpoint and redoes at most one batch,
which is harmless because values already current are skipped. Servers keep running meanwhile:
a value a server writes during the run is under the current key, or (for a server that has not
yet seen the rotation) under a still-valid older one that the next run moves.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, router, transaction
from django.db.models import Count
from django.db.models.functions import Substr
from django.utils.module_loading import import_string

from bastion.kernel.crypto import envelope, keyevents, keyring
from bastion.kernel.crypto.errors import CryptoError
from bastion.kernel.crypto.fields import EncryptedMixin, Sealed, encrypted_fields, is_erased
from bastion.kernel.crypto.models import Checkpoint, ErasedPerson, OrphanCandidate, PersonKey, RetiredVersion, ServiceKey
from bastion.kernel.crypto.provider import get_provider
from bastion.kernel.crypto.router import KEYSTORE_ALIAS

JOB = "reencrypt"
Progress = Callable[[str, int, int, int], None]


def encrypted_models() -> list[type[models.Model]]:
    """Every installed model with at least one encrypted field, by label."""
    return sorted((model for model in apps.get_models() if encrypted_fields(model)), key=lambda model: model._meta.label)


# --- status ------------------------------------------------------------------------------


@dataclass
class Status:
    provider: str
    current_version: int
    root_versions: list[tuple[int, dt.datetime | None]]
    person_keys_by_root: dict[int, int]
    person_keys_by_version: dict[int, int]
    persons: int
    erased_persons: int
    service_keys: list[tuple[str, int, int | None]]
    ciphertexts: dict[str, dict[str, int]] = field(default_factory=dict)
    retiring: list[tuple[int, dt.datetime, dt.datetime | None, int]] = field(default_factory=list)
    orphan_candidates: int = 0


def _ciphertext_versions(model: type[models.Model], enc: EncryptedMixin) -> dict[str, int]:
    """How many values of one field are under each key version (``erased`` for shredded ones, ``empty`` for empty ones)."""
    counts: dict[str, int] = {}
    rows = model._base_manager.values(head=Substr(enc.name, 1, 5)).annotate(n=Count("pk")).order_by()
    for row in rows:
        head = bytes(row["head"] or b"")
        if head == envelope.EMPTY_MARKER:
            counts["empty"] = counts.get("empty", 0) + int(row["n"])
            continue
        fmt, version = envelope.header(head + bytes(28)) if len(head) == 5 else (envelope.FORMAT_ERASED, 0)
        label = (
            "erased"
            if fmt == envelope.FORMAT_ERASED
            else f"v{version}" + ("" if fmt == envelope.CURRENT_FORMAT else f"/format {fmt}")
        )
        counts[label] = counts.get(label, 0) + int(row["n"])
    return counts


def status() -> Status:
    """Root key versions and ages, data keys per version, ciphertexts per key version per field."""
    provider = get_provider()
    store = PersonKey.objects.using(KEYSTORE_ALIAS)
    result = Status(
        provider=provider.name,
        current_version=provider.current_version(),
        root_versions=[(info.version, info.created_at) for info in provider.versions()],
        person_keys_by_root=dict(store.values_list("root_version").annotate(n=Count("id")).order_by()),
        person_keys_by_version=dict(store.values_list("version").annotate(n=Count("id")).order_by()),
        persons=store.values("person").distinct().count(),
        erased_persons=ErasedPerson.objects.using(KEYSTORE_ALIAS).count(),
        service_keys=list(
            ServiceKey.objects.using(KEYSTORE_ALIAS).order_by("purpose").values_list("purpose", "root_version", "bits")
        ),
    )
    result.retiring = list(
        RetiredVersion.objects.using(KEYSTORE_ALIAS)
        .order_by("version")
        .values_list("version", "started_at", "destroyed_at", "keys_destroyed")
    )
    result.orphan_candidates = OrphanCandidate.objects.using(KEYSTORE_ALIAS).count()
    for model in encrypted_models():
        for enc in encrypted_fields(model):
            result.ciphertexts[f"{model._meta.label}.{enc.name}"] = _ciphertext_versions(model, enc)
    return result


# --- rotate --------------------------------------------------------------------------------


def rotate(*, new_version: bool = True, actor: Any = None) -> tuple[int, int]:
    """Make a new root key version (unless ``new_version`` is False) and rewrap every key under it.

    Returns ``(current version, keys rewrapped)``. Field data is not touched. Audited as
    ``key.rotated``, recorded before the change (keyevents.py); the rewrap is resumable, so a
    run that failed after its event is completed by ``bastion keys rotate --rewrap-only``.
    """
    provider = get_provider()
    current = provider.current_version()
    if new_version and not getattr(provider, "can_create_versions", True):
        provider.create_version()  # raises, saying how to add a version to this provider
    planned = current + 1 if new_version else current
    keyevents.announce(
        "KEY_ROTATED", keyevents.ROOT_KEY, str(planned), actor=actor, provider=provider.name,
        from_version=current, to_version=planned, new_version=new_version,
    )  # fmt: skip
    version = provider.create_version() if new_version else current
    if version != planned:
        raise CryptoError(
            f"root key version {version} was made where {planned} was expected (another rotation ran at the same time); "
            "run `bastion keys rotate --rewrap-only` to finish, and check the audit trail"
        )
    return version, keyring.rewrap()


def create_root_key(path: Any, *, actor: Any = None) -> bool:
    """Create the root key file at ``path`` if it does not exist (``bastion keys init``); True if made.

    Audited as ``key.created``, recorded first. On a database not migrated yet there is no audit
    trail to write to: the key is made anyway and the caller is told (returns True all the same).
    """
    from django.db import DatabaseError

    from bastion.kernel.crypto.provider import FileKeyProvider

    if path.exists():
        return False
    try:
        keyevents.announce("KEY_CREATED", keyevents.ROOT_KEY, "1", actor=actor, provider="file", version=1)
    except DatabaseError as exc:
        FileKeyProvider(path, create=True)
        raise AuditUnavailable(f"the root key file {path} was created, but the audit trail is not available: {exc}") from exc
    FileKeyProvider(path, create=True)
    return True


class AuditUnavailable(CryptoError):
    """The key change was made, but the database has no audit trail yet (not migrated)."""


# --- reencrypt -----------------------------------------------------------------------------


def _checkpoint(label: str, current: int) -> Checkpoint:
    checkpoint, _created = Checkpoint.objects.using(KEYSTORE_ALIAS).get_or_create(
        job=JOB, target=label, defaults={"version": current}
    )
    if checkpoint.version != current:  # a rotation happened since: start this table again
        checkpoint.version, checkpoint.last_pk, checkpoint.done = current, "", False
        checkpoint.save(using=KEYSTORE_ALIAS)
    return checkpoint


def _refreshed(row: models.Model, fields: list[EncryptedMixin], current: int) -> dict[str, Sealed]:
    """New sealed values for the fields of ``row`` not yet under ``current`` (erased values stay erased)."""
    updates: dict[str, Sealed] = {}
    for enc in fields:
        sealed = row.__dict__.get(enc.attname)
        if not isinstance(sealed, Sealed) or not envelope.needs_reencrypt(bytes(sealed), current):
            continue
        value = enc.open_value(row, sealed)
        updates[enc.name] = Sealed(envelope.ERASED_MARKER) if is_erased(value) else enc.seal_value(row, value)
    return updates


def _batch(model: type[models.Model], fields: list[EncryptedMixin], after: str, current: int, size: int) -> tuple[list[Any], int]:
    """Re-encrypt one batch after primary key ``after``; returns (rows seen, rows changed)."""
    manager = model._base_manager
    columns = {"pk", *(enc.attname for enc in fields), *(enc.person_attr for enc in fields if enc.person_attr != "pk")}
    with transaction.atomic(using=router.db_for_write(model)):
        queryset = manager.select_for_update().order_by("pk").only(*columns)
        if after:
            queryset = queryset.filter(pk__gt=model._meta.pk.to_python(after))
        rows = list(queryset[:size])
        stale = [row for row in rows if any(_needs(row, enc, current) for enc in fields)]
        keyring.ensure_keys({enc.person_of(row) for row in stale for enc in fields}, current)
        changed = 0
        for row in stale:
            updates = _refreshed(row, fields, current)
            if updates:
                changed += manager.filter(pk=row.pk).update(**updates)
    return rows, changed


def _needs(row: models.Model, enc: EncryptedMixin, current: int) -> bool:
    sealed = row.__dict__.get(enc.attname)
    return isinstance(sealed, Sealed) and envelope.needs_reencrypt(bytes(sealed), current)


def reencrypt_model(model: type[models.Model], current: int, *, batch_size: int, progress: Progress | None, pause: float) -> int:
    """Move every encrypted value of ``model`` to key version ``current``; resumable. Returns values changed."""
    label = model._meta.label
    checkpoint = _checkpoint(label, current)
    if checkpoint.done:
        return 0
    fields = encrypted_fields(model)
    total = model._base_manager.count()
    seen = model._base_manager.filter(pk__lte=checkpoint.last_pk).count() if checkpoint.last_pk else 0
    changed = 0
    while True:
        rows, batch_changed = _batch(model, fields, checkpoint.last_pk, current, batch_size)
        if not rows:
            break
        changed += batch_changed
        seen += len(rows)
        checkpoint.last_pk = str(rows[-1].pk)
        checkpoint.save(using=KEYSTORE_ALIAS, update_fields=["last_pk", "updated_at"])
        if progress:
            progress(label, min(seen, total), max(total, seen), changed)
        if pause:
            time.sleep(pause)
    checkpoint.done = True
    checkpoint.save(using=KEYSTORE_ALIAS, update_fields=["done", "updated_at"])
    return changed


def reencrypt(*, batch_size: int = 500, progress: Progress | None = None, pause: float = 0.0) -> dict[str, int]:
    """Move all field data (and the app's sealed secrets) to the current keys; returns changes per target.

    When every target is done the checkpoints are cleared, so the next run scans everything again
    (cheaply: values already current are only read).
    """
    current = get_provider().current_version()
    report: dict[str, int] = {}
    for model in encrypted_models():
        report[model._meta.label] = reencrypt_model(model, current, batch_size=batch_size, progress=progress, pause=pause)
    for path in getattr(settings, "BASTION_REENCRYPT_TARGETS", []):
        target: Callable[[int], int] = import_string(path)
        report[path] = target(current)
    Checkpoint.objects.using(KEYSTORE_ALIAS).filter(job=JOB).delete()
    return report
