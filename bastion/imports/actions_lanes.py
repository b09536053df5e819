"""One contact import shared among processes that run at once, each on a lane of its rows (docs/adr/0062).

Part of the import actions (DESIGN.md rule 1), as ``actions_bulk`` is of the directory's: only
``actions.run_job`` calls in here, and every write here is the worker's own bookkeeping (lanes,
the job's counts) beside rows written through ``actions.import_rows``.

An import's rows depend on each other only through what they share: a row whose email, phone or
company an earlier row also has may find the record that row creates (a duplicate to skip, a
company to join). :func:`plan` puts rows that share such a key, directly or through other rows, in
the same lane, in file order, and spreads the groups over the lanes; rows in different lanes share
nothing, so the lanes can run at once and each row gets the outcome it gets in a one-lane import.

Crash safety is a job's, per lane: :func:`import_next_lane_batch` imports a batch of the lane's
rows and advances the lane's ``position`` past them in ONE transaction, adding the counts to the
job's. The batch that leaves no lane with rows to do ends the job in that transaction. The lanes
are planned again from the file each time a lane runs; the same file, mapping and number of lanes
always give the same lanes (nothing here depends on hash order).

Lanes are used for contacts with "skip" or "create" duplicates (an "update" could reach the same
record from two lanes) and when ``settings.IMPORT_LANES`` is above one; :func:`run` imports the
first lane with rows left itself and starts ``bastion imports run JOB --lane N`` for each other.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bastion.imports import csvfile
from bastion.imports.adapters import Adapter
from bastion.imports.models import Dedupe, ImportJob, ImportLane, Status

POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Work:
    """How ``actions.run_job`` was asked to run: the lane (None: all), rows per batch, the pause between
    batches, the ``--batch`` given, the progress callback and the loop that runs the batches."""

    lane: int | None
    size: int
    pause: float
    batch: int | None
    progress: Callable[[int, int], None] | None
    keep_going: Callable[[Callable[[], int | None]], None]


class LaneStopped(RuntimeError):
    """A lane's process ended without finishing its lane (killed, or stopped by an error it logged)."""


def plan(adapter: Adapter, job: ImportJob, parsed: csvfile.Parsed, count: int) -> list[list[int]]:
    """The rows (their positions in the file) of each lane that has any: linked rows together, in file order."""
    from bastion.imports.actions import mapped_values

    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    row_keys: list[list[str]] = []
    for position, row in enumerate(parsed.rows):
        keys = adapter.linking_keys(mapped_values(job.mapping, row.cells))
        if keys is None:
            return [list(range(len(parsed.rows)))]
        keys = keys or [f"row:{position}"]  # a row sharing nothing is a group of its own
        for key in keys:
            parent.setdefault(key, key)
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
        row_keys.append(keys)
    groups: dict[str, list[int]] = {}  # in order of each group's first row
    for position, keys in enumerate(row_keys):
        groups.setdefault(root(keys[0]), []).append(position)
    lanes: list[list[int]] = [[] for _ in range(count)]
    for rows in groups.values():
        min(lanes, key=len).extend(rows)  # the emptiest lane, the first of equals
    return [sorted(rows) for rows in lanes if rows]


def planned(job: ImportJob, adapter: Adapter, parsed: csvfile.Parsed) -> list[list[int]] | None:
    """The rows of each of the job's lanes (planned and kept on its first run when it should have more than
    one), or None: the job has no lanes and runs as one."""
    kept = ImportLane.objects.filter(job=job).count()
    if kept:
        return plan(adapter, job, parsed, kept)
    if job.position or settings.IMPORT_LANES < 2 or job.dedupe == Dedupe.UPDATE:
        return None
    lanes = plan(adapter, job, parsed, settings.IMPORT_LANES)
    if len(lanes) < 2:
        return None
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().defer("upload").get(pk=job.pk)
        if locked.position or ImportLane.objects.filter(job=job).exists():  # another worker got here first
            return planned(locked, adapter, parsed)
        ImportLane.objects.bulk_create(ImportLane(job=job, number=number, rows=len(rows)) for number, rows in enumerate(lanes))
    return lanes


