"""Production mode refuses to start on unsafe configuration and names the setting at fault."""

from __future__ import annotations

import base64
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bastion.kernel.env import generated_secret, weak_secret_reason

GOOD_KEY = secrets.token_urlsafe(64)


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import bastion.settings in a fresh interpreter with exactly the given BASTION_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") and k != "DATABASE_URL"}
    clean.update({"BASTION_DATA_DIR": str(tmp_path), **env})
    code = (
        "import bastion.settings as s; "
        "print('DEBUG', s.DEBUG, 'SECURE', s.SESSION_COOKIE_SECURE, 'HSTS', getattr(s, 'SECURE_HSTS_SECONDS', 0))"
    )
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60)


ROOT_KEY = "1:" + base64.b64encode(secrets.token_bytes(32)).decode()
PRODUCTION = {
    "BASTION_ENV": "production",
    "BASTION_ALLOWED_HOSTS": "crm.example.test",
    "BASTION_KEY_PROVIDER": "env",
    "BASTION_ROOT_KEY": ROOT_KEY,
}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "BASTION_SECRET_KEY"),
        ({"BASTION_SECRET_KEY": "short"}, "BASTION_SECRET_KEY is too weak"),
        ({"BASTION_SECRET_KEY": "django-insecure-" + "x1y2z3w4v5" * 6}, "placeholder"),
        ({"BASTION_SECRET_KEY": "ab" * 40}, "distinct characters"),
        ({"BASTION_SECRET_KEY": GOOD_KEY, "BASTION_DEBUG": "true"}, "BASTION_DEBUG must be off"),
        ({"BASTION_SECRET_KEY": GOOD_KEY, "BASTION_SECURE_COOKIES": "false"}, "BASTION_SECURE_COOKIES"),
        ({"BASTION_SECRET_KEY": GOOD_KEY, "BASTION_HSTS_SECONDS": "3600"}, "BASTION_HSTS_SECONDS"),
        ({"BASTION_SECRET_KEY": GOOD_KEY, "BASTION_DEBUG": "maybe"}, "BASTION_DEBUG must be one of"),
    ],
)
def test_production_refuses_unsafe_configuration(tmp_path: Path, env: dict[str, str], named: str) -> None:
    result = load_settings(tmp_path, **PRODUCTION, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
    assert GOOD_KEY not in result.stderr  # the secret itself is never echoed


def test_production_requires_a_root_key(tmp_path: Path) -> None:
    hosts = {"BASTION_ENV": "production", "BASTION_ALLOWED_HOSTS": "crm.example.test", "BASTION_SECRET_KEY": GOOD_KEY}
    missing_file = load_settings(tmp_path, **hosts)
    assert missing_file.returncode != 0 and "bastion keys init" in missing_file.stderr
    missing_env = load_settings(tmp_path, **hosts, BASTION_KEY_PROVIDER="env")
    assert missing_env.returncode != 0 and "BASTION_ROOT_KEY" in missing_env.stderr
    assert not (tmp_path / "root_keys.json").exists()  # production never generates the root key


def test_production_refuses_the_key_store_in_the_main_database(tmp_path: Path) -> None:
    url = "postgres://bastion@db.internal:5432/bastion"
    result = load_settings(tmp_path, **PRODUCTION, BASTION_SECRET_KEY=GOOD_KEY, DATABASE_URL=url, BASTION_KEYSTORE_URL=url)
    assert result.returncode != 0 and "BASTION_KEYSTORE_URL" in result.stderr


def test_production_requires_allowed_hosts(tmp_path: Path) -> None:
    result = load_settings(tmp_path, BASTION_ENV="production", BASTION_SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "BASTION_ALLOWED_HOSTS" in result.stderr


def test_production_with_explicit_secrets_starts_with_https_settings(tmp_path: Path) -> None:
    result = load_settings(tmp_path, **PRODUCTION, BASTION_SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["DEBUG", "False", "SECURE", "True", "HSTS", "31536000"]
    assert not (tmp_path / "secret_key").exists()  # production never generates secrets


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(GOOD_KEY)
    result = load_settings(tmp_path, **PRODUCTION, BASTION_SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr


def test_development_generates_its_secret_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_settings(tmp_path, BASTION_ENV="development")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    value = key_file.read_text()
    assert load_settings(tmp_path, BASTION_ENV="development").returncode == 0
    assert key_file.read_text() == value  # not regenerated


def test_generated_secret_is_long_and_strong(tmp_path: Path) -> None:
    value = generated_secret(tmp_path / "s")
    assert weak_secret_reason(value) is None
    assert generated_secret(tmp_path / "s") == value


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    result = load_settings(tmp_path, BASTION_ENV="prod")
    assert result.returncode != 0
    assert "BASTION_ENV must be development, production or test" in result.stderr


def test_an_unknown_audit_sealer_is_refused(tmp_path: Path) -> None:
    result = load_settings(tmp_path, BASTION_ENV="development", BASTION_AUDIT_SEALER="thread")
    assert result.returncode != 0
    assert "BASTION_AUDIT_SEALER must be inline or process, got 'thread'" in result.stderr
