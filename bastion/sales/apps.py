from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "bastion.sales"
    label = "sales"
    verbose_name = "Sales"
