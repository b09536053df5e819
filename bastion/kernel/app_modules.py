"""A module that Bastion apps may each provide (``<app>.classification``, ``<app>.config_audit``), found by name."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[ModuleType]:
    """``<app>.<name>`` of every installed Bastion app that has one, in the order of ``INSTALLED_APPS``.

    An app without the module is skipped; an error inside a module that exists is raised, not hidden.
    """
    for config in apps.get_app_configs():
        if not config.name.startswith("bastion."):
            continue
        try:
            yield importlib.import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{name}":
                raise
