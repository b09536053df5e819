"""CPU per person of fetching a page's wrapped data keys (``keyring.preload``), per code tree.

    .venv/bin/python bench/key_preload_cost.py /path/to/checkout [people] [page]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<throw-away> .venv/bin/python bench/key_preload_cost.py .

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


def main() -> None:
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    page = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    with fresh_checkout(sys.argv[1]) as (root, _bench):
        from databases import settle_statistics

        from bastion.kernel.crypto import keyring

        persons = [uuid.uuid4() for _ in range(people)]
        keyring.ensure_keys(persons)
        settle_statistics()
        pairs = [(person, keyring.get_provider().current_version()) for person in persons]
        passes = []
        for _ in range(5):
            keyring.clear_caches()
            started = time.process_time()
            for start in range(0, people, page):
                keyring.preload(pairs[start : start + page])
            passes.append((time.process_time() - started) * 1e6 / people)
    figures = " ".join(f"{value:.1f}" for value in passes)
    sys.stdout.write(f"{root}: {people:,} people in pages of {page}, CPU µs per person: {figures} (best {min(passes):.1f})\n")


if __name__ == "__main__":
    main()
