"""Audit trail benchmark (issue 4): concurrent appends per second, and verifying 1,000,000 events.

    .venv/bin/python bench/audit_bench.py [--seconds 60] [--processes 4] [--events 1000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helper_d .venv/bin/python bench/audit_bench.py
    .venv/bin/python bench/audit_bench.py --threads 8      # 4 processes x 8 threads (gunicorn --threads)
    AUDIT_BENCH_COMPARE_TREE=/path/to/older/checkout ...   # also time that checkout's verify on the same rows
    .venv/bin/python bench/audit_bench.py --sealer inline  # each appender seals after its commits (no sealer process)

1. Appends: ``--processes`` OS processes append through ``record_event`` (one event per
   transaction, as the actions do) to a fresh database for ``--seconds`` seconds: a new SQLite
   file, and with DATABASE_URL a scratch PostgreSQL database ``bastion_audit_bench`` on that
   server (created, migrated and dropped). As ``bastion serve`` runs them, a dedicated
   ``bastion auditlog seal --follow`` process seals for them (``--sealer process``, the default;
   ``--sealer inline``: each appender seals after its own commits, docs/adr/0061). The sequence
   is then checked for gaps and forks.
2. Verify: ``--events`` events are seeded into another fresh database by computing the chain in
   Python with the writer's own canonical encoding (``entry_of`` + ``canonical.encode`` +
   ``merkle.leaf_hash``) and inserted as the sealer inserts (``batch_sql.execute_many``) in
   batches of 10,000. The append-only triggers stay
   in place: they refuse UPDATE and DELETE, not INSERT. The chain head is set and a checkpoint
   signed, then ``verify_log()`` is timed (the code behind ``bastion auditlog verify``).

On PostgreSQL each run also reads the CPU time it cost every process it kept busy (the appenders,
the sealer, and the database server on this host, from ``/proc``): the whole cost per append, and
the cores the 5,000/s aim needs at that cost.

Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bastion.kernel.audit.tests.concurrency import dedicated_sealer, log_stats, run_appenders, scratch_database  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from processes import cpu_seconds, database_server_cpu_seconds  # noqa: E402

BATCH = 10_000
COLUMNS = ("sequence", "timestamp", "kind", "outcome", "actor_id", "actor_snapshot", "on_behalf_of_id", "client_ip",
           "user_agent", "request_id", "target_type", "target_id", "target_snapshot", "changes", "extra", "prev_hash",
           "leaf_hash")  # fmt: skip


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the verify workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def seed_and_verify(events: int) -> dict[str, float]:
    """(In a child process pointed at a scratch database.) Seed ``events`` events, time verify_log()."""
    import django

    django.setup()
    from django.db import connection, transaction

    from bastion.kernel.audit import canonical, checkpoints, merkle
    from bastion.kernel.audit.kinds import EventKind, Outcome
    from bastion.kernel.audit.models import AuditChainHead
    from bastion.kernel.audit.sealer import JSON_COLUMNS
    from bastion.kernel.audit.verify import verify_log
    from bastion.kernel.audit.writer import entry_of
    from bastion.kernel.batch_sql import execute_many

    started = time.perf_counter()
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    adapt = connection.ops.adapt_datetimefield_value
    insert = f"INSERT INTO kernel_auditevent ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
    prev, frontier, batch = canonical.GENESIS_HASH, list[bytes](), list[tuple[Any, ...]]()
    for sequence in range(1, events + 1):
        values: dict[str, Any] = {
            "sequence": sequence,
            "timestamp": base + dt.timedelta(milliseconds=sequence * 37),
            "kind": int(EventKind.RECORD_UPDATED if sequence % 5 else EventKind.RECORD_VIEWED),
            "outcome": str(Outcome.SUCCESS),
            "actor_id": sequence % 50 + 1,
            "actor_snapshot": {"username": f"user{sequence % 50 + 1}", "role": "sales_rep"},
            "on_behalf_of_id": None,
            "client_ip": f"192.0.2.{sequence % 250 + 1}",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131",
            "request_id": f"{sequence:032x}",
            "target_type": "directory.contact",
            "target_id": str(sequence % 100_000 + 1),
            "target_snapshot": {"owner": sequence % 50 + 1},
            "changes": {"job_title": {"old": f"Engineer {sequence}", "new": f"Manager {sequence}"}},
            "extra": {},
            "prev_hash": prev,
        }
        leaf = merkle.leaf_hash(canonical.encode(entry_of(values)))
        prev = leaf.hex()
        merkle.append(frontier, sequence - 1, leaf)
        values.update(leaf_hash=prev, timestamp=adapt(values["timestamp"]))
        batch.append(tuple(canonical.encode_text(values[c]) if c in JSON_COLUMNS else values[c] for c in COLUMNS))
        if len(batch) == BATCH:
            with transaction.atomic():
                execute_many(insert, batch)  # the sealer's own way of inserting events
            batch = []
    with transaction.atomic():
        execute_many(insert, batch)
        AuditChainHead.objects.update_or_create(
            pk=1, defaults={"sequence": events, "leaf_hash": prev, "frontier": [h.hex() for h in frontier]}
        )
    checkpoints.make_checkpoint()
    seeded = time.perf_counter() - started

    started, cpu = time.perf_counter(), _cpu()
    result = verify_log(workers=os.cpu_count() or 1)  # as `bastion auditlog verify` does by default
    verified, verified_cpu = time.perf_counter() - started, _cpu() - cpu
    if not result.ok or result.events_checked != events:
        raise SystemExit(f"verification failed: {result.problem} ({result.events_checked} checked)")
    timings = {"events": events, "seed_seconds": seeded, "verify_seconds": verified, "verify_cpu_seconds": verified_cpu}
    compare = os.environ.get("AUDIT_BENCH_COMPARE_TREE")
    if compare:  # the verifier of another checkout (e.g. the commit before) on the same rows, right after
        code = (
            "import django, time, json; django.setup()\n"
            "from bastion.kernel.audit.verify import verify_log\n"
            "s, c = time.perf_counter(), time.process_time(); r = verify_log()\n"
            "print(json.dumps([r.ok, r.events_checked, time.perf_counter() - s, time.process_time() - c]))"
        )
        env = {**os.environ, "PYTHONPATH": compare}
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=compare, capture_output=True, text=True, check=True)  # noqa: S603
        ok, checked, wall, cpu_seconds = json.loads(done.stdout.strip().splitlines()[-1])
        if not ok or checked != events:
            raise SystemExit(f"the other checkout's verify failed: {done.stdout}")
        timings.update({"compare_verify_seconds": wall, "compare_verify_cpu_seconds": cpu_seconds})
    return timings


@contextmanager
def cpu_spent(postgres: bool, sealer_pid: int = 0) -> Iterator[dict[str, float]]:
    """CPU seconds used while the block runs, filled in after it: by the appenders (this script's children that
    ended), by the sealer process (``sealer_pid``), and by the PostgreSQL server on this host (``postgres``)."""
    spent: dict[str, float] = {}
    before = (_cpu() - time.process_time(), cpu_seconds(sealer_pid) if sealer_pid else 0.0)
    server_before = database_server_cpu_seconds() if postgres else 0.0
    yield spent
    spent["appenders"] = _cpu() - time.process_time() - before[0]
    spent["sealer"] = cpu_seconds(sealer_pid) - before[1] if sealer_pid else 0.0
    spent["server"] = database_server_cpu_seconds() - server_before if postgres else 0.0


def ceiling(folder: Path, postgres_url: str | None, processes: int, seconds: float, threads: int = 1) -> dict[str, Any]:
    """Transactions per second of the same appenders with no audit event (one plain INSERT each), and their CPU."""
    name = "bastion_audit_bench_bare"
    with scratch_database(folder, postgres_url, name=name) as scratch, cpu_spent(postgres_url is not None) as spent:
        reports = run_appenders(scratch, folder, processes=processes, seconds=seconds, threads=threads, bare=True)
    total = sum(r["events"] for r in reports)
    return {"total": total, "per_second": total / seconds, "cpu": spent}


def appends(
    folder: Path, postgres_url: str | None, processes: int, seconds: float, threads: int = 1, sealer: str = "process"
) -> dict[str, Any]:
    with scratch_database(folder, postgres_url, name="bastion_audit_bench") as scratch:
        if sealer == "process":
            with dedicated_sealer(scratch) as run, cpu_spent(postgres_url is not None, run.pid) as spent:
                reports = run_appenders(run.scratch, folder, processes=processes, seconds=seconds, threads=threads)
        else:
            with cpu_spent(postgres_url is not None) as spent:
                reports = run_appenders(scratch, folder, processes=processes, seconds=seconds, threads=threads)
        total = sum(r["events"] for r in reports)
        stats = log_stats(scratch)
        left = stats.pop("left_in_inbox")  # none with the sealer process: it seals what is left when it stops
        if sealer == "process":
            left = run.on_stopping
        sound = stats == {"count": total, "first": 1, "last": total, "prevs": total}
        verify = scratch.run("auditlog", "verify")
    return {
        "total": total,
        "per_second": total / seconds,
        "errors": sum(r["errors"] for r in reports),
        "per_process": [r["events"] for r in reports],
        "sound": sound and verify.returncode == 0,
        "verify": verify.stdout.strip() or verify.stderr.strip(),
        "left_in_inbox": left,
        "cpu": spent,
    }


def verify_million(folder: Path, postgres_url: str | None, events: int) -> dict[str, float]:
    with scratch_database(folder, postgres_url, name="bastion_audit_bench_verify") as scratch:
        done = subprocess.run(  # noqa: S603 - this interpreter and this script
            [sys.executable, __file__, "--child-verify", str(events)],
            env=scratch.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode:
        raise SystemExit(f"seed/verify failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


AIM = 5_000  # appends per second (issue 4)


def whole_cost(name: str, run: dict[str, Any]) -> tuple[str, str, str]:
    """A table row: the CPU of every process a run kept busy, per transaction, and the cores the aim needs at that cost."""
    spent, total = run["cpu"], run["total"]
    whole = sum(spent.values())
    parts = ", ".join(f"{key} {value / total * 1e6:,.0f}" for key, value in spent.items())
    return (
        f"CPU per {name}, every process on this host ({parts} µs)",
        f"{whole / total * 1e6:,.0f} µs: {AIM:,}/s needs {AIM * whole / total:.1f} cores",
        "-",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="appending threads per process (gunicorn --threads)")
    parser.add_argument("--skip-appends", action="store_true")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--ceiling", action="store_true", help="also time the same transactions without audit events")
    parser.add_argument(
        "--sealer", choices=("process", "inline"), default="process", help="who seals: a dedicated process, or each appender"
    )
    parser.add_argument("--child-verify", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_verify:
        print(json.dumps(seed_and_verify(args.child_verify)))  # noqa: T201
        return
    postgres_url = os.environ.get("DATABASE_URL") if os.environ.get("DATABASE_URL", "").startswith("postgres") else None
    backend = "PostgreSQL" if postgres_url else "SQLite"
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        folder = Path(tmp)
        append = (
            None
            if args.skip_appends
            else appends(folder / "appends", postgres_url, args.processes, args.seconds, args.threads, args.sealer)
        )
        if append:
            print(f"appends: {json.dumps(append)}", file=sys.stderr)  # noqa: T201
        bare = ceiling(folder / "bare", postgres_url, args.processes, args.seconds, args.threads) if args.ceiling else None
        verify = None if args.skip_verify else verify_million(folder / "verify", postgres_url, args.events)
        if verify:
            print(f"verify: {json.dumps(verify)}", file=sys.stderr)  # noqa: T201
    rows = []
    if append:
        shape = f"{args.processes} processes x {args.threads} threads" if args.threads > 1 else f"{args.processes} processes"
        shape += ", a sealer process" if args.sealer == "process" else ", each sealing after its commits"
        rows.append(
            (
                f"appends/s, {shape}, {args.seconds:.0f} s",
                f"{append['per_second']:,.0f} ({append['total']:,} events, {append['errors']} errors, "
                f"{append['left_in_inbox']} left unsealed at the end, log {'verified' if append['sound'] else 'BROKEN'})",
                ">= 5,000",
            )
        )
    if bare is not None:
        rows.append(
            (
                f"the same transactions without audit (one plain INSERT each), {args.processes} x {args.threads}",
                f"{bare['per_second']:,.0f}/s (the database's commit rate here: the ceiling for appends)",
                "-",
            )
        )
    for name, run in (("audited append", append), ("plain transaction", bare)):
        if run and postgres_url:
            rows.append(whole_cost(name, run))
    if verify:
        rows.append((f"seed {verify['events']:,.0f} events (bulk insert)", f"{verify['seed_seconds']:.1f} s", "-"))
        rows.append(
            (
                f"verify_log() over {verify['events']:,.0f} events",
                f"{verify['verify_seconds']:.1f} s ({verify['verify_cpu_seconds']:.1f} s CPU)",
                "< 20 s",
            )
        )
        if "compare_verify_seconds" in verify:
            rows.append(
                (
                    f"the compared checkout's verify_log(), same {verify['events']:,.0f} events",
                    f"{verify['compare_verify_seconds']:.1f} s ({verify['compare_verify_cpu_seconds']:.1f} s CPU)",
                    "-",
                )
            )
    print(f"| measure ({backend}) | result | aim |\n|---|---:|---:|")  # noqa: T201
    for row in rows:
        print("| " + " | ".join(row) + " |")  # noqa: T201


if __name__ == "__main__":
    main()
