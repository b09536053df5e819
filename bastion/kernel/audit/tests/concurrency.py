"""Several OS processes appending audit events to one database at once (test and benchmark).

``python -m bastion.kernel.audit.tests.concurrency append --seconds 10 --worker 1 --ready R --go G``
appends one event per transaction until the time is up, after ``G`` exists, and prints
``{"worker", "events", "errors", "seconds"}``; ``stats`` prints the sequence's count, bounds
the number of distinct previous hashes (a fork would reuse one) and how many events were
still in the inbox (not yet sealed after their commit) before it read them. ``scratch_database``
makes a fresh, migrated database (SQLite file, or a PostgreSQL database of its own) for them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bastion.kernel.testing import wait_for

BASE_DIR = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class Scratch:
    """A database for child processes: the environment that points Django at it."""

    env: dict[str, str]
    vendor: str

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """``bastion <args>`` against this database."""
        return subprocess.run(  # noqa: S603 - this interpreter and the project's own command
            [sys.executable, "-m", "bastion.cli", *args],
            env=self.env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _pg_admin(url: str, *statements: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


@contextmanager
def scratch_database(folder: Path, postgres_url: str | None = None, name: str = "bastion_audit_conc") -> Iterator[Scratch]:
    """A migrated database in ``folder`` (SQLite) or named ``name`` on ``postgres_url``'s server, removed after."""
    from bastion.kernel.audit.signing import new_private_key_pem

    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bastion.settings",
        "BASTION_ENV": "test",
        "BASTION_DATA_DIR": str(folder / "data"),
        "BASTION_KEYSTORE_URL": f"sqlite:///{folder / 'keys.sqlite3'}",
        "BASTION_AUDIT_SIGNING_KEY": new_private_key_pem().decode("ascii"),
        "DATABASE_URL": f"sqlite:///{folder / 'audit.sqlite3'}",
    }
    env.pop("BASTION_AUDIT_SIGNING_KEY_FILE", None)
    if postgres_url:
        env["DATABASE_URL"] = urlunsplit(urlsplit(postgres_url)._replace(path=f"/{name}"))
        _pg_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    scratch = Scratch(env, "postgresql" if postgres_url else "sqlite")
    try:
        for database in ("keys", "default"):
            done = scratch.run("migrate", "--database", database, "--verbosity", "0")
            if done.returncode:
                raise RuntimeError(f"migrate --database {database} failed:\n{done.stderr}")
        yield scratch
    finally:
        if postgres_url:
            _pg_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def session_postgres_url() -> str | None:
    """The test session's PostgreSQL server URL (for scratch databases next to it), or None on SQLite."""
    from django.conf import settings

    url = os.environ.get("DATABASE_URL", "")
    return url if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and url else None


def log_stats(scratch: Scratch) -> dict[str, Any]:
    """Count, first and last sequence, and distinct previous hashes of the scratch log."""
    done = subprocess.run(  # noqa: S603 - this interpreter and this module
        [sys.executable, "-m", __name__, "stats"], env=scratch.env, cwd=BASE_DIR, capture_output=True, text=True, check=True
    )
    stats: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return stats


def _wait_for(condition: Any, deadline: float, what: str) -> None:
    wait_for(condition, what, deadline, interval=0.02)


BARE_TABLE = "bench_commit_ceiling"


