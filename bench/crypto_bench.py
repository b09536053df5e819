"""Encryption-at-rest benchmark: create and read contacts with encryption on and off; email lookup at scale.

    .venv/bin/python bench/crypto_bench.py [--contacts 100000] [--lookup-contacts 1000000] [--lookups 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/crypto_bench.py

Each run uses a fresh data folder (SQLite database and key store there; a PostgreSQL database named
in DATABASE_URL is emptied first: use a throw-away one, its key store is ``<name>_keys`` on the same
server). "Create" inserts contacts in batches of 2,000 with one email and one phone each, the way
bastion.directory.tests.factories.bulk_contacts does (data keys made in bulk, every restricted field
sealed, emails and phones blind-indexed). "Read" loads every contact in keyset pages of 2,000 and
reads three restricted fields (primary email, primary phone, city), which decrypts them: first
with the key cache emptied (every data key fetched, one key-store query per page, and unwrapped),
then again with the keys cached. "Read through the API" then walks every contact through the
contact list endpoint (100 per page, an administrator's bearer token, in process through DRF's
test client), the key cache emptied first: what a client of Bastion waits for, with the primary
email and phone of every row decrypted. Reads also report the CPU time of the benchmark process, which a
busy shared machine disturbs less than the wall-clock time (on PostgreSQL it leaves out the server).

"Off" replaces the envelope with an identity codec and skips data keys and blind indexes, in this
process only: the schema and the code path are otherwise the same. There is deliberately no
setting that turns encryption off in the product.

The lookup part fills the database to ``--lookup-contacts`` with encryption on and times
``selectors.contact_ids_with_email`` (blind-index lookup, candidates decrypted, false positives
dropped) for addresses that exist and for addresses that do not.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 2000


def setup_django(data_dir: str) -> None:
    # The API read walks 1,000 pages with one token: above the default rate per token.
    os.environ.update({"BASTION_ENV": "development", "BASTION_DATA_DIR": data_dir, "BASTION_API_RATE": "100000/min"})
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
    import django

    django.setup()


def fresh_databases() -> None:
    """Empty databases for one phase: a new data folder (SQLite), or dropped and re-created PostgreSQL ones."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for database in (name, f"{name}_keys"):
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{database}"')
        os.environ["BASTION_KEYSTORE_URL"] = f"{base}/{name}_keys"


def migrate() -> None:
    """Migrate both databases, then settle memory as a server process does once started (``bastion/wsgi.py``)."""
    from django.core.management import call_command

    from bastion.kernel.memory import freeze_start_up_objects

    call_command("migrate", interactive=False, verbosity=0)  # the key store first, then the main database
    freeze_start_up_objects()


def encryption_off() -> Callable[[], None]:
    """Swap in an identity codec (bench only); returns a function that restores the real one.

    Every way in to sealing is covered (one value, a record's values together, a new person's
    first key with its index entries), so that "off" makes no data key and seals nothing.
    """
    from bastion.kernel.crypto import blind, envelope, keyring

    header = b"\x7f" + bytes(4) + bytes(12)
    patches: dict[Any, dict[str, Any]] = {
        envelope: {
            "seal": lambda context, plaintext: header + plaintext,
            "seal_bound": lambda field_part, record_part, person, plaintext: header + plaintext,
            "seal_many": lambda key, record_part, values, nonces=None: [header + plaintext for _field_part, plaintext in values],
            "open_bound": lambda field_part, record_part, person, blob: blob[17:],
        },
        keyring: {
            "ensure_keys": lambda persons, version=None: 0,
            "preload": lambda pairs: None,
            "key_for_write": lambda person: keyring.DataKey(0, None),  # type: ignore[arg-type]
            "making_first_keys": lambda persons, entries=(): contextlib.nullcontext([]),
        },
        blind: {
            "bulk_add": lambda scope, pairs, batch_size=2000: 0,
            "enrol": lambda person, index: None,
            "enrolling": lambda person, index: contextlib.nullcontext(),
            "entries_of": lambda scope, pairs: [],
        },
    }
    # An older tree (compared with bench/checkouts.py) may lack some of these: they are added, then removed.
    saved = {module: {name: getattr(module, name, None) for name in names} for module, names in patches.items()}
    for module, names in patches.items():
        for name, replacement in names.items():
            setattr(module, name, replacement)

    def restore() -> None:
        for module, names in saved.items():
            for name, original in names.items():
                setattr(module, name, original)

    return restore


