"""``bastion imports run JOB_ID`` runs (or resumes) an import in the foreground; ``bastion imports resume``
runs every stalled one. For operators after an outage, and what the crash test kills and restarts."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bastion.imports import actions
from bastion.imports.actions_lanes import LaneStopped


class Command(BaseCommand):
    help = "Run or resume CSV imports in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="command", required=True)
        run = sub.add_parser("run", help="run or resume one import job")
        run.add_argument("job_id")
        run.add_argument("--pause", type=float, default=0.0, help="seconds to wait between batches, to limit the load")
        run.add_argument("--batch", type=int, default=None, help="rows per transaction (default: the object type's)")
        run.add_argument("--lane", type=int, default=None, help="run only this lane of a job that has lanes (ADR 0062)")
        sub.add_parser("resume", help="run every queued or running import whose worker stopped")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["command"] == "resume":
            for job_id in actions.stalled_jobs():
                self._run(str(job_id), 0.0, None)
            return
        self._run(options["job_id"], options["pause"], options["batch"], options["lane"])

    def _run(self, job_id: str, pause: float, batch: int | None, lane: int | None = None) -> None:
        reported = [0]

        def progress(done: int, total: int) -> None:
            if done - reported[0] >= 50 or done == total:
                reported[0] = done
                sys.stderr.write(f"{job_id} {done}/{total}\n")
                sys.stderr.flush()

        try:
            job = actions.run_job(job_id, pause=pause, progress=progress, batch=batch, lane=lane)
        except LaneStopped as stopped:
            raise CommandError(f"{stopped}; run this command again to resume it") from None
        if job is None:
            raise CommandError(f"import {job_id} is not queued or running (finished, failed or unknown)")
        self.stdout.write(
            f"import {job.pk}: {job.status}; {job.created_count} created, {job.updated_count} updated, "
            f"{job.skipped_count} skipped, {job.rejected_count} rejected of {job.total_rows} rows"
        )
