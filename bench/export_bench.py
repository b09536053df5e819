"""Field-level security benchmark: a masked CSV export of every contact, and the cost of masking a list.

    .venv/bin/python bench/export_bench.py [--contacts 20000] [--repeats 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/export_bench.py

Uses a fresh data folder (SQLite) or empties the PostgreSQL database named in DATABASE_URL (a
throw-away one; its key store is ``<name>_keys``). Seeds ``--contacts`` encrypted contacts with
``bulk_contacts``, then, as a marketer (every restricted field masked):

- "export": streams ``bastion.directory.export.rows`` for the whole contact list to the end (keyset
  pages of 500, data keys preloaded per page, every row masked, CSV-encoded), best and median of
  ``--repeats`` runs, in rows per second;
- "list": serialises one 100-row API page with the masked serializer and with the same serializer
  fed the raw instances (masking bypassed, bench only), median of 200 runs each, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crypto_bench import fresh_databases, migrate, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    setup_django(tempfile.mkdtemp(prefix="bastion-export-bench-"))
    fresh_databases()
    migrate()

    from bastion.accounts.actions import create_staff_user
    from bastion.directory import export, selectors
    from bastion.directory.api_serializers import ContactSummarySerializer, MaskedSerializerMixin
    from bastion.directory.tests.factories import bulk_contacts
    from bastion.kernel.access.roles import Role
    from bastion.kernel.pagination import Ordering, PageRequest

    bulk_contacts(args.contacts, seed=11, batch_size=2000)
    marketer, _password = create_staff_user("bench-marketer", "m@bench.example", Role.MARKETER, usable_password=False)
    ordering = Ordering("name", "sort_name")

    timings, rows = [], 0
    for _ in range(args.repeats):
        spec = export.contact_export(marketer, selectors.ContactFilters(), ordering)
        started = time.perf_counter()
        rows = sum(1 for _line in export.rows(marketer, spec)) - 1
        timings.append(time.perf_counter() - started)

    page = selectors.contact_page(marketer, selectors.ContactFilters(), PageRequest(ordering=ordering, limit=100)).items

    class Raw(ContactSummarySerializer):
        def to_representation(self, instance: Any) -> dict[str, Any]:
            return super(MaskedSerializerMixin, self).to_representation(instance)  # skips the masking

    def median_ms(serializer: type) -> float:
        samples = []
        for _ in range(200):
            started = time.perf_counter()
            body = serializer(page, many=True, context={"user": marketer}).data
            samples.append((time.perf_counter() - started) * 1000)
            assert len(body) == len(page)  # noqa: S101 - a bench sanity check
        return round(statistics.median(samples), 2)

    result = {
        "contacts": args.contacts,
        "export_rows": rows,
        "export_best_rows_per_s": round(rows / min(timings)),
        "export_median_rows_per_s": round(rows / statistics.median(timings)),
        "list100_masked_ms": median_ms(ContactSummarySerializer),
        "list100_unmasked_ms": median_ms(Raw),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
