"""Audit tables: the inbox, the chained events, the chain head, signed checkpoints and archived ranges.

No foreign keys: deleting a user or a record must never delete (or null out) its history, so
actors and targets are stored as ids plus a pseudonymous snapshot. ``record_event`` writes to
the insert-only inbox in the caller's transaction; the sealer (``sealer.py``, docs/adr/0024)
moves inbox rows into the hash chain in batches. Events, checkpoints and archives are
append-only in the database (triggers, see ``triggers.py``); an inbox row can be deleted only
once an identical sealed copy exists; the chain head is the one row that changes, under a
lock, on every seal.
"""

from __future__ import annotations

from django.db import models

from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.crypto.classification import classify

_CONTENT_CLASSES: dict[str, list[str]] = {
    "internal": ["timestamp", "kind", "outcome", "actor_id", "on_behalf_of_id", "request_id", "target_type", "target_id",
                 "target_snapshot"],
    "confidential": ["actor_snapshot", "client_ip", "user_agent", "changes", "extra"],
}  # fmt: skip


class AuditEventManager(models.Manager["AuditEvent"]):
    """Every read of the log first seals what is waiting in the inbox, so no reader misses an event."""

    def get_queryset(self) -> models.QuerySet[AuditEvent]:
        from bastion.kernel.audit.sealer import seal_before_reading

        seal_before_reading()
        return super().get_queryset()


class AuditInbox(models.Model):
    """An event recorded but not sealed yet: the content of an ``AuditEvent`` without its place in the chain.

    ``record_event`` inserts one row in the transaction of the change (no lock); the sealer copies
    rows in id order into ``AuditEvent`` and deletes them. ``recorded_at`` is the real time of the
    insert (``timestamp`` may be given by the caller), used to report rows left unsealed too long.
    """

    id = models.BigAutoField(primary_key=True)
    recorded_at = models.DateTimeField()
    timestamp = models.DateTimeField()
    kind = models.PositiveIntegerField()  # no choices: a new kind must not need a migration of the inbox
    outcome = models.CharField(max_length=16)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_snapshot = models.JSONField(default=dict, blank=True)
    on_behalf_of_id = models.BigIntegerField(null=True, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_snapshot = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    data_classification = classify(
        internal=["id", "recorded_at", *_CONTENT_CLASSES["internal"]], confidential=_CONTENT_CLASSES["confidential"]
    )

    def __str__(self) -> str:
        return f"unsealed audit event #{self.id}"


class AuditEvent(models.Model):
    """One audited event; ``sequence`` is its 1-based position in the log (leaf ``sequence - 1``).

    ``leaf_hash`` is SHA-256(0x00 || canonical entry) and the entry includes ``prev_hash``
    (the previous event's leaf hash), so the rows form a hash chain and the leaves of an
    RFC 6962 Merkle tree at once.
    """

    sequence = models.BigIntegerField(primary_key=True)
    timestamp = models.DateTimeField(db_index=True)
    kind = models.PositiveIntegerField(choices=EventKind.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_snapshot = models.JSONField(default=dict, blank=True)
    on_behalf_of_id = models.BigIntegerField(null=True, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_snapshot = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    leaf_hash = models.CharField(max_length=64)
    # The inbox row this event was sealed from (None for events written before the inbox
    # existed); unique, so an inbox row is sealed at most once. Not part of the hashed entry.
    inbox_id = models.BigIntegerField(null=True, blank=True, unique=True)

    # Restricted values never enter the log (they are redacted to {"changed": true}); the
    # actor's username and network address are personal data of staff: confidential.
    data_classification = classify(
        internal=["sequence", "prev_hash", "leaf_hash", "inbox_id", *_CONTENT_CLASSES["internal"]],
        confidential=_CONTENT_CLASSES["confidential"],
    )

    objects = AuditEventManager()
    # Django's own lookups (deletion, related objects) go through a plain manager.
    plain = models.Manager["AuditEvent"]()

    class Meta:
        base_manager_name = "plain"
        indexes = [
            models.Index(fields=["target_type", "target_id", "sequence"], name="audit_target_idx"),
            models.Index(fields=["actor_id", "sequence"], name="audit_actor_idx"),
            models.Index(fields=["kind", "sequence"], name="audit_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"audit event {self.sequence}"


class AuditChainHead(models.Model):
    """The single row (id 1) holding the last sequence, its leaf hash and the Merkle frontier.

    Appends lock it (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions
    serialise writers anyway), so concurrent app processes take numbers one after another.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    leaf_hash = models.CharField(max_length=64, default="0" * 64)
    frontier = models.JSONField(default=list, blank=True)

    data_classification = classify(internal=["id", "sequence", "leaf_hash", "frontier"])

    def __str__(self) -> str:
        return f"audit chain head at {self.sequence}"


class AuditCheckpoint(models.Model):
    """A signed tree head: ``note`` (origin, size, base64 root, time) signed with the audit key (Ed25519)."""

    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    note = models.TextField()
    signature = models.CharField(max_length=128)

    data_classification = classify(internal=["id", "tree_size", "root_hash", "created_at", "key_id", "note", "signature"])

    class Meta:
        indexes = [models.Index(fields=["tree_size"], name="audit_checkpoint_size_idx")]

    def __str__(self) -> str:
        return f"checkpoint of {self.tree_size} events"


class AuditArchive(models.Model):
    """A range of events exported to a signed file before removal; its existence allows the delete.

    ``frontier`` and ``last_leaf_hash`` let verification continue after the removed range; the
    signature (audit key) covers the range, the file digest and both, so a forged row is caught.
    """

    first_sequence = models.BigIntegerField()
    last_sequence = models.BigIntegerField(unique=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    frontier = models.JSONField(default=list)
    last_leaf_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)

    data_classification = classify(
        internal=["id", "first_sequence", "last_sequence", "file_name", "file_sha256", "frontier", "last_leaf_hash",
                  "created_at", "key_id", "signature"]
    )  # fmt: skip

    def __str__(self) -> str:
        return f"archive of events {self.first_sequence}-{self.last_sequence}"


class AuditShipment(models.Model):
    """Events ``first_sequence``..``last_sequence`` were sent to the syslog receiver ``destination``.

    Written by the periodic forwarder after each chunk it sent (append-only), so a restart
    resumes after the last shipped event: at least once, never a silent gap.
    """

    destination = models.CharField(max_length=255)  # scheme://host:port, nothing else of the URL
    first_sequence = models.BigIntegerField()
    last_sequence = models.BigIntegerField()
    shipped_at = models.DateTimeField()

    data_classification = classify(internal=["id", "destination", "first_sequence", "last_sequence", "shipped_at"])

    class Meta:
        indexes = [models.Index(fields=["destination", "last_sequence"], name="audit_shipment_dest_idx")]

    def __str__(self) -> str:
        return f"events {self.first_sequence}-{self.last_sequence} shipped to {self.destination}"
