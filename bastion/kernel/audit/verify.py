"""``bastion auditlog verify``: recompute every hash, the chain, the tree heads and the signatures.

Reads the events in sequence order once. It names the first bad event: a missing sequence
number (a deleted row), a row whose contents no longer match its leaf hash (an altered,
moved or inserted row), a row that does not follow the previous one's hash, a tree head that
differs from a signed checkpoint (the database was rewritten consistently), or a chain head
ahead of the last row (rows deleted at the end).
"""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from bastion.kernel.audit import canonical, merkle, verify_ranges
from bastion.kernel.audit.archive import archive_is_valid
from bastion.kernel.audit.checkpoints import checkpoint_is_valid
from bastion.kernel.audit.models import AuditArchive, AuditChainHead, AuditCheckpoint
from bastion.kernel.audit.sealer import seal_before_reading, unsealed_too_long


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


def _last_sequence(after: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(sequence) FROM kernel_auditevent WHERE sequence > %s", [after])
        row = cursor.fetchone()
    return after if row is None or row[0] is None else int(row[0])


def _check_rows(state: _State, pending: list[AuditCheckpoint], result: VerifyResult, workers: int) -> VerifyResult | None:
    """Check every row after ``state``: the failed result at the first problem, else None.

    The rows are checked in ranges (``verify_ranges``; in parallel processes for a large log
    when ``workers`` > 1); their leaves are then folded into the Merkle frontier in order and
    compared with each signed checkpoint on the way, so the first problem in sequence order is
    the one reported.
    """
    last = _last_sequence(state.size)
    parts = workers if last - state.size >= settings.AUDIT_VERIFY_PARALLEL_FROM else 1
    with closing(verify_ranges.check_ranges(state.size, last, state.prev, workers=parts)) as checks:
        frontier, size, append = state.frontier, state.size, merkle.append
        next_check = pending[0].tree_size if pending else -1
        for check in checks:
            leaves = check.leaves
            for offset in range(0, len(leaves), verify_ranges.LEAF):
                append(frontier, size, leaves[offset : offset + verify_ranges.LEAF])
                size += 1
                if size == next_check:
                    if _check_checkpoints(frontier, size, pending, result) is not None:
                        result.events_checked = size - state.size
                        return result
                    next_check = pending[0].tree_size if pending else -1
            result.events_checked = size - state.size
            if check.problem is not None:
                return result.fail(*check.problem)
            if leaves:
                state.prev = leaves[-verify_ranges.LEAF :].hex()
    state.size = size
    return None


def _check_checkpoints(
    frontier: list[bytes], size: int, pending: list[AuditCheckpoint], result: VerifyResult
) -> VerifyResult | None:
    root = merkle.frontier_root(frontier).hex()
    while pending and pending[0].tree_size == size:
        checkpoint = pending.pop(0)
        if root != checkpoint.root_hash:
            message = f"the first {size} events differ from signed checkpoint #{checkpoint.pk}: the log was rewritten"
            return result.fail(size, message)
        result.checkpoints_checked += 1
    return None


def verify_log(*, now: dt.datetime | None = None, workers: int = 1) -> VerifyResult:
    """Verify the whole log; stop at the first problem and name its event.

    ``workers`` > 1 checks a log of at least ``AUDIT_VERIFY_PARALLEL_FROM`` rows in that many
    forked processes (``verify_ranges``); the result is the same as with one.

    Events waiting in the inbox longer than ``AUDIT_MAX_UNSEALED_SECONDS`` are a failure too
    (the sealer is not running); the inbox is sealed first, so nothing committed is missed.
    """
    result = VerifyResult()
    stale = unsealed_too_long(dt.timedelta(seconds=settings.AUDIT_MAX_UNSEALED_SECONDS), now=now)
    seal_before_reading()
    state = _start_after_archives(result)
    if state is None:
        return result
    pending = list(AuditCheckpoint.objects.order_by("tree_size", "id"))
    for checkpoint in pending:
        if not checkpoint_is_valid(checkpoint):
            return result.fail(None, f"checkpoint #{checkpoint.pk} ({checkpoint.tree_size} events) has a bad signature")
    pending = [c for c in pending if c.tree_size > state.size]
    if _check_rows(state, pending, result, max(1, workers)) is not None:
        return result
    result.tree_size, result.root = state.size, merkle.frontier_root(state.frontier)
    _check_head(result, state, pending)
    if result.ok and stale:
        ids = ", ".join(f"#{inbox_id}" for inbox_id, _at in stale)
        oldest = canonical.format_timestamp(stale[0][1])
        limit = settings.AUDIT_MAX_UNSEALED_SECONDS
        result.fail(None, f"events waited unsealed in the inbox longer than {limit} s (inbox {ids}, the oldest recorded "
                          f"{oldest}): the sealer is not running")  # fmt: skip
    return result


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
