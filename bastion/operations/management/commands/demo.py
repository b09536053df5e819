"""``bastion demo``: seed a realistic demo organisation into an empty database."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bastion.operations.first_run import seed_demo_organisation


class Command(BaseCommand):
    help = "Seed a demo organisation: staff in teams, companies and contacts with English and Chinese names."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--companies", type=int, default=40)
        parser.add_argument("--contacts", type=int, default=400)

    def handle(self, *args: Any, **options: Any) -> None:
        if get_user_model().objects.exists():
            raise CommandError("The database already has users; the demo is only seeded into an empty installation.")
        if not (1 <= options["companies"] <= 10_000 and 1 <= options["contacts"] <= 1_000_000):
            raise CommandError("--companies must be 1..10000 and --contacts 1..1000000")
        password = seed_demo_organisation(companies=options["companies"], contacts=options["contacts"])
        self.stdout.write(f"Demo organisation created. Sign in as 'admin' with the one-time password: {password}")
