"""``bastion configaudit``: run the configuration audit now and record it (S7, ADR 0072)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bastion.kernel.configaudit.checks import FAIL
from bastion.kernel.configaudit.run import audit, results


class Command(BaseCommand):
    help = (
        "Check the application, database, audit trail, host and staff accounts, print each result and record the "
        "run in the audit trail; exits with 1 when a check failed. The worker runs it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-record", action="store_true", help="print the results without recording the run")

    def handle(self, *args: Any, **options: Any) -> None:
        found = results() if options["no_record"] else audit()
        for result in found:
            self.stdout.write("\t".join([result.status, result.check.code, str(result.check.title), result.outcome.detail]))
        if any(result.status == FAIL for result in found):
            raise SystemExit(1)
