"""Signed tree heads (checkpoints), made on a schedule (huey) and on demand (``bastion auditlog checkpoint``).

The signed note follows the shape of C2SP ``tlog-checkpoint``: origin, tree size (decimal),
base64 root hash, then the UTC time, one per line. Checkpoints are stored in an append-only
table; copies sent elsewhere (the SIEM, an auditor) are what make rewriting the whole
database detectable.
"""

from __future__ import annotations

import base64
import datetime as dt

from django.conf import settings
from django.db import transaction

from bastion.kernel.audit import canonical, merkle, signing
from bastion.kernel.audit.models import AuditChainHead, AuditCheckpoint
from bastion.kernel.audit.sealer import seal_pending


def note_text(origin: str, tree_size: int, root: bytes, when: dt.datetime) -> str:
    return f"{origin}\n{tree_size}\n{base64.b64encode(root).decode('ascii')}\n{canonical.format_timestamp(when)}\n"


def sign_tree_head(tree_size: int, root: bytes, *, when: dt.datetime | None = None) -> AuditCheckpoint:
    """Sign and store the head ``root`` of the first ``tree_size`` events."""
    when = when or dt.datetime.now(dt.UTC)
    note = note_text(settings.AUDIT_ORIGIN, tree_size, root, when)
    return AuditCheckpoint.objects.create(
        tree_size=tree_size,
        root_hash=root.hex(),
        created_at=when,
        key_id=signing.key_id(),
        note=note,
        signature=signing.sign(note.encode("utf-8")),
    )


def make_checkpoint(*, force: bool = False) -> AuditCheckpoint | None:
    """Sign the current tree head; without ``force``, only if events were added since the last one."""
    signing.private_key()  # load (or create, in development) the key before locking the head
    with transaction.atomic():
        seal_pending(wait=True)  # the head then covers every event committed so far
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        size = head.sequence if head else 0
        latest = latest_checkpoint()
        if not force and latest is not None and latest.tree_size == size:
            return None
        frontier = [bytes.fromhex(item) for item in (head.frontier if head else [])]
        return sign_tree_head(size, merkle.frontier_root(frontier))


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-tree_size", "-id").first()


def checkpoint_is_valid(checkpoint: AuditCheckpoint) -> bool:
    """The signature verifies with the configured key and the note says what the row says."""
    origin = checkpoint.note.split("\n", 1)[0]
    expected = note_text(origin, checkpoint.tree_size, bytes.fromhex(checkpoint.root_hash), checkpoint.created_at)
    return checkpoint.note == expected and signing.verify(checkpoint.note.encode("utf-8"), checkpoint.signature)
