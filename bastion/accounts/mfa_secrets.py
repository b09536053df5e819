"""Seal any TOTP secret or recovery-code seed still stored in plain text (a ``bastion keys reencrypt`` target).

allauth stores them in ``Authenticator.data`` through the MFA adapter's ``encrypt`` hook; rows
written before :class:`~bastion.accounts.adapter.BastionMFAAdapter` was configured hold them in
plain text. Sealed values need no work: their key lives in the key store and is rewrapped by
``bastion keys rotate``.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction

from bastion.accounts.adapter import MFA_SECRET_PURPOSE
from bastion.kernel.crypto.secrets import is_sealed, seal_secret

SEALED_KEYS = {Authenticator.Type.TOTP: "secret", Authenticator.Type.RECOVERY_CODES: "seed"}


def reencrypt_mfa_secrets(current_version: int) -> int:
    """Seal every plain-text MFA secret; returns how many were sealed (``current_version`` is unused)."""
    sealed = 0
    for kind, key in SEALED_KEYS.items():
        for pk in Authenticator.objects.filter(type=kind).values_list("pk", flat=True):
            with transaction.atomic():
                row = Authenticator.objects.select_for_update().filter(pk=pk).first()
                value = (row.data or {}).get(key) if row is not None else None
                if row is None or not isinstance(value, str) or is_sealed(value):
                    continue
                row.data = {**row.data, key: seal_secret(MFA_SECRET_PURPOSE, value)}
                row.save(update_fields=["data"])
                sealed += 1
    return sealed
