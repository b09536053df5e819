"""The row checks of ``bastion auditlog verify``, over ranges of the log, in parallel processes.

Checking a row needs only the row and the stored leaf hash of the row before it: its sequence
number follows, its contents hash to its stored leaf hash, its ``prev`` is the stored leaf hash
of the row before. So the log splits into contiguous ranges checked independently by worker
processes (the first row of a range is linked to the stored hash that the range before
checks). The Merkle frontier and the signed checkpoints need every leaf in order: the parent
folds the leaves the workers return, range after range, and reports the first problem in
sequence order, so the result names the same first bad event as a single pass would.

Workers are forked after the parent closed its database connections and open their own. A log
smaller than ``AUDIT_VERIFY_PARALLEL_FROM`` rows is checked in one range, in the calling process.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Generator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from django.db import connection, connections

from bastion.kernel.audit.reading import EntryBuilder, encode_text, raw_rows

LEAF = 32  # bytes of a SHA-256 leaf hash
RANGES_PER_WORKER = 4  # more, shorter ranges: the parent folds the first while the workers check the rest


@dataclass(frozen=True)
class RangeCheck:
    """What one range gave: the leaves of its sound rows (in order) and the first problem, if any."""

    after: int
    leaves: bytes
    problem: tuple[int, str] | None = None

    @property
    def size(self) -> int:
        """The sequence number of the last sound row (``after`` if none)."""
        return self.after + len(self.leaves) // LEAF


def _missing(first: int, last: int) -> str:
    span = f"{first}" if first == last else f"{first}-{last}"
    return f"event {span} is missing: deleted from the log"


def _stored_leaf(sequence: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT leaf_hash FROM kernel_auditevent WHERE sequence = %s", [sequence])
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def check_range(after: int, last: int, prev: str | None) -> RangeCheck:
    """Check the rows ``after < sequence <= last``; ``prev`` is the hash the first must follow.

    ``prev`` None means "the stored leaf hash of row ``after``" (read here); if that row is gone,
    the range before reports it, and the first row's link is not checked here.
    """
    if prev is None:
        prev = _stored_leaf(after)
    builder, encode, sha256 = EntryBuilder(), encode_text, hashlib.sha256
    leaves: list[bytes] = []
    size = after
    for row in raw_rows(after, last):
        sequence = row[0]
        if sequence != size + 1:
            return RangeCheck(after, b"".join(leaves), (size + 1, _missing(size + 1, sequence - 1)))
        leaf = sha256(b"\x00" + encode(builder.entry(row)).encode("utf-8")).digest()
        if leaf.hex() != row[16]:
            message = f"event {sequence} does not match its hash: altered, moved or inserted"
            return RangeCheck(after, b"".join(leaves), (sequence, message))
        if prev is not None and row[15] != prev:
            message = f"event {sequence} does not follow event {sequence - 1}: the chain is broken (inserted or reordered)"
            return RangeCheck(after, b"".join(leaves), (sequence, message))
        leaves.append(leaf)
        size, prev = sequence, row[16]
    problem = None if size == last else (size + 1, _missing(size + 1, last))
    return RangeCheck(after, b"".join(leaves), problem)


def split(after: int, last: int, parts: int) -> list[tuple[int, int]]:
    """``(after, last]`` cut into ``parts`` contiguous ranges ``(a, b]`` of nearly equal length."""
    count = last - after
    parts = max(1, min(parts, count))
    bounds = [after + count * n // parts for n in range(parts + 1)]
    return list(zip(bounds, bounds[1:], strict=False))


def _check(bounds: tuple[int, int, str | None]) -> RangeCheck:
    return check_range(*bounds)


def check_ranges(after: int, last: int, prev: str, *, workers: int) -> Generator[RangeCheck, None, None]:
    """The checks of ``(after, last]``, range after range, in order.

    With ``workers`` > 1 the log is cut into :data:`RANGES_PER_WORKER` ranges per worker, checked
    in that many forked processes, and each result is yielded as soon as it and those before it
    are done, so the caller folds early ranges while later ones are being checked. Closing the
    iterator early (the caller found a problem) cancels the ranges not started.
    """
    parts = 1 if workers <= 1 else workers * RANGES_PER_WORKER
    jobs = [(a, b, prev if a == after else None) for a, b in split(after, last, parts)]
    if len(jobs) == 1:
        yield _check(jobs[0])
        return
    yield from _in_worker_processes(jobs, workers)


def _in_worker_processes(jobs: Sequence[tuple[int, int, str | None]], workers: int) -> Generator[RangeCheck, None, None]:
    connections.close_all()  # the children must not share (or, at their exit, close) the parent's sockets
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        yield from pool.map(_check, jobs)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
