"""``bastion keys``: init, status, rotate, reencrypt.

bastion keys init        create the root key file (production, file provider)
bastion keys status      root key versions and ages, data keys and ciphertexts per version
bastion keys rotate      new root key version; rewraps every data key (field data untouched)
bastion keys reencrypt   move field data to the current keys, in batches, resumable
bastion keys retire      destroy old data-key versions once no value uses them (run until done)
bastion keys sweep       destroy the keys of people without a row for the grace period
bastion keys rotate-index  new blind-index key and an online, resumable rebuild of the index
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bastion.kernel.crypto import blind, lifecycle, reindex, rotation
from bastion.kernel.crypto.errors import CryptoError
from bastion.kernel.crypto.provider import get_provider


class Command(BaseCommand):
    help = "Manage encryption keys: init, status, rotate, reencrypt, retire, sweep, rotate-index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init", help="Create the root key file in the data folder (mode 0600) if it does not exist.")
        sub.add_parser("status", help="Root key versions, data keys and ciphertexts per key version.")
        rotate = sub.add_parser("rotate", help="Make a new root key version and rewrap every data key under it.")
        rotate.add_argument("--rewrap-only", action="store_true", help="Do not make a new version (the env provider).")
        reencrypt = sub.add_parser("reencrypt", help="Move field data to the current keys (online, resumable).")
        reencrypt.add_argument("--batch-size", type=int, default=500)
        reencrypt.add_argument(
            "--pause", type=float, default=0.0, help="Seconds to wait between batches (gentler on a busy server)."
        )

        retire = sub.add_parser(
            "retire", help="Destroy old data-key versions after reencrypt: marks, waits out a grace period, verifies, destroys."
        )
        retire.add_argument("--version", type=int, help="Only this data-key version (default: every older one).")
        retire.add_argument("--batch-size", type=int, default=2000)
        sweep = sub.add_parser("sweep", help="Destroy the data keys of people who have had no row for the grace period.")
        sweep.add_argument("--batch-size", type=int, default=2000)
        index = sub.add_parser(
            "rotate-index", help="New blind-index key version; rebuild the index online (resumable), then destroy the old key."
        )
        index.add_argument("--scope", help="Only this index (default: every one), e.g. directory.contact.email.")
        index.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action'].replace('-', '_')}")(options)
        except CryptoError as exc:
            raise CommandError(str(exc)) from exc

    def _init(self, options: dict[str, Any]) -> None:
        path = Path(settings.BASTION_KEY_FILE)
        try:
            created = rotation.create_root_key(path)
        except rotation.AuditUnavailable as exc:
            self.stderr.write(f"{exc}. Run `bastion migrate`; this key's creation is not in the audit trail.")
            created = True
        self.stdout.write(
            f"Root key file {'created' if created else 'already exists'}: {path} (mode 0600). Back it up apart from the data."
        )

    def _status(self, options: dict[str, Any]) -> None:
        state = rotation.status()
        now = timezone.now()
        self.stdout.write(f"Root key provider: {state.provider}; current version: {state.current_version}")
        for version, created in state.root_versions:
            age = f"{(now - created).days} days old" if created else "age unknown"
            self.stdout.write(f"  root v{version}: {age}, wraps {state.person_keys_by_root.get(version, 0)} person keys")
        self.stdout.write(f"People with data keys: {state.persons}; erased (crypto-shredded): {state.erased_persons}")
        for version, count in sorted(state.person_keys_by_version.items()):
            self.stdout.write(f"  data keys v{version}: {count}")
        for purpose, root_version, bits in state.service_keys:
            extra = f", {bits}-bit index" if bits else ""
            self.stdout.write(f"Service key {purpose}: wrapped by root v{root_version}{extra}")
        for version, started, destroyed, count in state.retiring:
            done = f"destroyed {destroyed:%Y-%m-%d %H:%M} ({count} keys)" if destroyed else "retiring, not destroyed yet"
            self.stdout.write(f"  data keys v{version}: retirement started {started:%Y-%m-%d %H:%M}, {done}")
        if state.orphan_candidates:
            self.stdout.write(f"People with keys but no row, waiting out the sweep's grace period: {state.orphan_candidates}")
        for scope, version, last_pk in reindex.in_progress():
            at = f"after row {last_pk}" if last_pk else "not started (waiting out the grace period)"
            self.stdout.write(f"Blind index {scope}: rebuilding under key v{version}, {at}; searches ask both versions")
        self.stdout.write("Ciphertexts per key version:")
        for name, counts in state.ciphertexts.items():
            described = ", ".join(f"{label}: {count}" for label, count in sorted(counts.items())) or "none"
            self.stdout.write(f"  {name}: {described}")

    def _rotate(self, options: dict[str, Any]) -> None:
        version, rewrapped = rotation.rotate(new_version=not options["rewrap_only"])
        self.stdout.write(f"Root key version {version} is current; rewrapped {rewrapped} keys. Field data was not touched.")
        self.stdout.write("Run `bastion keys reencrypt` to move field data to data keys of this version.")

    def _reencrypt(self, options: dict[str, Any]) -> None:
        version = get_provider().current_version()
        report = rotation.reencrypt(batch_size=max(1, options["batch_size"]), progress=self._progress, pause=options["pause"])
        sys.stderr.write("\n")
        for target, changed in report.items():
            self.stdout.write(f"{target}: {changed} values re-encrypted")
        self.stdout.write(f"All field data is under key version {version}.")

    def _retire(self, options: dict[str, Any]) -> None:
        results = lifecycle.retire(options["version"], batch_size=max(1, options["batch_size"]))
        if not results:
            self.stdout.write("No data-key version older than the current one is left.")
        for result in results:
            if result.state == "waiting":
                ready = result.ready_at.isoformat(timespec="seconds") if result.ready_at else "?"
                self.stdout.write(
                    f"Data key v{result.version} is retiring: no process writes with it any more. "
                    f"Run `bastion keys retire` again after {ready} to verify and destroy it."
                )
            elif result.state == "in use":
                raise CommandError(
                    f"data key v{result.version} cannot be destroyed yet: {result.values_in_use} or more encrypted values "
                    "still use it; run `bastion keys reencrypt`, then `bastion keys retire` again"
                )
            else:
                self.stdout.write(f"Data key v{result.version}: no value uses it; {result.keys_destroyed} keys destroyed.")

    def _rotate_index(self, options: dict[str, Any]) -> None:
        for scope in [options["scope"]] if options["scope"] else blind.scopes():
            try:
                result = reindex.rotate(scope, batch_size=max(1, options["batch_size"]), progress=self._index_progress)
            except KeyError as exc:
                raise CommandError(str(exc)) from exc
            sys.stderr.write("\n")
            self.stdout.write(
                f"Blind index {scope}: rebuilt under key v{result.version} ({result.rows} rows read in this run); "
                f"the older key and its {result.entries_destroyed} entries were destroyed."
            )

    @staticmethod
    def _index_progress(scope: str, seen: int, total: int) -> None:
        end = "" if sys.stderr.isatty() else "\n"
        sys.stderr.write(f"\r{scope:<28} {seen:>9,}/{total:,} rows indexed under the new key{end}")
        sys.stderr.flush()

    def _sweep(self, options: dict[str, Any]) -> None:
        result = lifecycle.sweep(batch_size=max(1, options["batch_size"]))
        self.stdout.write(
            f"People with keys but no row: {result.noticed} newly noticed, {result.back} back again; "
            f"keys destroyed for {result.persons_destroyed} people missing for {lifecycle.orphan_grace().days} days "
            f"({result.keys_destroyed} keys)."
        )

    @staticmethod
    def _progress(label: str, seen: int, total: int, changed: int) -> None:
        width = 30
        filled = width * seen // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "" if sys.stderr.isatty() else "\n"  # a redrawn bar on a terminal, one line per batch in a log
        sys.stderr.write(f"\r{label:<28} [{bar}] {seen:>9,}/{total:,} rows, {changed:,} values re-encrypted{end}")
        sys.stderr.flush()
