"""``bastion staff disable USER`` and ``bastion staff role USER ROLE``: staff administration from the console.

The console acts as the operator (who has the server): the audit trail records the change with
``via: operator`` and no signed-in actor.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bastion.accounts import staff
from bastion.kernel.access.roles import Role


class Command(BaseCommand):
    help = "Disable a member of staff, or change their role."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{disable,role}")
        disable = subcommands.add_parser("disable", help="disable USER: end every session and revoke every API token at once")
        disable.add_argument("username")
        role = subcommands.add_parser("role", help=f"give USER the role ROLE ({', '.join(Role.values)})")
        role.add_argument("username")
        role.add_argument("role", choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username__iexact=options["username"].strip()).first()
        if user is None:
            raise CommandError(f"No user is called {options['username']}.")
        try:
            if options["subcommand"] == "disable":
                if not user.is_active:
                    raise CommandError(f"{user.username} is already disabled.")
                result = staff.disable(staff.OPERATOR, user, operator=True, reason="console")
                ended, revoked = result.sessions_ended, result.tokens_revoked
                self.stdout.write(f"Disabled {user.username}: {ended} sessions ended, {revoked} API tokens revoked.")
            elif staff.change_role(staff.OPERATOR, user, options["role"], operator=True):
                self.stdout.write(f"{user.username} now has the role {options['role']}.")
            else:
                self.stdout.write(f"{user.username} already has the role {options['role']}; nothing changed.")
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