def create(count: int, seed: int, company: Any = None) -> float:
    from bastion.directory.tests.factories import bulk_contacts

    started = time.perf_counter()
    bulk_contacts(count, seed=seed, batch_size=BATCH, companies=[company] if company is not None else ())
    return time.perf_counter() - started


def create_through_actions(count: int) -> float:
    """Create ``count`` contacts one by one through ``actions.create_contact`` (validation, tags, indexes)."""
    from bastion.accounts.actions import create_staff_user
    from bastion.directory.actions import create_contact
    from bastion.kernel.access.roles import Role

    name = f"bench-{time.monotonic_ns()}"
    actor, _password = create_staff_user(name, "b@bench.example", Role.ADMINISTRATOR, usable_password=False)
    started = time.perf_counter()
    for i in range(count):
        data = {
            "given_name": f"Person{i}",
            "family_name": "Bench",
            "emails": [{"address": f"action-{i}@bench.example"}],
            "phones": [{"number": f"+44 20 7946 {i % 10_000:04d}"}],
            "street": f"{i} High Street",
            "city": "London",
            "postal_code": "EC1A 1BB",
            "country": "United Kingdom",
        }
        create_contact(actor, data)
    return time.perf_counter() - started


def read_all() -> tuple[float, float, int]:
    """Read every contact's three restricted fields; returns (wall seconds, CPU seconds of this process, rows)."""
    from bastion.directory.models import Contact

    started, cpu, seen, last = time.perf_counter(), time.process_time(), 0, None
    columns = ("id", "given_name", "family_name", "primary_email", "primary_phone", "city", "sort_name")
    while True:
        queryset = Contact.objects.order_by("pk").only(*columns)
        if last is not None:
            queryset = queryset.filter(pk__gt=last)
        rows = list(queryset[:BATCH])
        if not rows:
            break
        for row in rows:
            if not (row.primary_email and row.primary_phone and row.city):
                raise SystemExit(f"contact {row.pk} did not read back")
        seen += len(rows)
        last = rows[-1].pk
    return time.perf_counter() - started, time.process_time() - cpu, seen


def read_api(company: Any = None) -> tuple[float, float, int]:
    """Read every contact (at ``company``, by name, if given) through the API's contact list, 100 per
    page, as an administrator with a bearer token (authentication, scoping, masking, serialisation:
    what a client waits for); returns (wall seconds, CPU seconds of this process, rows)."""
    from rest_framework.test import APIClient

    from bastion.accounts.actions import create_staff_user
    from bastion.accounts.tokens import issue_token
    from bastion.kernel.access.roles import Role

    name = f"api-{time.monotonic_ns()}"
    reader, _password = create_staff_user(name, "api@bench.example", Role.ADMINISTRATOR, usable_password=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(reader, name='bench', days=1).plaintext}")
    # A company's contacts by name: the index (company, sort_name, id) serves both the filter and the order.
    at = f"ordering=name&company={company.pk}" if company is not None else "ordering=created"
    url: str | None = f"/api/v1/contacts/?limit=100&{at}"
    started, cpu, seen = time.perf_counter(), time.process_time(), 0
    while url:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"the contact list answered {response.status_code}: {response.content[:200]!r}")
        body = response.json()
        seen += len(body["results"])
        url = body["next"]
    return time.perf_counter() - started, time.process_time() - cpu, seen


def lookups(total: int, count: int) -> dict[str, float]:
    from bastion.directory import selectors

    rng = random.Random(11)
    present = [f"person1-{rng.randrange(total)}@bulk.example" for _ in range(count)]
    absent = [f"nobody-{i}@bulk.example" for i in range(count)]
    results: dict[str, float] = {}
    for label, emails, expect in (("existing address", present, 1), ("unknown address", absent, 0)):
        samples = []
        for email in emails:
            started = time.perf_counter()
            found = selectors.contact_ids_with_email(email)
            samples.append((time.perf_counter() - started) * 1000)
            if len(found) != expect:
                raise SystemExit(f"lookup of {email} found {len(found)} contacts")
        samples.sort()
        results[f"{label} median"] = statistics.median(samples)
        results[f"{label} p95"] = samples[int(len(samples) * 0.95) - 1]
    return results


