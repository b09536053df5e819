"""CPU cost of one audited append, against a plain one-row transaction, in one process (issue 4).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/audit_append_cost.py [--tree PATH]
    .venv/bin/python bench/audit_append_cost.py            # SQLite (no server CPU to count)

A scratch database is made and migrated with the code of ``--tree`` (default: this checkout; give
an older checkout, e.g. from ``git worktree add``, to compare). One process then alternates
blocks of ``--size`` transactions, ``--blocks`` times each:

- "audited": ``transaction.atomic()`` around one ``record_event``, sealing after the commit as
  in the product (at most every 0.25 s), and the rest sealed at the end of the block;
- "plain": ``transaction.atomic()`` around one INSERT of two columns through Django's cursor.

Then it times sealing on its own: four times ``--size`` events recorded with sealing held back, then sealed.
Figures are CPU microseconds per transaction or event: this process (client) and, on PostgreSQL,
its server backend (``/proc/<pid>/stat``, in 10 ms ticks; the server must run on this machine). CPU time is what
a busy shared host disturbs least; the minimum and median of the blocks are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _child(size: int, blocks: int) -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from processes import cpu_seconds

    from bastion.kernel.audit import sealer
    from bastion.kernel.audit.kinds import EventKind
    from bastion.kernel.audit.writer import Target, record_event

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_plain_commit (worker varchar(16), n integer)")
    backend = connection.connection.info.backend_pid if connection.vendor == "postgresql" else None

    def cpu() -> tuple[float, float]:
        return time.process_time(), 0.0 if backend is None else cpu_seconds(backend)

    target = Target("bench.worker", "1.0", {"worker": 1, "thread": 0})

    def audited(n: int) -> None:
        with transaction.atomic():
            record_event(EventKind.RECORD_UPDATED, target=target, changes={"n": {"old": n, "new": n + 1}})

    def plain(n: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_plain_commit (worker, n) VALUES (%s, %s)", ["1.0", n])

    def block(append: Any, seal_rest: bool) -> tuple[float, float]:
        sealer._last_attempt = 0.0
        (client, server) = cpu()
        for n in range(size):
            append(n)
        if seal_rest:
            sealer.seal_pending()
        (client_after, server_after) = cpu()
        return 1e6 * (client_after - client) / size, 1e6 * (server_after - server) / size

    for n in range(200):  # warm-up: connection, prepared statement, caches
        audited(n)
        plain(n)
    sealer.seal_pending()
    results: dict[str, list[tuple[float, float]]] = {"audited": [], "plain": []}
    for _ in range(blocks):
        results["audited"].append(block(audited, seal_rest=True))
        results["plain"].append(block(plain, seal_rest=False))
    sealing = []
    for _ in range(max(2, blocks // 4)):
        sealer._last_attempt = time.monotonic() + 1e9  # hold sealing back while recording
        for n in range(4 * size):  # more than a block: the server's CPU clock counts in 10 ms ticks
            audited(n)
        (client, server) = cpu()
        sealer.seal_pending()
        (client_after, server_after) = cpu()
        sealing.append((1e6 * (client_after - client) / (4 * size), 1e6 * (server_after - server) / (4 * size)))
    sealer._last_attempt = 0.0
    for label, samples in (*results.items(), ("sealing only", sealing)):
        totals = sorted(client + server for client, server in samples)
        print(  # noqa: T201
            f"| {label} | {statistics.median(c for c, _ in samples):.0f} | {statistics.median(s for _, s in samples):.0f} "
            f"| {totals[0]:.0f} | {statistics.median(totals):.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tree", default=str(ROOT), help="the checkout whose code is measured")
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--blocks", type=int, default=14)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.size, args.blocks)
        return
    tree = str(Path(args.tree).resolve())
    sys.path.insert(0, tree)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
    from bastion.kernel.audit.tests.concurrency import scratch_database

    url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="audit-cost-") as tmp:
        postgres = url if url.startswith("postgres") else None
        with scratch_database(Path(tmp), postgres, name="bastion_audit_cost") as scratch:
            env = {**scratch.env, "PYTHONPATH": tree}
            command = [sys.executable, str(Path(__file__).resolve()), "--child", "--size", str(args.size)]
            command += ["--blocks", str(args.blocks)]
            print(f"{tree} on {scratch.vendor}, blocks of {args.size}, CPU µs per transaction or event")  # noqa: T201
            print("| measure | client median | server median | total min | total median |\n|---|---:|---:|---:|---:|")  # noqa: T201
            done = subprocess.run(command, env=env, cwd=tree, check=False)  # noqa: S603 - this interpreter and this script
            if done.returncode:
                raise SystemExit(done.returncode)


if __name__ == "__main__":
    main()
