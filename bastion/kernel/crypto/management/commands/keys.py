"""``bastion keys``: init, status, rotate, reencrypt.

bastion keys init        create the root key file (production, file provider)
bastion keys status      root key versions and ages, data keys and ciphertexts per version
bastion keys rotate      new root key version; rewraps every data key (field data untouched)
bastion keys reencrypt   move field data to the current keys, in batches, resumable
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bastion.kernel.crypto import rotation
from bastion.kernel.crypto.errors import CryptoError
from bastion.kernel.crypto.provider import FileKeyProvider, get_provider


class Command(BaseCommand):
    help = "Manage encryption keys: init, status, rotate, reencrypt."

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

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except CryptoError as exc:
            raise CommandError(str(exc)) from exc

    def _init(self, options: dict[str, Any]) -> None:
        path = Path(settings.BASTION_KEY_FILE)
        existed = path.exists()
        FileKeyProvider(path, create=True)
        self.stdout.write(
            f"Root key file {'already exists' if existed else 'created'}: {path} (mode 0600). Back it up apart from the data."
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

    @staticmethod
    def _progress(label: str, seen: int, total: int, changed: int) -> None:
        width = 30
        filled = width * seen // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "" if sys.stderr.isatty() else "\n"  # a redrawn bar on a terminal, one line per batch in a log
        sys.stderr.write(f"\r{label:<28} [{bar}] {seen:>9,}/{total:,} rows, {changed:,} values re-encrypted{end}")
        sys.stderr.flush()
