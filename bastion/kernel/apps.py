from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "bastion.kernel"
    label = "kernel"
    verbose_name = "Bastion kernel"

    def ready(self) -> None:
        # Registers the system checks; no side effects beyond that.
        from bastion.kernel import checks  # noqa: F401
