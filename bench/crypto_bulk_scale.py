"""Encryption's cost on a bulk create at full size: each side fills databases of its own, alternating in one process.

    .venv/bin/python bench/crypto_bulk_scale.py TREE [--contacts 100000] [--round 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<throw-away> .venv/bin/python bench/crypto_bulk_scale.py .

Creates contacts (an email and a phone each, in batches of 2,000, through the test factory's bulk
write, which is an import's) with encryption off into one set of databases (main and key store)
and with it on into another, ``--round`` at a time, alternating which side goes first, until each
side holds ``--contacts``. Both sets start as the same freshly migrated databases: on SQLite a copy
of the migrated files, on PostgreSQL ``<name>_b`` and ``<name>_b_keys`` made from ``<name>`` and
``<name>_keys`` as templates (dropped at the end). Switching sides closes the connections and
points the two aliases at the other set.

``crypto_create_compare.py``'s two sides share one main database, twice as large as either side's
data, and only the "on" side has a key store; here each side's databases are those of an import of
that many contacts, as in ``crypto_bench.py``, but alternating in one process, so that a busy
host's drift falls on both sides alike. "Off" is ``crypto_bench.encryption_off``. Prints each round
and the medians of the rounds of the second half (the sides at half size and more): wall-clock µs
per contact (on PostgreSQL including the server), CPU µs of this process, and bytes written (see
:func:`bytes_written`), which a busy host does not change.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checkouts import fresh_checkout  # noqa: E402

ALIASES = ("default", "keys")


def second_set() -> tuple[dict[str, Any], dict[str, Any], Any]:
    """Copies of the migrated (still empty) databases: ``(names of side A, names of side B, drop B)``."""
    from django.db import connections

    connections.close_all()
    ours = {alias: connections[alias].settings_dict["NAME"] for alias in ALIASES}
    if connections["default"].vendor == "sqlite":
        theirs = {alias: f"{name}.b" for alias, name in ours.items()}
        for alias in ALIASES:
            shutil.copyfile(ours[alias], theirs[alias])
        return ours, theirs, lambda: None
    import psycopg

    theirs = {"default": f"{ours['default']}_b", "keys": f"{ours['default']}_b_keys"}
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]

    def admin(*statements: str) -> None:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as server:
            for statement in statements:
                server.execute(statement)

    for alias in ALIASES:
        copy, template = theirs[alias], ours[alias]
        admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)', f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    return ours, theirs, lambda: admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in theirs.values()))


def use(names: dict[str, Any]) -> None:
    from django.db import connections

    connections.close_all()
    for alias in ALIASES:
        connections[alias].settings_dict["NAME"] = names[alias]


def check_sides(off_names: dict[str, Any], on_names: dict[str, Any], contacts: int) -> None:
    """Each side holds its own contacts; only the "on" side's have keys (the two sets were kept apart)."""
    from bastion.directory.models import Contact
    from bastion.kernel.crypto.models import PersonKey

    for names, keys in ((off_names, 0), (on_names, contacts)):
        use(names)
        found = (Contact.objects.count(), PersonKey.objects.using("keys").count())
        if found != (contacts, keys):
            raise SystemExit(f"{names}: {found[0]} contacts and {found[1]} keys, expected {contacts} and {keys}")


def bytes_written() -> int:
    """What the databases have written so far: on SQLite this process's ``write()`` bytes (both
    databases' files and logs, ``wchar`` in ``/proc/self/io``); on PostgreSQL the server's WAL
    position (the whole server, so keep it otherwise idle). Unlike time, it does not depend on how
    busy the host is."""
    from django.db import connections

    if connections["default"].vendor == "postgresql":
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
            return int(cursor.fetchone()[0])
    with open("/proc/self/io") as counters:
        return next(int(line.split()[1]) for line in counters if line.startswith("wchar:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", help="the checkout whose code runs")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts per side")
    parser.add_argument("--round", type=int, default=10_000, help="contacts per round")
    args = parser.parse_args()
    rounds = args.contacts // args.round
    with fresh_checkout(args.tree) as (root, bench):
        off_names, on_names, drop = second_set()
        runs: dict[str, list[tuple[float, float, float]]] = {"off": [], "on": []}
        try:
            for number in range(rounds):
                for mode in ("off", "on") if number % 2 == 0 else ("on", "off"):
                    use(off_names if mode == "off" else on_names)
                    restore = bench.encryption_off() if mode == "off" else (lambda: None)
                    try:
                        started, written = time.process_time(), bytes_written()
                        wall = bench.create(args.round, seed=number)
                        cpu, written = time.process_time() - started, bytes_written() - written
                    finally:
                        restore()
                    wall_us, cpu_us, per = wall * 1e6 / args.round, cpu * 1e6 / args.round, written / args.round
                    runs[mode].append((wall_us, cpu_us, per))
                    print(f"  round {number + 1} {mode:<3} {wall_us:.0f} µs wall, {cpu_us:.0f} µs CPU, {per:,.0f} B", flush=True)
            check_sides(off_names, on_names, args.contacts - args.contacts % args.round)
        finally:
            use(off_names)
            drop()
    later = slice(rounds // 2, None)
    medians = {mode: [statistics.median(run[i] for run in runs[mode][later]) for i in (0, 1, 2)] for mode in runs}
    (off_wall, off_cpu, off_bytes), (on_wall, on_cpu, on_bytes) = medians["off"], medians["on"]
    print(f"{root}: {args.contacts:,} contacts a side, rounds of {args.round:,}; medians of rounds {rounds // 2 + 1}-{rounds}")
    print(f"  off {off_wall:.0f} / {off_cpu:.0f} µs, on {on_wall:.0f} / {on_cpu:.0f} µs (wall / CPU per contact);"
          f" on/off x{on_wall / off_wall:.2f} wall, x{on_cpu / off_cpu:.2f} CPU")  # fmt: skip
    print(f"  written per contact: off {off_bytes:,.0f} B, on {on_bytes:,.0f} B, x{on_bytes / off_bytes:.2f}")
    overall = [sum(run[i] for run in runs[mode]) for mode in ("off", "on") for i in (0, 1)]
    print(f"  all rounds: on/off x{overall[2] / overall[0]:.2f} wall, x{overall[3] / overall[1]:.2f} CPU")


if __name__ == "__main__":
    main()
