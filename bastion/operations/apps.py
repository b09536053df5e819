from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "bastion.operations"
    label = "operations"
    verbose_name = "Operations"
