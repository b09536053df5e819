"""CSV import benchmark: N contacts (3% bad rows) imported by the real worker, rows per second.

    .venv/bin/python bench/import_bench.py [--rows 10000|100000] [--crash] [--batch 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helper_g .venv/bin/python bench/import_bench.py

Everything is on, as in production: rows go, a batch per transaction with the job's position
(docs/adr/0043), through the bulk contact action (validation as ``create_contact``, the company
found by name or created, AES-256-GCM under each person's own data key, email and phone blind
indexes, one record.created audit event per contact) after the de-duplication lookup (``skip``:
email, then phone, through the blind index, also against the earlier rows). A fresh data
folder is used; for PostgreSQL, databases ``<name>_importbench`` and ``<name>_importbench_keys``
are dropped and re-created next to the one DATABASE_URL names. Besides wall-clock time it prints
the CPU time of the import processes, which means more than the wall clock on a busy machine.

``--sealer process`` runs the import as ``bastion serve`` runs its job runner: with
``BASTION_AUDIT_SEALER=process`` and ``bastion auditlog seal --follow`` beside it, which seals the
import's audit events (docs/adr/0061); the default, ``inline``, seals them after each batch's commit.

``--crash`` runs the import as ``bastion imports run`` in a subprocess, SIGKILLs it once half the
rows are done, runs it again, and checks that every good row was imported exactly once.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import cpu_seconds  # noqa: E402

sys.path.insert(0, str(ROOT))
from bastion.kernel.audit.tests.concurrency import Scratch, dedicated_sealer  # noqa: E402

BAD_EVERY = 33  # one bad row after every 32 good ones: 3%


def make_csv(rows: int) -> tuple[bytes, int]:
    """``rows`` data rows, of which about 3% have an invalid email; returns the bytes and the number of bad rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["First name", "Last name", "Email", "Mobile", "Company", "City", "Job title"])
    bad = 0
    for n in range(rows):
        if n % BAD_EVERY == BAD_EVERY - 1:
            writer.writerow([f"Bad{n}", "Row", f"broken-{n}-at-example", "", "", "", ""])
            bad += 1
            continue
        mobile = f"+86 138 {n // 10000:04d} {n % 10000:04d}"
        writer.writerow(
            [f"Given{n}", f"Family{n}", f"person{n}@bench.example", mobile, f"Company {n % 500}", "Shanghai", "Buyer"]
        )
    return out.getvalue().encode(), bad


def environment(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") and k != "DATABASE_URL"}
    env.update({"BASTION_ENV": "development", "BASTION_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "bastion.settings"})
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        names = [f"{name}_importbench", f"{name}_importbench_keys"]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for database in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{database}"')
        env.update({"DATABASE_URL": f"{base}/{names[0]}", "BASTION_KEYSTORE_URL": f"{base}/{names[1]}"})
    return env


def prepare(env: dict[str, str], data: bytes) -> str:
    """Migrate, create an importer and a started (queued) job; returns the job id."""
    subprocess.run([sys.executable, "-m", "bastion.cli", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    path = Path(env["BASTION_DATA_DIR"]) / "bench.csv"
    path.write_bytes(data)
    script = """
import django, json, sys
django.setup()
from bastion.accounts.actions import create_staff_user
from bastion.imports import actions
from bastion.kernel.access.roles import Role
user, _ = create_staff_user("bench-importer", "importer@bench.example", Role.SALES_REP, usable_password=False)
data = open(sys.argv[1], "rb").read()
job = actions.create_import(user, object_type="contact", source_name="Bench", file_name="bench.csv", data=data)
actions.start_import(user, job.pk, mapping=job.mapping, dedupe="skip")
print(json.dumps({"job": str(job.pk), "mapping": job.mapping}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )  # noqa: S603
    return str(json.loads(result.stdout.strip().splitlines()[-1])["job"])


def run_import(env: dict[str, str], job: str, *, kill_at: float | None = None, batch: int | None = None) -> float:
    """Run ``bastion imports run``; with ``kill_at`` SIGKILL it once that share of rows is done. Returns seconds."""
    command = [sys.executable, "-m", "bastion.cli", "imports", "run", job, *(["--batch", str(batch)] if batch else [])]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)  # noqa: S603
    assert process.stderr is not None
    for line in process.stderr:
        parts = line.split()
        if kill_at is not None and len(parts) == 2 and parts[0] == job:
            done, total = (int(x) for x in parts[1].split("/"))
            if done >= total * kill_at:
                process.send_signal(signal.SIGKILL)
                break
    process.wait()
    elapsed = time.perf_counter() - started
    if kill_at is None and process.returncode != 0:
        raise SystemExit(f"the import failed: {process.stdout.read() if process.stdout else ''}")
    return elapsed


def check(env: dict[str, str], job: str) -> dict[str, object]:
    script = """
import django, json, sys
django.setup()
from collections import Counter
from bastion.directory.models import Contact, ContactEmail
from bastion.imports.models import ImportJob
job = ImportJob.objects.get(pk=sys.argv[1])
emails = Counter(str(row.address) for row in ContactEmail.objects.all())
print(json.dumps({"status": job.status, "position": job.position, "created": job.created_count,
    "rejected": job.rejected_count, "contacts": Contact.objects.count(), "repeated": sum(1 for n in emails.values() if n > 1)}))
"""
    result = subprocess.run([sys.executable, "-c", script, job], env=env, capture_output=True, text=True, check=True, cwd=ROOT)  # noqa: S603
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--crash", action="store_true", help="SIGKILL half way, rerun, check exactly-once")
    parser.add_argument("--batch", type=int, default=None, help="rows per transaction (default: the importer's)")
    parser.add_argument("--sealer", choices=("inline", "process"), default="inline", help="who seals the audit events")
    args = parser.parse_args()
    data, bad = make_csv(args.rows)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as data_dir, contextlib.ExitStack() as stack:
        env = environment(data_dir)
        job = prepare(env, data)
        database = "PostgreSQL" if "DATABASE_URL" in env else "SQLite"  # environment() sets it for PostgreSQL only
        sealer = None
        if args.sealer == "process":
            sealer = stack.enter_context(dedicated_sealer(Scratch(env, database.lower())))
            env = sealer.scratch.env
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        if args.crash:
            first = run_import(env, job, kill_at=0.5, batch=args.batch)
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            half = check(env, job)
            cpu_check = resource.getrusage(resource.RUSAGE_CHILDREN)
            second = run_import(env, job, batch=args.batch)
            elapsed = first + second
            print(f"killed at {half['position']:,} of {args.rows:,} rows ({half['contacts']:,} contacts committed), then rerun")
        else:
            elapsed = run_import(env, job, batch=args.batch)
            cpu_after = cpu_check = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_end = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in ((cpu_before, cpu_after), (cpu_check, cpu_end)))
        result = check(env, job)
        good = args.rows - bad
        exact = result["contacts"] == good and result["created"] == good and result["repeated"] == 0 and result["rejected"] == bad
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {database}")
        print(f"rows: {args.rows:,} ({bad:,} bad), file {len(data) / 1048576:.1f} MB, status {result['status']}")
        print(f"created {result['created']:,}, rejected {result['rejected']:,}, each good row exactly once: {exact}")
        print(f"time (including process start-up and decrypting the file): {elapsed:.1f} s")
        print(f"rows per second: {args.rows / elapsed:,.0f}")
        print(f"CPU time of the import processes: {cpu:.1f} s, rows per CPU second: {args.rows / cpu:,.0f}")
        if sealer is not None:
            print(f"CPU time of the sealer process beside them, until now: {cpu_seconds(sealer.pid):.1f} s")
        print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
