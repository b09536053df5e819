"""``bastion token create|revoke``: personal API tokens from the console.

``create`` writes the token alone on one line of standard output (so
``TOKEN=$(bastion token create --user ana)`` works) and everything else to standard error.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bastion.accounts import actions
from bastion.accounts.scopes import TOKEN_RESOURCES
from bastion.accounts.tokens import TokenError


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Command(BaseCommand):
    help = "Create or revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,revoke}")
        create = subcommands.add_parser("create", help="create a token for a user and print it once")
        create.add_argument("--user", required=True, help="username of the token's owner")
        create.add_argument(
            "--days",
            type=int,
            default=settings.API_TOKEN_DEFAULT_DAYS,
            help=f"days until it expires, 1..{settings.API_TOKEN_MAX_DAYS} (default {settings.API_TOKEN_DEFAULT_DAYS})",
        )
        create.add_argument("--name", default="console", help="what the token is for (default: console)")
        create.add_argument(
            "--scopes",
            default=None,
            help="comma-separated, e.g. contact:read,company:write (write implies read; default: read and write "
            f"on everything, the user's role still limits). Resources: {', '.join(TOKEN_RESOURCES)}",
        )
        create.add_argument(
            "--networks",
            default="",
            help="comma-separated CIDRs the token may be used from, e.g. 127.0.0.2/32,10.0.0.0/8 (default: anywhere)",
        )
        revoke = subcommands.add_parser("revoke", help="revoke a token by its prefix (bst_<prefix>_…)")
        revoke.add_argument("prefix", help="the token's prefix, as shown in the token list")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "create":
            scopes = None if options["scopes"] is None else _split(options["scopes"])
            self._create(options["user"], options["days"], options["name"], scopes, _split(options["networks"]))
        else:
            self._revoke(options["prefix"])

    def _create(self, username: str, days: int, name: str, scopes: list[str] | None, networks: list[str]) -> None:
        if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {settings.API_TOKEN_MAX_DAYS}, got {days}.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user named {username!r}.")
        try:
            issued = actions.create_api_token(user, name=name, days=days, scopes=scopes, networks=networks)
        except PermissionDenied as exc:
            raise CommandError(
                f"{username!r} is not an active member of staff with a role; a token would grant nothing."
            ) from exc
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
        expires = issued.token.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        self.stderr.write(
            f"API token {issued.token.name!r} for {username} (prefix {issued.token.prefix}, expires {expires}, "
            f"scopes {','.join(issued.token.scopes)}, networks {','.join(issued.token.allowed_networks) or 'any'}). "
            "It is shown once; store it now."
        )
        self.stdout.write(issued.plaintext)

    def _revoke(self, prefix: str) -> None:
        try:
            token = actions.revoke_token_by_prefix(prefix)
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Revoked API token {token.name!r} (prefix {token.prefix}) of {token.user.get_username()}.")
