from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "bastion.commerce"
    label = "commerce"
    verbose_name = "Commerce"
