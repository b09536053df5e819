"""Export the log as JSON Lines that the stand-alone verifier checks with only the public key.

File layout, one JSON object per line:
- ``{"type": "header", "format": "bastion-audit-export", "version": 1, "origin", "first_sequence",
  "prev", "frontier", "key_id", "public_key"}``: ``prev`` and ``frontier`` describe the events
  before the first exported one (genesis and ``[]`` for a full export);
- ``{"type": "event", "entry": {...canonical entry...}, "leaf_hash": hex}`` per event, in order;
- ``{"type": "checkpoint", "tree_size", "root_hash", "key_id", "note", "signature"}``: a signed
  tree head of exactly the last exported event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from bastion.kernel.audit import canonical, checkpoints, merkle, reading, signing
from bastion.kernel.audit.archive import archive_is_valid
from bastion.kernel.audit.models import AuditArchive, AuditChainHead, AuditCheckpoint, AuditEvent
from bastion.kernel.audit.sealer import seal_before_reading

FORMAT = "bastion-audit-export"
CHUNK = 20_000


class ExportError(ValueError):
    """An export that cannot be made (e.g. a range that is archived or does not exist)."""


@dataclass(frozen=True)
class ExportResult:
    first_sequence: int
    last_sequence: int
    checkpoint: AuditCheckpoint


def frontier_before(sequence: int) -> tuple[list[bytes], str]:
    """The Merkle frontier and the last leaf hash of the events before ``sequence``."""
    archive = AuditArchive.objects.filter(last_sequence__lt=sequence).order_by("-last_sequence").first()
    frontier = [bytes.fromhex(h) for h in archive.frontier] if archive else []
    size, prev = (archive.last_sequence, archive.last_leaf_hash) if archive else (0, canonical.GENESIS_HASH)
    hashes = AuditEvent.objects.filter(sequence__gt=size, sequence__lt=sequence).order_by("sequence")
    for leaf in hashes.values_list("leaf_hash", flat=True).iterator(chunk_size=CHUNK):
        merkle.append(frontier, size, bytes.fromhex(leaf))
        size, prev = size + 1, leaf
    if size != sequence - 1:
        raise ExportError(f"events before {sequence} are not all in the log (archived or missing)")
    return frontier, prev


def iter_entries(first: int, last: int) -> Iterator[tuple[dict[str, Any], str]]:
    """``(entry, leaf_hash)`` of events ``first``..``last`` in order (sealed first)."""
    seal_before_reading()
    yield from reading.entries(first, last)


def _line(handle: IO[str], obj: dict[str, Any]) -> None:
    handle.write(json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")


def _checkpoint_for(size: int, root: bytes) -> AuditCheckpoint:
    existing = AuditCheckpoint.objects.filter(tree_size=size, root_hash=root.hex()).order_by("-id").first()
    return existing or checkpoints.sign_tree_head(size, root)


def write_export(handle: IO[str], *, first: int | None = None, last: int | None = None) -> ExportResult:
    """Write events ``first``..``last`` (default: all in the table) with a signed head of ``last``."""
    seal_before_reading()
    head = AuditChainHead.objects.filter(pk=1).first()
    oldest = AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True).first()
    first = first or oldest or 1
    last = last or (head.sequence if head else 0)
    if oldest is None or last < first:
        raise ExportError("there are no events in that range")
    frontier, prev = frontier_before(first)
    _line(
        handle,
        {
            "type": "header",
            "format": FORMAT,
            "version": canonical.FORMAT_VERSION,
            "origin": settings.AUDIT_ORIGIN,
            "first_sequence": first,
            "prev": prev,
            "frontier": [h.hex() for h in frontier],
            "key_id": signing.key_id(),
            "public_key": signing.public_key_pem(),
        },
    )
    size = first - 1
    for entry, leaf in iter_entries(first, last):
        _line(handle, {"type": "event", "entry": entry, "leaf_hash": leaf})
        merkle.append(frontier, size, bytes.fromhex(leaf))
        size += 1
    if size != last:
        raise ExportError(f"event {size + 1} is missing from the log; run `bastion auditlog verify`")
    checkpoint = _checkpoint_for(last, merkle.frontier_root(frontier))
    _line(
        handle,
        {
            "type": "checkpoint",
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "key_id": checkpoint.key_id,
            "note": checkpoint.note,
            "signature": checkpoint.signature,
        },
    )
    return ExportResult(first, last, checkpoint)


def inclusion_proof(sequence: int) -> dict[str, Any]:
    """A self-contained proof that event ``sequence`` is in the latest signed tree head.

    Archived events are known only by the archive row's (signed) Merkle frontier, which is all
    the path needs for the events after it; an archived event's proof comes from its archive file.
    """
    checkpoint = checkpoints.make_checkpoint() or checkpoints.latest_checkpoint()
    if checkpoint is None or not 1 <= sequence <= checkpoint.tree_size:
        raise ExportError(f"event {sequence} is not covered by a checkpoint")
    archive = AuditArchive.objects.order_by("-last_sequence").first()
    prefix_size = archive.last_sequence if archive else 0
    if sequence <= prefix_size:
        raise ExportError(f"event {sequence} is archived; prove it from its archive file's export")
    if archive is not None and not archive_is_valid(archive):
        raise ExportError(f"the archive of events {archive.first_sequence}-{archive.last_sequence} is forged")
    prefix = merkle.frontier_nodes([bytes.fromhex(h) for h in archive.frontier], prefix_size) if archive else {}
    rows = AuditEvent.objects.filter(sequence__gt=prefix_size, sequence__lte=checkpoint.tree_size).order_by("sequence")
    leaves = [bytes.fromhex(h) for h in rows.values_list("leaf_hash", flat=True).iterator(chunk_size=CHUNK)]
    if len(leaves) != checkpoint.tree_size - prefix_size:
        raise ExportError("events are missing from the log; run `bastion auditlog verify`")
    entry, _leaf = next(iter_entries(sequence, sequence))
    path = merkle.inclusion_path_after_prefix(sequence - 1, checkpoint.tree_size, prefix, prefix_size, leaves)
    return {
        "type": "inclusion-proof",
        "entry": entry,
        "leaf_index": sequence - 1,
        "tree_size": checkpoint.tree_size,
        "path": [h.hex() for h in path],
        "checkpoint": {"note": checkpoint.note, "signature": checkpoint.signature, "key_id": checkpoint.key_id},
    }
