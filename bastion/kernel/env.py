"""Typed environment helpers that fail loudly.

Every setting Bastion reads from the environment goes through one of these
functions, so a typo or a bad value stops the process at start-up with a
message that names the variable, instead of silently falling back.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

# Values that must never be accepted as a secret, whatever the length.
WEAK_SECRET_MARKERS = ("changeme", "change-me", "secret", "insecure", "django-insecure", "example", "default")
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_DISTINCT_CHARS = 10


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        value = default
    else:
        try:
            value = int(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def read_secret(name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker/K8s style)."""
    direct = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if direct and file_name:
        raise ImproperlyConfigured(f"Set only one of {name} and {name}_FILE, not both")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points to {file_name!r}, which cannot be read: {exc.strerror}") from exc
    return direct or None


def weak_secret_reason(value: str) -> str | None:
    """Why ``value`` is not acceptable as a SECRET_KEY, or None if it is."""
    if len(value) < MIN_SECRET_KEY_LENGTH:
        return f"it is {len(value)} characters long; at least {MIN_SECRET_KEY_LENGTH} are required"
    if len(set(value)) < MIN_SECRET_KEY_DISTINCT_CHARS:
        return f"it uses fewer than {MIN_SECRET_KEY_DISTINCT_CHARS} distinct characters"
    lowered = value.lower()
    for marker in WEAK_SECRET_MARKERS:
        if marker in lowered:
            return f"it contains the well-known placeholder {marker!r}"
    return None


def generated_secret(path: Path, *, nbytes: int = 48) -> str:
    """Read a development secret from ``path``, creating it (mode 0600) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(nbytes)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def _checked_network(name: str, value: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_network(value.strip(), strict=True))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} has {value.strip()!r}, which is not a network in CIDR form such as 10.0.0.0/8 or 2001:db8::/32 ({exc})"
        ) from exc


def env_networks(name: str) -> tuple[str, ...]:
    """A comma-separated list of CIDR networks (IPv4 or IPv6); empty means no restriction."""
    return tuple(_checked_network(name, item) for item in env_list(name, []))


def env_role_networks(name: str, roles: list[str]) -> dict[str, tuple[str, ...]]:
    """``role=CIDR,CIDR;role=CIDR``: the networks each named role may come from."""
    raw = os.environ.get(name, "")
    result: dict[str, tuple[str, ...]] = {}
    for entry in (item.strip() for item in raw.split(";")):
        if not entry:
            continue
        role, sep, networks = entry.partition("=")
        role = role.strip()
        if not sep or not role:
            raise ImproperlyConfigured(f"{name} must look like role=10.0.0.0/8,10.1.0.0/16;role=..., got {entry!r}")
        if role not in roles:
            raise ImproperlyConfigured(f"{name} names {role!r}, which is not a role. Roles: {', '.join(roles)}")
        if role in result:
            raise ImproperlyConfigured(f"{name} lists the role {role!r} twice; put all its networks in one entry")
        values = tuple(_checked_network(name, item) for item in networks.split(",") if item.strip())
        if not values:
            raise ImproperlyConfigured(f"{name} gives the role {role!r} no networks; leave the role out to allow anywhere")
        result[role] = values
    return result
