from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bastion.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        # Connects the audit receivers (bastion/accounts/audit_hooks.py); no other side effects.
        from bastion.accounts import audit_hooks  # noqa: F401
