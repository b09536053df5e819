"""What this host's PostgreSQL commits per second to Python without Django: the floor under issue 4's aim.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/transaction_floor.py [--seconds 30]
    ... [--processes 4]   # as many clients as the audit bench's appenders (4 by default)

``bench/audit_bench.py --ceiling`` measures audited appends and the same transactions without
audit, both through Django. This script takes Django away: ``--processes`` OS processes each run
psycopg directly, in a loop, one transaction of one prepared INSERT of the audit inbox's own row
(15 columns, as ``record_event`` sends it) and a COMMIT: the same three round trips (BEGIN, INSERT,
COMMIT) an append costs, with no Python around them. No application code can append faster than
this on the host, so it tells whether the 5,000 appends/s aim can be shown here at all.

A scratch database ``bastion_transaction_floor`` is made on the server (and dropped); the CPU of
the clients and of the PostgreSQL server on this host is read from ``/proc``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import database_server_cpu_seconds  # noqa: E402

NAME = "bastion_transaction_floor"
TABLE = """CREATE TABLE inbox (
    id bigserial PRIMARY KEY, recorded_at timestamptz NOT NULL, "timestamp" timestamptz NOT NULL,
    kind integer NOT NULL, outcome varchar(16) NOT NULL, actor_id integer, actor_snapshot jsonb NOT NULL,
    on_behalf_of_id integer, client_ip varchar(64) NOT NULL, user_agent varchar(256) NOT NULL,
    request_id varchar(64) NOT NULL, target_type varchar(64) NOT NULL, target_id varchar(64) NOT NULL,
    target_snapshot jsonb NOT NULL, changes jsonb NOT NULL, extra jsonb NOT NULL)"""
COLUMNS = (
    "recorded_at, timestamp, kind, outcome, actor_id, actor_snapshot, on_behalf_of_id, client_ip, user_agent, "
    "request_id, target_type, target_id, target_snapshot, changes, extra"
)
INSERT = f"INSERT INTO inbox ({COLUMNS}) VALUES ({', '.join(['%s'] * 15)}) RETURNING id"  # noqa: S608 - fixed names


def _url(database: str) -> str:
    base = os.environ["DATABASE_URL"]
    return base.rsplit("/", 1)[0] + "/" + database


def _admin(*statements: str) -> None:
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _append(seconds: float, worker: int, done: Any) -> None:
    """Commit one audited-append-sized transaction after another for ``seconds``; put the count on ``done``."""
    count = 0
    with psycopg.connect(_url(NAME)) as connection:
        cursor = connection.cursor()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            now = dt.datetime.now(dt.UTC)
            changes = f'{{"n":{{"new":{count + 1},"old":{count}}}}}'
            row = (now, now, 301, "success", None, "{}", None, "", "", "", "bench.worker", str(worker), "{}", changes, "{}")
            cursor.execute(INSERT, row, prepare=True)
            cursor.fetchone()
            connection.commit()
            count += 1
    done.put(count)


def measure(seconds: float, processes: int) -> dict[str, float]:
    """Transactions per second of ``processes`` clients for ``seconds``, and the CPU per transaction (µs)."""
    _admin(f"DROP DATABASE IF EXISTS {NAME}", f"CREATE DATABASE {NAME}")
    try:
        with psycopg.connect(_url(NAME), autocommit=True) as connection:
            connection.execute(TABLE)
        done: Any = multiprocessing.get_context("fork").Queue()
        workers = [multiprocessing.get_context("fork").Process(target=_append, args=(seconds, n, done)) for n in range(processes)]
        clients_before, server_before = _children_cpu(), database_server_cpu_seconds()
        for worker in workers:
            worker.start()
        total = sum(done.get() for _ in workers)
        for worker in workers:
            worker.join()
        clients, server = _children_cpu() - clients_before, database_server_cpu_seconds() - server_before
    finally:
        _admin(f"DROP DATABASE IF EXISTS {NAME}")
    return {
        "per_second": total / seconds,
        "total": total,
        "client_us": clients / total * 1e6,
        "server_us": server / total * 1e6,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL server on this host (the database named in it is only used to connect)")
    run = measure(args.seconds, args.processes)
    whole = run["client_us"] + run["server_us"]
    cores = 5000 * whole / 1e6
    print("| measure (PostgreSQL, psycopg without Django) | result |")
    print("|---|---:|")
    print(
        f"| one-INSERT transactions/s (the audit inbox's row, prepared), {args.processes} processes, {args.seconds:g} s "
        f"| {run['per_second']:,.0f} ({run['total']:,.0f} transactions) |"
    )
    print(
        f"| CPU per transaction: clients {run['client_us']:,.0f} + server {run['server_us']:,.0f} µs "
        f"| {whole:,.0f} µs: 5,000/s needs {cores:.1f} cores |"
    )


if __name__ == "__main__":
    main()