def fill_to(total: int, already: int) -> float:
    """Add contacts (seed 1, numbered on from ``already``) until there are ``total``; returns seconds."""
    from bastion.directory.tests.factories import bulk_contacts

    started = time.perf_counter()
    done = already
    while done < total:
        step = min(100_000, total - done)
        bulk_contacts(step, seed=1, batch_size=BATCH, start=done)
        done += step
        print(f"  {done:,} contacts", file=sys.stderr)
    return time.perf_counter() - started


def run_phase(args: argparse.Namespace) -> dict[str, Any]:
    """One phase in this process, on fresh databases: ``off``, ``on`` or ``lookup``."""
    with tempfile.TemporaryDirectory(prefix="bastion-crypto-bench-") as data_dir:
        fresh_databases()
        setup_django(data_dir)
        migrate()
        from django.db import connection

        figures: dict[str, Any] = {"vendor": connection.vendor}
        if args.phase == "lookup":
            figures["fill"] = fill_to(args.lookup_contacts, 0)
            from databases import settle_statistics

            settle_statistics()
            figures.update(lookups(args.lookup_contacts, args.lookups))
            return figures
        restore = encryption_off() if args.phase == "off" else (lambda: None)
        try:
            figures["create"] = create(args.contacts, seed=1)
            from databases import settle_statistics

            from bastion.kernel.crypto import keyring

            settle_statistics()

            keyring.clear_caches()  # cold: every data key fetched and unwrapped (not read in the last minute)
            figures["read"], figures["read_cpu"], figures["seen"] = read_all()
            figures["read_warm"], figures["read_warm_cpu"], _seen = read_all()  # the data keys cached
            keyring.clear_caches()
            figures["read_api"], figures["read_api_cpu"], figures["seen_api"] = read_api()
            figures["action"] = create_through_actions(args.action_contacts)
        finally:
            restore()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--lookup-contacts", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--action-contacts", type=int, default=5_000, help="contacts created through the action, per mode")
    parser.add_argument("--phase", choices=["off", "on", "lookup"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args)))
        return
    results = {}
    for phase in ("off", "on", "lookup"):
        command = [sys.executable, __file__, *sys.argv[1:], "--phase", phase]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
        results[phase] = json.loads(output.strip().splitlines()[-1])
        print(f"{phase}: done", file=sys.stderr)
    report(args, results)


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> None:
    off, on, lookup = results["off"], results["on"], results["lookup"]
    print(f"\n{on['vendor']}, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs\n")
    print(f"| {args.contacts:,} contacts | encryption off (s) | encryption on (s) | on / off |")
    print("|---|---:|---:|---:|")
    rows = [
        ("create", "create (bulk insert, 1 email + 1 phone each)"),
        ("read", "read all (3 restricted fields each), keys not cached"),
        ("read_cpu", "  the same, CPU time of the process"),
        ("read_warm", "read all again, keys cached"),
        ("read_warm_cpu", "  the same, CPU time of the process"),
        ("read_api", "read all through the API (100 per page), keys not cached"),
        ("read_api_cpu", "  the same, CPU time of the process"),
        ("action", f"create {args.action_contacts:,} through the action"),
    ]
    for key, label in rows:
        print(f"| {label} | {off[key]:.2f} | {on[key]:.2f} | {on[key] / off[key]:.2f} |")
    print(f"\nFilled to {args.lookup_contacts:,} contacts (encrypted) in {lookup['fill']:.0f} s.\n")
    print(f"| email lookup at {args.lookup_contacts:,} contacts ({args.lookups} each) | median ms | p95 ms |")
    print("|---|---:|---:|")
    for label in ("existing address", "unknown address"):
        print(f"| {label} | {lookup[f'{label} median']:.2f} | {lookup[f'{label} p95']:.2f} |")


if __name__ == "__main__":
    main()
