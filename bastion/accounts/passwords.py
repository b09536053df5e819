"""Password storage and rules (ASVS 5.0 V6.2, Appendix C)."""

from __future__ import annotations

import functools
import re
from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# ASVS 5.0 Appendix C floors for argon2id.
ARGON2_MIN_MEMORY_KIB = 47104
ARGON2_MIN_TIME_COST = 1


class BastionArgon2Hasher(Argon2PasswordHasher):
    """Argon2id with m = 64 MiB, t = 2, p = 1: above the ASVS floor (m >= 46 MiB, t >= 1)."""

    time_cost = 2
    memory_cost = 65536
    parallelism = 1


class MaximumLengthValidator:
    """Accept long passphrases (ASVS: at least 64) but refuse absurd lengths that only cost CPU."""

    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max)d character.",
                    "This password is too long. It must contain at most %(max)d characters.",
                    self.max_length,
                )
                % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Your password can be up to %(max)d characters long; passphrases are welcome.") % {"max": self.max_length}


# Walks people type: keyboard rows (and on into the next row), columns, digits (wrapping), the alphabet.
_KEYBOARD_ROWS = (
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "zaq1xsw2cde3vfr4bgt5nhy6mju7",
    "1234567890" * 3,
    "abcdefghijklmnopqrstuvwxyz",
)


def _is_run(text: str) -> bool:
    """True for text made of one repeated character or one keyboard/alphabet walk."""
    lowered = text.lower()
    if len(set(lowered)) <= 2:
        return True
    return any(lowered in row or lowered in row[::-1] for row in _KEYBOARD_ROWS)


@functools.cache
def _common_passwords() -> frozenset[str]:
    from django.contrib.auth.password_validation import CommonPasswordValidator

    return frozenset(CommonPasswordValidator().passwords)


class BreachedPatternValidator:
    """Refuse the shapes breached-password lists are full of.

    A common word padded with digits or symbols ("Password2024!"), repeated
    characters, keyboard walks and repeated short chunks are refused. Django's
    CommonPasswordValidator covers the 20,000 most common passwords verbatim; this
    covers their decorated variants, which dominate real breach corpora.
    """

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
        common = _common_passwords()
        if _is_run(password) or (core and (core in common or _is_run(core)) and len(core) < len(lowered)):
            raise ValidationError(
                _("This password follows a pattern found in breached-password lists."), code="password_breached_pattern"
            )
        for size in range(1, len(password) // 2 + 1):
            chunk = lowered[:size]
            if len(lowered) % size == 0 and chunk * (len(lowered) // size) == lowered:
                raise ValidationError(
                    _("This password is one short piece repeated; choose a longer passphrase."), code="password_repeated"
                )

    def get_help_text(self) -> str:
        return _("Your password cannot be a common password with numbers or symbols added, a keyboard walk or a repetition.")
