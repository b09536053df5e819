"""``bastion migrate``: Django's migrate, which also migrates the key store first.

The key store is its own database (alias ``keys``); Django migrates one database per call. When
the default database is migrated, the key store is migrated before it, so that data migrations
that encrypt can create keys, and so that ``bastion serve`` and ``make run`` need no second step.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS

from bastion.kernel.crypto.router import KEYSTORE_ALIAS


class Command(DjangoMigrate):
    help = "Update the database schema (the key store first, then the main database)."

    def handle(self, *args: Any, **options: Any) -> None:
        if options["database"] == DEFAULT_DB_ALIAS and KEYSTORE_ALIAS in settings.DATABASES and not options.get("app_label"):
            super().handle(*args, **{**options, "database": KEYSTORE_ALIAS})
        super().handle(*args, **options)
