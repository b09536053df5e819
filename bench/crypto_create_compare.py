"""Encryption's cost on a create through the action, or in bulk: on and off alternated in one process, per code tree.

    .venv/bin/python bench/crypto_create_compare.py /path/to/checkout [rounds] [contacts-per-round] [bulk]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<throw-away> .venv/bin/python bench/crypto_create_compare.py .
    .venv/bin/python bench/crypto_create_compare.py . 4 4000 bulk

Creates contacts one by one through ``actions.create_contact`` (an email, a phone and an address
each, as ``crypto_bench.create_through_actions`` does), in ``rounds`` rounds (default 4) of
``contacts-per-round`` (default 300) with encryption on and ``rounds`` with it off ("off" is
``crypto_bench.encryption_off``: no data key, no blind index, an identity codec), alternating which
goes first. Alternating in one process, on one database, keeps a busy host's drift out of the
ratio better than ``crypto_bench.py``'s separate "off" and "on" processes. With ``bulk``, each
round is one ``crypto_bench.create`` call instead (the test factory's bulk write, in batches of
2,000 contacts with an email and a phone each, as an import's batch is written). Prints per round and
the medians: wall-clock µs per create (on PostgreSQL this includes the server) and CPU µs of this
process. A PostgreSQL database named in DATABASE_URL is emptied first (with ``<name>_keys``).
"""

from __future__ import annotations

import statistics
import sys
import time

from checkouts import fresh_checkout


def main() -> None:
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    per_round = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    bulk = len(sys.argv) > 4 and sys.argv[4] == "bulk"
    with fresh_checkout(sys.argv[1]) as (root, bench):
        bench.create_through_actions(100)  # warm-up: scope keys, caches, prepared statements
        seeds = iter(range(100, 10_000))  # bulk: every round's contacts are new (their emails depend on the seed)

        def create(count: int) -> float:
            return bench.create(count, seed=next(seeds)) if bulk else bench.create_through_actions(count)

        runs: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
        for number in range(rounds):
            for mode in ("off", "on") if number % 2 == 0 else ("on", "off"):
                restore = bench.encryption_off() if mode == "off" else (lambda: None)
                try:
                    started = time.process_time()
                    wall = create(per_round)
                    runs[mode].append((wall * 1e6 / per_round, (time.process_time() - started) * 1e6 / per_round))
                finally:
                    restore()
    out = sys.stdout
    out.write(f"{root}: {rounds} rounds of {per_round} {'bulk-' if bulk else ''}creates each way\n")
    medians = {mode: [statistics.median(run[i] for run in runs[mode]) for i in (0, 1)] for mode in runs}
    for mode, values in runs.items():
        walls, cpus = (" ".join(f"{run[i]:.0f}" for run in values) for i in (0, 1))
        out.write(f"  {mode:<3} wall µs {walls}  CPU µs {cpus}\n")
    (off_wall, off_cpu), (on_wall, on_cpu) = medians["off"], medians["on"]
    out.write(f"  medians (wall / CPU): off {off_wall:.0f} / {off_cpu:.0f} µs, on {on_wall:.0f} / {on_cpu:.0f} µs;")
    out.write(f" on/off x{on_wall / off_wall:.2f} wall, x{on_cpu / off_cpu:.2f} CPU\n")


if __name__ == "__main__":
    main()
