from typing import Any

from django.apps import AppConfig


def staff_full_name(user: Any) -> str:
    """A colleague's name as their colleagues write it: 李娜 for a Chinese name, "Emma Jones" otherwise.

    Django's own ``get_full_name`` always writes "first last", which puts a Chinese family name last.
    """
    from bastion.directory.names import display_name

    return display_name(user.first_name, user.last_name)


class AccountsConfig(AppConfig):
    name = "bastion.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        # Connects the audit receivers (bastion/accounts/audit_hooks.py).
        from django.contrib.auth.models import User

        from bastion.accounts import audit_hooks  # noqa: F401

        # Every page, export and API response names staff through get_full_name(): one place for name order.
        User.get_full_name = staff_full_name  # type: ignore[method-assign,assignment]
