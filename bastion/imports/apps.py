from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "bastion.imports"
    label = "imports"
    verbose_name = "Imports"