def import_next_lane_batch(
    job_id: Any, parsed: csvfile.Parsed, adapter: Adapter, actor: Any, size: int, number: int, rows: list[int]
) -> int | None:
    """Import up to ``size`` of the lane's rows and move the lane past them, in one transaction.

    Returns the job's rows done, or None when the lane is done or the job no longer runs. The
    batch that leaves no lane with rows to do ends the job.
    """
    from bastion.imports.actions import _end, import_rows

    with transaction.atomic():
        lane = ImportLane.objects.select_for_update().filter(job_id=job_id, number=number).first()
        job = ImportJob.objects.defer("upload").filter(pk=job_id).first()
        if lane is None or job is None or job.status != Status.RUNNING:
            return None
        batch = [parsed.rows[position] for position in rows[lane.position : lane.position + size]]
        if batch:
            counts = import_rows(job, adapter, actor, batch, bulk=size > 1)
            lane.position += len(batch)
            lane.save(update_fields=["position"])
            now = timezone.now()
            added = {field: F(field) + count for field, count in counts.items()}
            # The job's row is locked from here to the commit: lanes ending at once take turns below.
            ImportJob.objects.filter(pk=job_id).update(
                position=F("position") + len(batch), heartbeat_at=now, updated_at=now, **added
            )
        if ImportLane.objects.filter(job_id=job_id, position__lt=F("rows")).exists():
            return int(ImportJob.objects.filter(pk=job_id).values_list("position", flat=True)[0]) if batch else None
        ended = ImportJob.objects.select_for_update().defer("upload").get(pk=job_id)
        if ended.status == Status.RUNNING:
            _end(ended, Status.DONE)
        return None


def run(job: ImportJob, parsed: csvfile.Parsed, adapter: Adapter, lanes: list[list[int]], work: Work) -> None:
    """Run lane ``work.lane`` of ``job``; or, with none given, each lane with rows left: the first here, the
    others in processes of their own (``bastion imports run JOB --lane N``), waiting for them all."""
    if work.lane is not None:
        _run_lane(job, parsed, adapter, lanes, work.lane, work)
        return
    numbers = list(ImportLane.objects.filter(job=job, position__lt=F("rows")).values_list("number", flat=True))
    options = [*(["--pause", str(work.pause)] if work.pause else []), *(["--batch", str(work.batch)] if work.batch else [])]
    command = [sys.executable, "-m", "bastion.cli", "imports", "run", str(job.pk), *options, "--lane"]
    children = [subprocess.Popen([*command, str(number)], stdout=subprocess.DEVNULL) for number in numbers[1:]]  # noqa: S603
    try:
        if numbers:
            _run_lane(job, parsed, adapter, lanes, numbers[0], work)
    finally:
        for child in children:
            _wait_reporting(child, job.pk, work.progress)
    _report(job.pk, work.progress)
    failed = [child.returncode for child in children if child.returncode != 0]
    if failed:
        raise LaneStopped(f"{len(failed)} of {len(children) + 1} lanes of import {job.pk} stopped (exit {failed})")


def _run_lane(job: ImportJob, parsed: csvfile.Parsed, adapter: Adapter, lanes: list[list[int]], number: int, work: Work) -> None:
    rows = lanes[number]
    work.keep_going(lambda: import_next_lane_batch(job.pk, parsed, adapter, job.created_by, work.size, number, rows))


def _wait_reporting(child: subprocess.Popen[bytes], job_id: Any, progress: Callable[[int, int], None] | None) -> None:
    """Wait for ``child`` to end, reporting the job's progress every ``POLL_SECONDS`` meanwhile."""
    while True:
        try:
            child.wait(timeout=POLL_SECONDS)
            return
        except subprocess.TimeoutExpired:
            _report(job_id, progress)


def _report(job_id: Any, progress: Callable[[int, int], None] | None) -> None:
    if progress is not None:
        done = ImportJob.objects.filter(pk=job_id).values_list("position", "total_rows").first()
        if done is not None:
            progress(*done)
