"""``bastion accessdoc``: write docs/access-control.md from the role definitions in the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bastion.kernel.access.matrix import render_markdown


class Command(BaseCommand):
    help = "Generate docs/access-control.md from bastion/kernel/access/roles.py (or --check that it is current)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs" / "access-control.md"))
        parser.add_argument("--check", action="store_true", help="exit non-zero if the file is out of date")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        text = render_markdown()
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if options["check"]:
            if current != text:
                raise CommandError(f"{path} is out of date; run `bastion accessdoc` and commit it.")
            self.stdout.write(f"{path} is up to date.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
