"""Read cost of encrypted fields, before and after a change: CPU seconds, in one process per code tree.

    .venv/bin/python bench/crypto_read_compare.py /path/to/old/checkout 20000
    .venv/bin/python bench/crypto_read_compare.py . 20000

Creates ``count`` contacts (encrypted) with the code of the given checkout, then reads all of them
three times each way, in keyset pages of 2,000, touching three restricted fields per contact:
"off" with decryption swapped for a constant (the same rows, pages and descriptors; no key
fetched, nothing decrypted), "cold" with the key caches emptied first (one key-store query per
page, every data key unwrapped), "warm" with the keys cached. The figures are the CPU time of this
process (``time.process_time``), which a busy shared machine disturbs much less than wall-clock
time; the ratios use the best of the three runs.
"""

from __future__ import annotations

import sys
import time

from checkouts import fresh_checkout


def main() -> None:
    count = int(sys.argv[2])
    with fresh_checkout(sys.argv[1]) as (root, bench):
        bench.create(count, seed=1)
        from bastion.kernel.crypto import envelope, keyring

        name = "open_bound" if hasattr(envelope, "open_bound") else "open_sealed"  # before: open_sealed
        real_open, real_preload = getattr(envelope, name), keyring.preload
        runs: dict[str, list[float]] = {"off": [], "cold": [], "warm": []}
        for _round in range(3):
            setattr(envelope, name, lambda *args: b"person1-1234@bulk.example")
            keyring.preload = lambda pairs: None
            runs["off"].append(cpu(bench.read_all))
            setattr(envelope, name, real_open)
            keyring.preload = real_preload
            keyring.clear_caches()
            runs["cold"].append(cpu(bench.read_all))
            runs["warm"].append(cpu(bench.read_all))
    best = {key: min(values) for key, values in runs.items()}
    sys.stdout.write(f"{root}: {count:,} contacts, CPU seconds of 3 runs each\n")
    for key, values in runs.items():
        ratio = best[key] / best["off"]
        sys.stdout.write(f"  {key:<5} {' '.join(f'{value:.2f}' for value in values)}  best {best[key]:.2f}  x{ratio:.2f}\n")


def cpu(function: object) -> float:
    started = time.process_time()
    function()  # type: ignore[operator]
    return time.process_time() - started


if __name__ == "__main__":
    main()
