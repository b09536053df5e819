"""Password rules (ASVS 5.0 V6.2) and storage (Appendix C)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from bastion.accounts.passwords import ARGON2_MIN_MEMORY_KIB, ARGON2_MIN_TIME_COST


@pytest.mark.parametrize("length", [12, 64, 128, 256])
def test_long_passphrases_are_accepted(length: int) -> None:
    passphrase = ("correct horse battery staple purple monkey dishwasher " * 6)[:length]
    validate_password(passphrase)


def test_257_characters_are_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_password("x7Qk2 " * 43)  # 258 characters
    assert any("too long" in message for message in excinfo.value.messages)
    with pytest.raises(ValidationError):
        validate_password(("correct horse battery staple " * 9)[:257])


def test_eleven_characters_are_too_short() -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_password("pq8#kz!Lm2w")
    assert any("too short" in message for message in excinfo.value.messages)


def test_no_composition_rules() -> None:
    validate_password("just lowercase words here")  # no digit, no capital, no symbol: fine
    validate_password("日本語のパスフレーズもだいじょうぶです")


@pytest.mark.parametrize(
    "password",
    ["password1234", "Password2024!", "qwertyuiopasdf", "aaaaaaaaaaaa", "abcabcabcabc", "123456789012", "iloveyou2024!!"],
)
def test_common_and_breached_style_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_like_the_username_is_refused() -> None:
    from django.contrib.auth.models import User

    with pytest.raises(ValidationError):
        validate_password("margaret.thatcher", User(username="margaret.thatcher"))


def test_argon2id_parameters_meet_asvs_appendix_c() -> None:
    hasher: Any = get_hasher()
    assert settings.PASSWORD_HASHERS[0] == "bastion.accounts.passwords.BastionArgon2Hasher"
    assert hasher.algorithm == "argon2"
    assert hasher.memory_cost >= ARGON2_MIN_MEMORY_KIB >= 47104
    assert hasher.time_cost >= ARGON2_MIN_TIME_COST >= 1
    assert hasher.parallelism == 1


@pytest.mark.django_db
def test_stored_hashes_are_argon2id_with_those_parameters() -> None:
    encoded = make_password("a long and unusual passphrase")
    assert encoded.startswith("argon2$argon2id$")
    assert identify_hasher(encoded).algorithm == "argon2"
    params = encoded.split("$")[3]
    hasher: Any = get_hasher()
    assert f"m={hasher.memory_cost}" in params and f"t={hasher.time_cost}" in params
