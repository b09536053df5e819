"""The key store's tables (database alias ``keys``): never in the main database.

A copy of the main database therefore holds ciphertext only: without the key store and the root
key it yields nothing, and shredding a person's key here makes every copy of their data
unreadable, backups included.
"""

from __future__ import annotations

from django.db import models

from bastion.kernel.crypto.classification import classify

# Wrapped keys are ciphertext under the root key by construction (restricted, sealed by the keyring).
_KEY_META = ["id", "root_version", "created_at", "rewrapped_at"]


class PersonKey(models.Model):
    """One data key (DEK) of one person, wrapped by a root key; a person has one per key version.

    ``version`` is the root key version that was current when the key was made: field
    ciphertexts name it, and ``bastion keys reencrypt`` moves data to the current one.
    ``root_version`` is the root key that wraps it now (``bastion keys rotate`` rewraps).
    """

    person = models.UUIDField()
    version = models.PositiveIntegerField()
    root_version = models.PositiveIntegerField()
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True)

    data_classification = classify(internal=[*_KEY_META, "person", "version"], restricted=["wrapped"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "version"], name="keystore_person_key_version")]
        indexes = [models.Index(fields=["root_version"], name="keystore_person_key_root")]

    def __str__(self) -> str:
        return f"data key v{self.version} of {self.person}"


class ServiceKey(models.Model):
    """A key the application uses for itself (a blind-index key per scope, the app-secrets key), wrapped.

    ``bits`` is the truncation of a blind index, fixed when its key is made (changing it needs a
    re-index), so that a changed setting can never silently break searches.
    """

    purpose = models.CharField(max_length=120, unique=True)
    root_version = models.PositiveIntegerField()
    wrapped = models.BinaryField()
    bits = models.PositiveSmallIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True)

    data_classification = classify(internal=[*_KEY_META, "purpose", "bits"], restricted=["wrapped"])

    def __str__(self) -> str:
        return self.purpose


class BlindIndexEntry(models.Model):
    """One truncated keyed hash of one person's normalised value (e.g. an email address).

    Kept here rather than beside the ciphertext so that shredding a person deletes them for
    every copy of the main database too: a deterministic index that outlived the key would
    still let anyone with the index key confirm a guessed value.
    """

    scope = models.CharField(max_length=100)
    value = models.BigIntegerField()
    person = models.UUIDField()

    data_classification = classify(internal=["id", "scope", "person"], confidential=["value"])

    class Meta:
        # Unique by (person, scope, value): an index that time-ordered person ids (ADR 0057) fill at
        # its end, and that serves "this person's entries". Searches go by the value, a keyed hash,
        # so new entries land on random pages of the index that searches use. That index holds the
        # value alone, a few bytes an entry, so a batch of new entries dirties fewer of its pages
        # (ADR 0059). A search reads the rows of its value in every scope and keeps its own scope's
        # (ADR 0018's expected coincidences per scope, about four at a million people). Only a
        # finished rebuild's clean-up asks for a scope alone, once.
        constraints = [models.UniqueConstraint(fields=["person", "scope", "value"], name="keystore_blind_person_unique")]
        indexes = [models.Index(fields=["value"], name="keystore_blind_value")]

    def __str__(self) -> str:
        return f"{self.scope} entry of {self.person}"


class ErasedPerson(models.Model):
    """A tombstone: this person's data keys were destroyed (crypto-shredded) at ``erased_at``.

    It tells "erased on purpose" (shown as "erased") apart from "key missing" (an error).
    """

    person = models.UUIDField(unique=True)
    erased_at = models.DateTimeField(auto_now_add=True)

    data_classification = classify(internal=["id", "person", "erased_at"])

    def __str__(self) -> str:
        return f"{self.person} erased"


class Checkpoint(models.Model):
    """Where a resumable key job (``bastion keys reencrypt``) got to, per table."""

    job = models.CharField(max_length=40)
    target = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    last_pk = models.CharField(max_length=64, default="")
    done = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    data_classification = classify(internal=["id", "job", "target", "version", "last_pk", "done", "updated_at"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "target"], name="keystore_checkpoint_target")]

    def __str__(self) -> str:
        return f"{self.job} {self.target} @ {self.last_pk}"


class RetiredVersion(models.Model):
    """A data-key version being retired by ``bastion keys retire`` (docs/adr/0022).

    From ``started_at`` no process makes or uses a write key of this version; once the grace
    period has passed and no ciphertext uses it, its keys are destroyed and ``destroyed_at`` set.
    """

    version = models.PositiveIntegerField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True)
    keys_destroyed = models.PositiveIntegerField(default=0)

    data_classification = classify(internal=["id", "version", "started_at", "destroyed_at", "keys_destroyed"])

    def __str__(self) -> str:
        return f"data key v{self.version} retiring"


class OrphanCandidate(models.Model):
    """A person with data keys but no row, first noticed by the orphan sweep at ``first_seen_at``.

    Their keys are destroyed when they are still missing a grace period later; a person whose
    row is back (a restore) is taken off the list. See ``bastion keys sweep`` (docs/adr/0022).
    """

    person = models.UUIDField(unique=True)
    first_seen_at = models.DateTimeField()

    data_classification = classify(internal=["id", "person", "first_seen_at"])

    def __str__(self) -> str:
        return f"{self.person} without a row since {self.first_seen_at}"
