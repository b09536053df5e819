from django.apps import AppConfig


class KeyStoreConfig(AppConfig):
    """The key store: wrapped person data keys, service keys and blind-index entries.

    Its models live in their own database alias (``keys``, see router.py), so that a copy of
    the main database holds only ciphertext.
    """

    name = "bastion.kernel.crypto"
    label = "keystore"
    verbose_name = "Bastion key store"
    default_auto_field = "django.db.models.BigAutoField"
