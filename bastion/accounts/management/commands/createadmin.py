"""``bastion createadmin``: an administrator with a one-time password, printed once.

The password is written alone on one line of standard output; it must be replaced at the
first sign-in (after setting up two-factor authentication).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bastion.accounts.actions import create_staff_user
from bastion.kernel.access.roles import Role


class Command(BaseCommand):
    help = "Create an administrator with a generated one-time password (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, password = create_staff_user(options["username"], options["email"], Role.ADMINISTRATOR)
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
            raise CommandError(f"No administrator created. {problems}") from exc
        self.stderr.write(
            f"Created administrator {user.get_username()!r}. One-time password (shown once; set up two-factor "
            "authentication and choose a new password at first sign-in):"
        )
        self.stdout.write(str(password))
