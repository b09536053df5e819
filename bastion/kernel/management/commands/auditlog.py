"""``bastion auditlog verify|checkpoint|export|proof|archive|ship|seal|harden|public-key|keygen``."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from bastion.kernel.audit import checkpoints, signing
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event


class Command(BaseCommand):
    help = "Verify, checkpoint, export, archive and ship the tamper-evident audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every hash; exit 1 naming the first bad event")
        verify.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes that check a large log in parallel (default: one per CPU; BASTION_AUDIT_VERIFY_PARALLEL_FROM)",
        )
        checkpoint = sub.add_parser("checkpoint", help="sign the current tree head and print the latest one")
        checkpoint.add_argument("--no-new", action="store_true", help="only print the latest checkpoint")
        export = sub.add_parser("export", help="write a JSON Lines export with a signed tree head")
        export.add_argument("--output", "-o", required=True, help="file to write ('-' for standard output)")
        export.add_argument("--first", type=int, default=None)
        export.add_argument("--last", type=int, default=None)
        proof = sub.add_parser("proof", help="print an inclusion proof of one event")
        proof.add_argument("sequence", type=int)
        sub.add_parser("archive", help="archive (signed file) and remove events older than the retention period")
        ship = sub.add_parser("ship", help="send events to a syslog receiver (RFC 5424)")
        ship.add_argument("url", help="udp://host:port, tcp://host:port or tls://host:port")
        ship.add_argument("--first", type=int, default=None)
        seal = sub.add_parser("seal", help="seal the events waiting in the inbox into the chain and print how many")
        seal.add_argument(
            "--follow",
            action="store_true",
            help="keep sealing until stopped (SIGTERM or Ctrl+C): the dedicated sealer `bastion serve` runs",
        )
        harden = sub.add_parser(
            "harden", help="PostgreSQL, run as the owner: the app role may not UPDATE/DELETE/TRUNCATE audit rows"
        )
        harden.add_argument("--app-role", default=None, help="the role the application connects as (BASTION_AUDIT_APP_DB_ROLE)")
        sub.add_parser("public-key", help="print the audit public key (PEM) for auditors")
        sub.add_parser("keygen", help="print a new Ed25519 private key (PEM) for BASTION_AUDIT_SIGNING_KEY_FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _verify(self, options: dict[str, Any]) -> None:
        from bastion.kernel.audit.verify import verify_log

        started = time.perf_counter()
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        result = verify_log(workers=options["workers"])
        elapsed = time.perf_counter() - started
        for note in result.notes:
            self.stdout.write(note)
        if not result.ok:
            raise CommandError(f"audit trail INVALID at event {result.first_bad}: {result.problem}")
        self.stdout.write(
            f"audit trail OK: {result.events_checked} events, {result.checkpoints_checked} signed checkpoints, "
            f"tree head {result.root.hex()} ({elapsed:.1f} s)"
        )

    def _checkpoint(self, options: dict[str, Any]) -> None:
        if not options["no_new"]:
            checkpoints.make_checkpoint()
        latest = checkpoints.latest_checkpoint()
        if latest is None:
            raise CommandError("no checkpoint yet: the log is empty")
        self.stdout.write(latest.note + f"— {latest.key_id} {latest.signature}")

    def _export(self, options: dict[str, Any]) -> None:
        from bastion.kernel.audit.export import ExportError, write_export

        try:
            if options["output"] == "-":
                result = write_export(sys.stdout, first=options["first"], last=options["last"])
            else:
                with open(options["output"], "w", encoding="utf-8") as handle:
                    result = write_export(handle, first=options["first"], last=options["last"])
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        _record_export("jsonl", result.first_sequence, result.last_sequence)
        if options["output"] != "-":
            self.stdout.write(f"exported events {result.first_sequence}-{result.last_sequence} to {options['output']}")

    def _proof(self, options: dict[str, Any]) -> None:
        from bastion.kernel.audit.export import ExportError, inclusion_proof

        try:
            self.stdout.write(json.dumps(inclusion_proof(options["sequence"]), indent=1))
        except ExportError as exc:
            raise CommandError(str(exc)) from exc

    def _archive(self, options: dict[str, Any]) -> None:
        from bastion.kernel.audit.archive import archive_events

        result = archive_events()
        if result is None:
            self.stdout.write("nothing to archive: no event is older than the retention period")
            return
        self.stdout.write(f"archived {result.events} events to {result.path} and removed them from the table")

    def _ship(self, options: dict[str, Any]) -> None:
        from bastion.kernel.audit.export import iter_entries
        from bastion.kernel.audit.models import AuditChainHead
        from bastion.kernel.audit.sealer import seal_before_reading
        from bastion.kernel.audit.syslog import ship

        seal_before_reading()
        head = AuditChainHead.objects.filter(pk=1).first()
        last = head.sequence if head else 0
        first = options["first"] or 1
        sent = ship(options["url"], iter_entries(first, last))
        _record_export("syslog", first, last)
        self.stdout.write(f"sent {sent} events to {options['url']}")

    def _seal(self, options: dict[str, Any]) -> None:
        from bastion.kernel.audit.sealer import seal_continuously, seal_pending

        if not options["follow"]:
            self.stdout.write(f"sealed {seal_pending(wait=True)} audit events")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("audit sealer started: sealing for every process (BASTION_AUDIT_SEALER=process)")
        self.stdout.flush()
        running, stopping = seal_continuously(stop)
        self.stdout.write(f"audit sealer stopped: {running} events sealed while running, {stopping} on stopping")

    def _harden(self, options: dict[str, Any]) -> None:
        from django.conf import settings
        from django.db import connection

        from bastion.kernel.audit.roles import harden

        role = options["app_role"] or settings.AUDIT_APP_DB_ROLE
        if not role:
            raise CommandError("name the application's database role: --app-role NAME (or BASTION_AUDIT_APP_DB_ROLE)")
        try:
            statements = harden(connection, role)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for statement in statements:
            self.stdout.write(statement + ";")
        self.stdout.write(f"{role} may no longer update, delete or truncate audit rows")

    def _public_key(self, options: dict[str, Any]) -> None:
        self.stdout.write(signing.public_key_pem().rstrip())

    def _keygen(self, options: dict[str, Any]) -> None:
        self.stdout.write(signing.new_private_key_pem().decode("ascii").rstrip())


def _record_export(fmt: str, first: int, last: int) -> None:
    with transaction.atomic():
        record_event(
            EventKind.EXPORTED,
            target=Target("kernel.audit_log"),
            extra={"format": fmt, "first": first, "last": last, "via": "cli"},
        )
