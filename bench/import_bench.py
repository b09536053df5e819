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
On PostgreSQL it also prints the CPU time of the sealer process and of the database server on this
host during the import, the whole cost per row, and the cores 10,000 rows/s needs at that cost.

``--sealer process`` runs the import as ``bastion serve`` runs its job runner: with
``BASTION_AUDIT_SEALER=process`` and ``bastion auditlog seal --follow`` beside it, which seals the
import's audit events (docs/adr/0061); the default, ``inline``, seals them after each batch's commit.

``--crash`` runs the import as ``bastion imports run`` in a subprocess, SIGKILLs it once half the
rows are done, runs it again, and checks that every good row was imported exactly once.

``--lanes N`` sets ``BASTION_IMPORT_LANES``: one import's rows shared among N processes
(docs/adr/0062; the product's default is one lane on SQLite, on PostgreSQL one per CPU up to 8).

``--jobs K`` starts K imports of K different files (``--rows`` each, other people and other
companies) at once, each ``bastion imports run`` in a process of its own, as K job-queue workers
would run them, and prints the rows per second of all of them together: what the server imports
when its cores are shared among imports.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import cpu_seconds, database_server_cpu_seconds  # noqa: E402

sys.path.insert(0, str(ROOT))
from bastion.kernel.audit.tests.concurrency import Scratch, dedicated_sealer  # noqa: E402

BAD_EVERY = 33  # one bad row after every 32 good ones: 3%


def make_csv(rows: int, file: int = 0) -> tuple[bytes, int]:
    """``rows`` data rows, of which about 3% have an invalid email; returns the bytes and the number of bad rows.

    File ``file`` (of ``--jobs``) holds other people (emails, mobiles) and other companies than file 0.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["First name", "Last name", "Email", "Mobile", "Company", "City", "Job title"])
    bad = 0
    suffix = f" ({file})" if file else ""
    for n in range(file * rows, (file + 1) * rows):
        if n % BAD_EVERY == BAD_EVERY - 1:
            writer.writerow([f"Bad{n}", "Row", f"broken-{n}-at-example", "", "", "", ""])
            bad += 1
            continue
        mobile = f"+86 1{38 + n // 100_000_000} {n // 10000 % 10000:04d} {n % 10000:04d}"
        company = f"Company {n % 500}{suffix}"
        writer.writerow([f"Given{n}", f"Family{n}", f"person{n}@bench.example", mobile, company, "Shanghai", "Buyer"])
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


def prepare(env: dict[str, str], files: list[bytes]) -> list[str]:
    """Migrate, create an importer and a started (queued) job for each file; returns the job ids."""
    subprocess.run([sys.executable, "-m", "bastion.cli", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    paths = [Path(env["BASTION_DATA_DIR"]) / f"bench-{number}.csv" for number in range(len(files))]
    for path, data in zip(paths, files, strict=True):
        path.write_bytes(data)
    script = """
import django, json, sys
django.setup()
from bastion.accounts.actions import create_staff_user
from bastion.imports import actions
from bastion.kernel.access.roles import Role
user, _ = create_staff_user("bench-importer", "importer@bench.example", Role.SALES_REP, usable_password=False)
jobs = []
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    job = actions.create_import(user, object_type="contact", source_name="Bench", file_name="bench.csv", data=data)
    actions.start_import(user, job.pk, mapping=job.mapping, dedupe="skip")
    jobs.append(str(job.pk))
print(json.dumps({"jobs": jobs}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )  # noqa: S603
    return [str(job) for job in json.loads(result.stdout.strip().splitlines()[-1])["jobs"]]


def _start_import(env: dict[str, str], job: str, batch: int | None) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "bastion.cli", "imports", "run", job, *(["--batch", str(batch)] if batch else [])]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)  # noqa: S603


def run_imports(env: dict[str, str], jobs: list[str], *, batch: int | None = None) -> float:
    """Run ``bastion imports run`` for each job at once, a process each, until all end. Returns seconds."""
    started = time.perf_counter()
    processes = [_start_import(env, job, batch) for job in jobs]
    for process in processes:
        _stdout, stderr = process.communicate()  # reads both pipes to the end: no process waits on a full one
        if process.returncode != 0:
            raise SystemExit(f"an import failed: {stderr[-2000:]}")
    return time.perf_counter() - started


def run_import(env: dict[str, str], job: str, *, kill_at: float | None = None, batch: int | None = None) -> float:
    """Run ``bastion imports run``; with ``kill_at`` SIGKILL it once that share of rows is done. Returns seconds."""
    started = time.perf_counter()
    process = _start_import(env, job, batch)
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


