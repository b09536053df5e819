from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bastion.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"
