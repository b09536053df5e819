"""``bastion auditlog verify``: recompute every hash, the chain, the tree heads and the signatures.

Reads the events in sequence order once. It names the first bad event: a missing sequence
number (a deleted row), a row whose contents no longer match its leaf hash (an altered,
moved or inserted row), a row that does not follow the previous one's hash, a tree head that
differs from a signed checkpoint (the database was rewritten consistently), or a chain head
ahead of the last row (rows deleted at the end).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bastion.kernel.audit import canonical, merkle
from bastion.kernel.audit.archive import archive_is_valid
from bastion.kernel.audit.checkpoints import checkpoint_is_valid
from bastion.kernel.audit.models import AuditArchive, AuditChainHead, AuditCheckpoint, AuditEvent
from bastion.kernel.audit.writer import ENTRY_FIELDS, entry_of

CHUNK = 20_000


@dataclass
class VerifyResult:
    """What verification found: ``first_bad`` names the first bad event (None if the log is sound)."""

    events_checked: int = 0
    tree_size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    checkpoints_checked: int = 0
    first_bad: int | None = None
    problem: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem

    def fail(self, sequence: int | None, message: str) -> VerifyResult:
        self.first_bad, self.problem = sequence, message
        return self


@dataclass
class _State:
    size: int = 0
    prev: str = canonical.GENESIS_HASH
    frontier: list[bytes] = field(default_factory=list)


def _rows() -> Iterator[tuple[Any, ...]]:
    queryset = AuditEvent.objects.order_by("sequence").values_list(*ENTRY_FIELDS, "leaf_hash")
    yield from queryset.iterator(chunk_size=CHUNK)


def _start_after_archives(result: VerifyResult) -> _State | None:
    """Where the rows in the table begin: after the last archived range (signatures checked)."""
    state = _State()
    for archive in AuditArchive.objects.order_by("last_sequence"):
        if archive.first_sequence != state.size + 1 or not archive_is_valid(archive):
            result.fail(archive.first_sequence, f"archive of events {archive.first_sequence}-{archive.last_sequence} is forged")
            return None
        state = _State(archive.last_sequence, archive.last_leaf_hash, [bytes.fromhex(h) for h in archive.frontier])
        result.notes.append(f"events 1-{archive.last_sequence} are archived (verify the archive files separately)")
    return state


def _check_row(row: tuple[Any, ...], state: _State) -> str:
    """The problem with ``row`` as the next event after ``state``, or ''."""
    values = dict(zip(ENTRY_FIELDS, row, strict=False))
    sequence, expected = values["sequence"], state.size + 1
    if sequence != expected:
        missing = f"{expected}" if sequence == expected + 1 else f"{expected}-{sequence - 1}"
        return f"event {missing} is missing: deleted from the log"
    leaf = merkle.leaf_hash(canonical.encode(entry_of(values)))
    if leaf.hex() != row[-1]:
        return f"event {sequence} does not match its hash: altered, moved or inserted"
    if values["prev_hash"] != state.prev:
        return f"event {sequence} does not follow event {sequence - 1}: the chain is broken (inserted or reordered)"
    merkle.append(state.frontier, state.size, leaf)
    state.size, state.prev = sequence, row[-1]
    return ""


def verify_log() -> VerifyResult:
    """Verify the whole log; stop at the first problem and name its event."""
    result = VerifyResult()
    state = _start_after_archives(result)
    if state is None:
        return result
    pending = list(AuditCheckpoint.objects.order_by("tree_size", "id"))
    for checkpoint in pending:
        if not checkpoint_is_valid(checkpoint):
            return result.fail(None, f"checkpoint #{checkpoint.pk} ({checkpoint.tree_size} events) has a bad signature")
    pending = [c for c in pending if c.tree_size > state.size]
    for row in _rows():
        problem = _check_row(row, state)
        if problem:
            return result.fail(state.size + 1, problem)
        result.events_checked += 1
        while pending and pending[0].tree_size == state.size:
            checkpoint = pending.pop(0)
            if merkle.frontier_root(state.frontier).hex() != checkpoint.root_hash:
                message = f"the first {state.size} events differ from signed checkpoint #{checkpoint.pk}: the log was rewritten"
                return result.fail(state.size, message)
            result.checkpoints_checked += 1
    result.tree_size, result.root = state.size, merkle.frontier_root(state.frontier)
    return _check_head(result, state, pending)


def _check_head(result: VerifyResult, state: _State, pending: list[AuditCheckpoint]) -> VerifyResult:
    head = AuditChainHead.objects.filter(pk=1).first()
    head_size = head.sequence if head else 0
    if head_size > state.size or pending:
        size = max(head_size, pending[-1].tree_size if pending else 0)
        return result.fail(state.size + 1, f"event {state.size + 1} is missing: the log was signed or chained up to {size}")
    head_frontier = [bytes.fromhex(item) for item in head.frontier] if head is not None else state.frontier
    if head is not None and (head.leaf_hash != state.prev or head.sequence != state.size or head_frontier != state.frontier):
        return result.fail(state.size, "the chain head does not match the last event")
    return result
