"""``bastion cardnumbers scan``: read every stored text for payment card numbers now (L3, ADR 0071)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bastion.kernel.cardnumbers_scan import ScanReport, scan


class Command(BaseCommand):
    help = (
        "Read every stored text of the CRM's records for payment card numbers, print what was found (the last four "
        "digits only) and record it in the audit trail; exits with 1 when any was found. The worker runs it monthly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("scan", help="scan now; each finding is also raised as a security alert by the detector")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(table: str, report: ScanReport) -> None:
            self.stderr.write(f"{table}: {report.records} records read so far")

        report = scan(progress=progress)
        for finding in report.findings:
            self.stdout.write("\t".join([finding.model, finding.record_id, finding.field, finding.scheme, f"…{finding.ending}"]))
        self.stdout.write(
            f"{report.tables} tables, {report.records} records, {report.values} texts read; "
            f"{len(report.findings)} card numbers found"
        )
        if report.findings:
            raise SystemExit(1)