def run_appenders(
    scratch: Scratch, folder: Path, *, processes: int = 4, seconds: float = 10.0, threads: int = 1, bare: bool = False
) -> list[dict[str, Any]]:
    """Start ``processes`` appenders (``threads`` each), let them go together for ``seconds``; their reports.

    ``bare``: the same transactions without an audit event, each inserting one row into a plain
    table instead (the database's own commit rate on this machine: the ceiling for appends).
    """
    if bare:
        create = f"CREATE TABLE {BARE_TABLE} (worker varchar(16), n integer)"
        done = scratch.run("shell", "-c", f"from django.db import connection; connection.cursor().execute({create!r})")
        if done.returncode:
            raise RuntimeError(f"could not create {BARE_TABLE}:\n{done.stderr}")
    go = folder / "go"
    go.unlink(missing_ok=True)
    children = []
    for worker in range(1, processes + 1):
        ready = folder / f"ready-{worker}"
        ready.unlink(missing_ok=True)
        args = ["append", "--seconds", str(seconds), "--worker", str(worker), "--ready", str(ready), "--go", str(go)]
        args += ["--threads", str(threads), *(["--bare"] if bare else [])]
        children.append(
            subprocess.Popen(  # noqa: S603 - this interpreter and this module
                [sys.executable, "-m", __name__, *args],
                env=scratch.env,
                cwd=BASE_DIR,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        readies = [folder / f"ready-{worker}" for worker in range(1, processes + 1)]
        _wait_for(lambda: all(path.exists() for path in readies) or any(c.poll() is not None for c in children), 120, "appenders")
        go.touch()
        reports = []
        for child in children:
            out, err = child.communicate(timeout=seconds + 120)
            if child.returncode:
                raise RuntimeError(f"an appender failed ({child.returncode}):\n{err}")
            reports.append(json.loads(out.strip().splitlines()[-1]))
        return reports
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


@dataclass
class SealerRun:
    """A dedicated sealer's run: ``scratch`` for appenders that leave sealing to it, and its counts once stopped."""

    scratch: Scratch
    pid: int = 0
    while_running: int = -1
    on_stopping: int = -1


@contextmanager
def dedicated_sealer(scratch: Scratch) -> Iterator[SealerRun]:
    """``bastion auditlog seal --follow`` on the scratch database while the block runs, as ``bastion serve`` runs it.

    Processes started with the yielded run's ``scratch`` do not seal after their commits
    (``BASTION_AUDIT_SEALER=process``). The sealer is stopped (SIGTERM) after the block and must
    exit cleanly, reporting how many events it sealed while running and on stopping.
    """
    run = SealerRun(Scratch({**scratch.env, "BASTION_AUDIT_SEALER": "process"}, scratch.vendor))
    # Its log goes to a file, not a pipe: nobody reads a pipe while the block runs, and a sealer
    # logging more than a pipe holds (retried database errors, say) would block on it.
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(  # noqa: S603 - this interpreter and the project's own command
            [sys.executable, "-m", "bastion.cli", "auditlog", "seal", "--follow"],
            env=run.scratch.env,
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert process.stdout is not None
        run.pid = process.pid
        started = process.stdout.readline()  # its signal handlers are set once it says so
        try:
            if "audit sealer started" not in started:
                raise RuntimeError(f"the dedicated sealer did not start: {started}")
            yield run
        finally:
            process.terminate()
            out, _none = process.communicate(timeout=120)
            log.seek(0)
            err = log.read()
    counts = re.search(r"(\d+) events sealed while running, (\d+) on stopping", out)
    if process.returncode or counts is None:
        raise RuntimeError(f"the dedicated sealer failed ({process.returncode}):\n{started}{out}{err}")
    run.while_running, run.on_stopping = int(counts[1]), int(counts[2])


def _append(args: argparse.Namespace) -> None:
    import threading

    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    counts: list[tuple[int, int]] = []
    threads = [
        threading.Thread(target=lambda n=n: counts.append(_append_for(args, n)), name=f"appender-{n}")
        for n in range(args.threads)
    ]
    Path(args.ready).touch()
    _wait_for(Path(args.go).exists, 120, "the start signal")
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events, errors = sum(c[0] for c in counts), sum(c[1] for c in counts)
    if len(counts) != args.threads:
        raise SystemExit(f"{args.threads - len(counts)} appender threads failed")
    report = {"worker": args.worker, "events": events, "errors": errors, "seconds": time.monotonic() - started}
    print(json.dumps(report))  # noqa: T201


def _append_for(args: argparse.Namespace, thread: int) -> tuple[int, int]:
    """One thread (its own database connection) appending until the time is up: (events, errors)."""
    from django.db import OperationalError, connection, transaction

    from bastion.kernel.audit.kinds import EventKind
    from bastion.kernel.audit.writer import Target, record_event

    deadline, events, errors = time.monotonic() + args.seconds, 0, 0
    target = Target("bench.worker", f"{args.worker}.{thread}", {"worker": args.worker, "thread": thread})
    try:
        while time.monotonic() < deadline:
            try:
                with transaction.atomic():
                    if args.bare:
                        with connection.cursor() as cursor:
                            cursor.execute(f"INSERT INTO {BARE_TABLE} (worker, n) VALUES (%s, %s)", [target.id, events])  # noqa: S608
                    else:
                        record_event(EventKind.RECORD_UPDATED, target=target, changes={"n": {"old": events, "new": events + 1}})
            except OperationalError:  # e.g. SQLite's busy timeout: the change (and its event) did not happen
                errors += 1
                continue
            events += 1
    finally:
        connection.close()
    return events, errors


def _stats() -> None:
    import django

    django.setup()
    from django.db.models import Count, Max, Min

    from bastion.kernel.audit.models import AuditEvent, AuditInbox

    # How many waited in the inbox when the appenders stopped (reading AuditEvent seals them).
    left = AuditInbox.objects.count()
    stats = AuditEvent.objects.aggregate(
        count=Count("sequence"), first=Min("sequence"), last=Max("sequence"), prevs=Count("prev_hash", distinct=True)
    )
    print(json.dumps({**stats, "left_in_inbox": left}))  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="action", required=True)
    append = sub.add_parser("append")
    append.add_argument("--seconds", type=float, required=True)
    append.add_argument("--worker", type=int, required=True)
    append.add_argument("--ready", required=True)
    append.add_argument("--go", required=True)
    append.add_argument("--threads", type=int, default=1)
    append.add_argument("--bare", action="store_true", help="no audit event: one plain insert per transaction")
    sub.add_parser("stats")
    args = parser.parse_args()
    _append(args) if args.action == "append" else _stats()


if __name__ == "__main__":
    main()
