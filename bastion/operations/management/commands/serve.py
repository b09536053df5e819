"""``bastion serve``: migrate, seed demo data on the first development run, then run the web
server (gunicorn), the background job runner (huey consumer) and the audit sealer side by side.

The sealer (``bastion auditlog seal --follow``) chains the audit events of the web and job
processes, which then do not seal after their own commits (``BASTION_AUDIT_SEALER=process``,
docs/adr/0061); ``BASTION_AUDIT_SEALER=inline`` keeps sealing in them and starts no sealer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from bastion.operations.first_run import bind_address, first_run_setup, served_url


class Command(BaseCommand):
    help = "Run Bastion: migrations, first-run demo data (development), web server and job runner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("BASTION_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("BASTION_WEB_WORKERS", "2")))
        parser.add_argument("--no-demo", action="store_true", help="do not seed demo data on the first run")

    def handle(self, *args: Any, **options: Any) -> None:
        url = served_url(options["host"], options["port"])
        call_command("migrate", interactive=False, verbosity=0)
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        elif not options["no_demo"]:
            for line in first_run_setup(url):
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Bastion is serving on {url}  (Ctrl+C stops it)"))
        env = {**os.environ, "BASTION_AUDIT_SEALER": os.environ.get("BASTION_AUDIT_SEALER", "process")}
        seal = [sys.executable, "-m", "bastion.cli", "auditlog", "seal", "--follow"]
        children = [
            *([subprocess.Popen(seal, env=env)] if env["BASTION_AUDIT_SEALER"] == "process" else []),  # noqa: S603
            subprocess.Popen([sys.executable, "-m", "bastion.cli", "run_huey"], env=env),  # noqa: S603 - fixed argv
            subprocess.Popen(  # noqa: S603 - fixed argv
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "bastion.wsgi:application",
                    "--bind",
                    bind_address(options["host"], options["port"]),
                    "--workers",
                    str(options["workers"]),
                    "--access-logfile",
                    "-",
                    "--forwarded-allow-ips",
                    os.environ.get("BASTION_TRUSTED_PROXIES", "127.0.0.1"),
                ],
                env=env,
            ),
        ]
        self._supervise(children)

    @staticmethod
    def _supervise(children: list[subprocess.Popen[bytes]]) -> None:
        """Block until one child exits or we are told to stop, then stop them all."""

        def stop(signum: int, frame: object) -> None:
            raise _Stop

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        stopping = False
        try:
            os.wait()  # returns when any child exits
        except (_Stop, ChildProcessError):
            stopping = True
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        failed = [child.returncode for child in children if child.returncode not in (0, -signal.SIGTERM)]
        if failed and not stopping:
            raise SystemExit(f"a Bastion process stopped unexpectedly (exit codes {failed})")


class _Stop(Exception):
    """Raised by the signal handler to leave the wait."""
