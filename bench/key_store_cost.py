"""CPU per person of fetching a page's wrapped data keys (``keyring.preload``), per code tree.

    .venv/bin/python bench/key_store_cost.py /path/to/checkout [people] [page]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<throw-away> .venv/bin/python bench/key_store_cost.py .

Makes data keys for ``people`` (default 5,000) new people with the code of the given checkout,
then, five times, empties the key caches and fetches all of their wrapped keys in pages of
``page`` (default 100, the API's longest page), as a list page does before it decrypts anything.
Prints the CPU time of this process per person for each pass (the database server's work is not
in it). Run two checkouts alternately to compare. A PostgreSQL database named in DATABASE_URL is
emptied first (with ``<name>_keys``).
"""

from __future__ import annotations

import sys
import time
import uuid

from checkouts import fresh_checkout

BATCH = 2000  # people per bulk write, as a seeding batch


def main() -> None:
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    page = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    with fresh_checkout(sys.argv[1]) as (root, _bench):
        from databases import settle_statistics

        from bastion.kernel.crypto import blind, keyring

        persons = [uuid.uuid4() for _ in range(people)]
        writes = []
        for start in range(0, people, BATCH):
            batch = persons[start : start + BATCH]
            started = time.process_time()
            keyring.ensure_keys(batch)
            blind.bulk_add("directory.contact.email", [(person, f"{person.hex}@bench.example") for person in batch])
            blind.bulk_add("directory.contact.phone", [(person, f"44{person.int % 10**10:010d}") for person in batch])
            writes.append((time.process_time() - started) * 1e6 / len(batch))
        settle_statistics()
        pairs = [(person, keyring.get_provider().current_version()) for person in persons]
        passes = []
        for _ in range(5):
            keyring.clear_caches()
            started = time.process_time()
            for start in range(0, people, page):
                keyring.preload(pairs[start : start + page])
            passes.append((time.process_time() - started) * 1e6 / people)
    made, fetched = (" ".join(f"{value:.1f}" for value in values) for values in (writes, passes))
    sys.stdout.write(f"{root}: CPU µs per person\n")
    sys.stdout.write(f"  keys and index entries made, {BATCH:,} people a batch: {made} (best {min(writes):.1f})\n")
    sys.stdout.write(f"  keys fetched, pages of {page}, {people:,} people a pass: {fetched} (best {min(passes):.1f})\n")


if __name__ == "__main__":
    main()
