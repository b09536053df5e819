"""``bastion alerts scan|list``: run the intrusion detector now, and list the open security alerts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bastion.kernel.alerts.detect import scan
from bastion.kernel.alerts.notify import notify_pending, send_sign_in_notices
from bastion.kernel.alerts.rules import rule_named
from bastion.kernel.alerts.selectors import AlertFilters, filtered_alerts


class Command(BaseCommand):
    help = "Judge the new audit events against the detection rules now, or list the open security alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        scan_parser = sub.add_parser("scan", help="judge the audit events not judged yet and email new alerts")
        scan_parser.add_argument("--no-email", action="store_true", help="raise alerts but leave the emails to the worker")
        sub.add_parser("list", help="print the open alerts, newest first (tab-separated)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "scan":
            raised = scan()
            sent = 0 if options["no_email"] else notify_pending() + send_sign_in_notices()
            self.stdout.write(f"{len(raised)} alerts raised, {sent} emailed")
            return
        for alert in filtered_alerts(AlertFilters(status="open")).order_by("-raised_at"):
            rule = rule_named(alert.rule)
            title = str(rule.title) if rule is not None else alert.rule
            row = [alert.raised_at.isoformat(), alert.severity, alert.rule, title, alert.subject_type, alert.subject_label,
                   str(alert.events), str(alert.pk)]  # fmt: skip
            self.stdout.write("\t".join(row))
