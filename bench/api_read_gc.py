"""The garbage collector's share of an API read, encryption on or off (ADR 0055): one mode per run.

    .venv/bin/python bench/api_read_gc.py on 100000
    .venv/bin/python bench/api_read_gc.py off 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<throw-away> .venv/bin/python bench/api_read_gc.py on 20000

Bulk-creates ``count`` contacts in this checkout (``crypto_bench.create``, encryption on, or off as
in ``crypto_bench.encryption_off``), then reads all of them through the API's contact list
(``crypto_bench.read_api``: 100 per page, key caches emptied first) twice: with the cyclic
garbage collector on, then turned off for the read (``gc.disable()``). Prints the CPU µs per
contact of each read and how many objects the collector tracks at the end (frozen ones aside:
``crypto_bench.migrate`` freezes start-up objects as a server process does).
"""

from __future__ import annotations

import gc
import sys

from checkouts import fresh_checkout


def main() -> None:
    mode, count = sys.argv[1], int(sys.argv[2])
    with fresh_checkout(".") as (_root, bench):
        from bastion.kernel.crypto import keyring

        restore = bench.encryption_off() if mode == "off" else (lambda: None)
        try:
            bench.create(count, seed=1)
            figures = []
            for collector in ("on", "off"):
                keyring.clear_caches()
                gc.collect()
                if collector == "off":
                    gc.disable()
                try:
                    _wall, cpu, seen = bench.read_api()
                finally:
                    gc.enable()
                figures.append(f"collector {collector}: {cpu * 1e6 / seen:.1f}")
        finally:
            restore()
        tracked = len(gc.get_objects())
    read = ", ".join(figures)
    print(f"encryption {mode}, {count:,} contacts, CPU µs per contact read through the API: {read}; {tracked:,} tracked")  # noqa: T201


if __name__ == "__main__":
    main()
