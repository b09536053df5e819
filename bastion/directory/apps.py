from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "bastion.directory"
    label = "directory"
    verbose_name = "Directory"
