"""Card-number checks (ADR 0071): what the check costs each text and each audit event, and how fast the scan reads.

    .venv/bin/python bench/cardnumbers_bench.py [--contacts 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cards .venv/bin/python bench/cardnumbers_bench.py

Uses a fresh data folder (SQLite) or drops and re-creates the PostgreSQL database named in
DATABASE_URL (a throw-away one). Prints:

- the check per text (``cardnumbers.first_in``) over values as staff type them: names, phone
  numbers, notes of 200 characters with figures in them, and card numbers;
- an audit event's JSON columns encoded with and without the masking look (``writer._json``);
- the scan of ``--contacts`` contacts (bulk-inserted, restricted fields encrypted): records and
  texts read per second, one card number planted so that it must find one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crypto_bench import fresh_databases, migrate, setup_django  # noqa: E402

TEXTS = {
    "name": "Zhang Wei",
    "phone": "+86 21 6123 4567",
    "note (200 chars, figures)": (
        "Met on 2026-11-30 about order 2026-000123: 40 seats at 1,250.00 each, delivery in Q1, call back on "
        "+44 20 7946 0123 after 14:00. Budget approved by finance; contract ref. AC-77812/3. Next step: demo."
    ),
    "card number in a note": "Customer read out 4111 1111 1111 1111 on the phone",
}


def per_call_us(function: object, argument: object, number: int = 20_000) -> float:
    return min(timeit.repeat(lambda: function(argument), number=number, repeat=5)) / number * 1e6  # type: ignore[operator]


def check_costs() -> None:
    from bastion.kernel import cardnumbers

    print("check per text (cardnumbers.first_in), best of 5:")
    for label, text in TEXTS.items():
        print(f"  {label:<28} {per_call_us(cardnumbers.first_in, text):7.2f} µs")


def audit_costs() -> None:
    from bastion.kernel.audit import canonical, writer

    changes = {
        "given_name": {"old": None, "new": "Wei"},
        "family_name": {"old": None, "new": "Zhang"},
        "job_title": {"old": None, "new": "Head of Procurement"},
        "notes": {"old": None, "new": TEXTS["note (200 chars, figures)"]},
        "email": {"changed": True},
    }

    def unmasked(value: object) -> str:
        return canonical.encode_text(canonical.jsonable(value))

    print("an audit event's change set (5 fields, one a 200-character note) encoded, best of 5:")
    print(f"  without the masking look     {per_call_us(unmasked, changes):7.2f} µs")
    print(f"  with it (writer._json)       {per_call_us(writer._json, changes):7.2f} µs")


def scan_rate(contacts: int) -> None:
    from bastion.directory.models import Contact
    from bastion.directory.tests.factories import bulk_contacts
    from bastion.kernel.cardnumbers_scan import scan

    started = time.perf_counter()
    bulk_contacts(contacts, seed=3)
    print(f"seeded {contacts:,} contacts in {time.perf_counter() - started:.1f} s")
    planted = Contact.objects.order_by("pk")[contacts // 2]
    planted.private_notes = "paid with 5555 5555 5555 4444"
    planted.save(update_fields=["private_notes"])
    started, cpu = time.perf_counter(), time.process_time()
    report = scan()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"scan: {report.tables} tables, {report.records:,} records, {report.values:,} texts in {wall:.1f} s "
        f"(CPU {cpu:.1f} s of this process): {report.records / wall:,.0f} records/s, {report.values / wall:,.0f} texts/s; "
        f"found {len(report.findings)} (planted 1)"
    )
    if [finding.record_id for finding in report.findings] != [str(planted.pk)]:
        raise SystemExit("the scan did not find exactly the planted card number")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bastion-cards-") as data_dir:
        setup_django(data_dir)
        fresh_databases()
        migrate()
        check_costs()
        audit_costs()
        scan_rate(args.contacts)


if __name__ == "__main__":
    main()
