"""Encryption's cost on reading through the API: on and off alternated in one process (issue 3, ADR 0055).

    .venv/bin/python bench/crypto_read_api_compare.py [contacts-per-mode] [rounds]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<throw-away> .venv/bin/python bench/crypto_read_api_compare.py 100000

Bulk-creates ``contacts-per-mode`` contacts (default 100,000) at one company with encryption
off (``crypto_bench.encryption_off``: an identity codec, no keys), and as many at another with
it on, in one database. Then reads each set through the API's contact list
(``crypto_bench.read_api``: 100 per page, one company's contacts by name, the key caches emptied first),
``rounds`` times each way (default 3), alternating which goes first. One process and one
database for both, so a busy host's drift and the process's memory layout fall on both sides,
unlike ``crypto_bench.py``'s separate "off" and "on" processes. Prints the CPU µs per contact of
each read and the ratio of the medians (CPU time of this process: the database server of
PostgreSQL is not counted; the wall time is printed too).
"""

from __future__ import annotations

import statistics
import sys

from checkouts import fresh_checkout


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with fresh_checkout(".") as (_root, bench):
        from bastion.directory.tests.factories import CompanyFactory
        from bastion.kernel.crypto import keyring

        companies = {mode: CompanyFactory(name=f"Encryption {mode} Ltd") for mode in ("off", "on")}
        restore = bench.encryption_off()
        try:
            bench.create(count, seed=1, company=companies["off"])
        finally:
            restore()
        bench.create(count, seed=2, company=companies["on"])
        from databases import settle_statistics

        settle_statistics()  # PostgreSQL: VACUUM ANALYZE both databases after the bulk seeds, as crypto_bench.py does
        runs: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
        for number in range(rounds):
            for mode in ("off", "on") if number % 2 == 0 else ("on", "off"):
                restore = bench.encryption_off() if mode == "off" else (lambda: None)
                keyring.clear_caches()
                try:
                    wall, cpu, seen = bench.read_api(company=companies[mode])
                finally:
                    restore()
                if seen != count:
                    raise SystemExit(f"the {mode} read saw {seen} contacts, not {count}")
                runs[mode].append((wall * 1e6 / seen, cpu * 1e6 / seen))
    out = sys.stdout
    for mode, values in runs.items():
        out.write(
            f"  {mode:<3} wall µs {' '.join(f'{w:.1f}' for w, _c in values)}  CPU µs {' '.join(f'{c:.1f}' for _w, c in values)}\n"
        )
    (off_wall, off_cpu), (on_wall, on_cpu) = (
        [statistics.median(run[i] for run in runs[mode]) for i in (0, 1)] for mode in ("off", "on")
    )
    out.write(f"{count:,} contacts a side, medians (wall / CPU): off {off_wall:.1f} / {off_cpu:.1f} µs,")
    out.write(f" on {on_wall:.1f} / {on_cpu:.1f} µs;")
    out.write(f" on/off x{on_wall / off_wall:.2f} wall, x{on_cpu / off_cpu:.2f} CPU\n")


if __name__ == "__main__":
    main()
