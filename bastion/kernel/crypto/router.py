"""Database router: the key store's models live in the ``keys`` alias, everything else in ``default``."""

from __future__ import annotations

from typing import Any

KEYSTORE_APP = "keystore"
KEYSTORE_ALIAS = "keys"


class KeyStoreRouter:
    """Sends app ``keystore`` to the ``keys`` database and keeps every other app out of it."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return KEYSTORE_ALIAS if model._meta.app_label == KEYSTORE_APP else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return KEYSTORE_ALIAS if model._meta.app_label == KEYSTORE_APP else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        in_store = {obj1._meta.app_label == KEYSTORE_APP, obj2._meta.app_label == KEYSTORE_APP}
        return False if len(in_store) == 2 else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return (db == KEYSTORE_ALIAS) == (app_label == KEYSTORE_APP)