def check(env: dict[str, str], jobs: list[str]) -> dict[str, object]:
    """The jobs' statuses and counts summed (the status when all agree), the contacts, and repeated emails."""
    script = """
import django, json, sys
django.setup()
from collections import Counter
from bastion.directory.models import Contact, ContactEmail
from bastion.imports.models import ImportJob
jobs = [ImportJob.objects.get(pk=pk) for pk in sys.argv[1:]]
emails = Counter(str(row.address) for row in ContactEmail.objects.all())
print(json.dumps({"status": "/".join(sorted({job.status for job in jobs})), "position": sum(job.position for job in jobs),
    "created": sum(job.created_count for job in jobs), "rejected": sum(job.rejected_count for job in jobs),
    "contacts": Contact.objects.count(), "repeated": sum(1 for n in emails.values() if n > 1)}))
"""
    result = subprocess.run([sys.executable, "-c", script, *jobs], env=env, capture_output=True, text=True, check=True, cwd=ROOT)  # noqa: S603
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def run_measured(args: argparse.Namespace, env: dict[str, str], jobs: list[str], sealer: Any) -> tuple[float, ...]:
    """Run the import(s) as ``args`` say: (seconds, CPU of the import processes, of the sealer, of the database server)."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, sealer_before = database_server_cpu_seconds(), cpu_seconds(sealer.pid) if sealer else 0.0
    if args.crash:
        first = run_import(env, jobs[0], kill_at=0.5, batch=args.batch)
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        half = check(env, jobs)
        cpu_check = resource.getrusage(resource.RUSAGE_CHILDREN)
        second = run_import(env, jobs[0], batch=args.batch)
        elapsed = first + second
        print(f"killed at {half['position']:,} of {args.rows:,} rows ({half['contacts']:,} contacts committed), then rerun")
    else:
        elapsed = run_imports(env, jobs, batch=args.batch)
        cpu_after = cpu_check = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = database_server_cpu_seconds() - server_before  # the check's queries too, under --crash
    sealing = cpu_seconds(sealer.pid) - sealer_before if sealer else 0.0
    cpu_end = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in ((cpu_before, cpu_after), (cpu_check, cpu_end)))
    return elapsed, cpu, sealing, server


AIM = 10_000  # rows per second (issue 6)


def print_whole_cost(rows: int, elapsed: float, whole: float, server: float) -> None:
    """The CPU of every process an import keeps busy (itself, its sealer, the database server on this host), per row.

    At that cost per row, the aim needs ``AIM * cost`` CPU seconds per second: that many cores
    kept busy, whatever the split among processes.
    """
    print(f"CPU time of the PostgreSQL server on this host during the import: {server:.1f} s")
    print(f"CPU time in all (import, sealer, database server): {whole:.1f} s, {whole / rows * 1e6:,.0f} µs per row")
    needed = AIM * whole / rows
    print(f"cores kept busy on average: {whole / elapsed:.2f}; at this cost per row, {AIM:,} rows/s needs {needed:.1f} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows per file")
    parser.add_argument("--crash", action="store_true", help="SIGKILL half way, rerun, check exactly-once")
    parser.add_argument("--batch", type=int, default=None, help="rows per transaction (default: the importer's)")
    parser.add_argument("--sealer", choices=("inline", "process"), default="inline", help="who seals the audit events")
    parser.add_argument("--jobs", type=int, default=1, help="imports of different files run at once, a process each")
    parser.add_argument("--lanes", type=int, default=None, help="BASTION_IMPORT_LANES (default: the product's)")
    args = parser.parse_args()
    if args.jobs < 1 or (args.crash and args.jobs > 1):
        parser.error("--jobs takes 1 or more, and --crash only 1")
    made = [make_csv(args.rows, number) for number in range(args.jobs)]
    rows, bad = args.rows * args.jobs, sum(bad for _data, bad in made)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as data_dir, contextlib.ExitStack() as stack:
        env = environment(data_dir)
        if args.lanes is not None:
            env["BASTION_IMPORT_LANES"] = str(args.lanes)
        jobs = prepare(env, [data for data, _bad in made])
        database = "PostgreSQL" if "DATABASE_URL" in env else "SQLite"  # environment() sets it for PostgreSQL only
        sealer = None
        if args.sealer == "process":
            sealer = stack.enter_context(dedicated_sealer(Scratch(env, database.lower())))
            env = sealer.scratch.env
        elapsed, cpu, sealing, server = run_measured(args, env, jobs, sealer)
        result = check(env, jobs)
        good = rows - bad
        exact = result["contacts"] == good and result["created"] == good and result["repeated"] == 0 and result["rejected"] == bad
        size = sum(len(data) for data, _bad in made) / 1048576
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {database}")
        print(f"rows: {rows:,} ({bad:,} bad) in {args.jobs} file(s) imported at once, {size:.1f} MB, status {result['status']}")
        print(f"created {result['created']:,}, rejected {result['rejected']:,}, each good row exactly once: {exact}")
        print(f"time (including process start-up and decrypting the files): {elapsed:.1f} s")
        print(f"rows per second: {rows / elapsed:,.0f}")
        print(f"CPU time of the import processes: {cpu:.1f} s, rows per CPU second: {rows / cpu:,.0f}")
        if sealer is not None:
            print(f"CPU time of the sealer process beside them, during the import: {sealing:.1f} s")
        if database == "PostgreSQL" and server > 0:
            print_whole_cost(rows, elapsed, cpu + sealing + server, server)
        print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
