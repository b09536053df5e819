"""Network allow-lists: parsing of BASTION_ALLOWED_NETWORKS / BASTION_ROLE_NETWORKS and network_allows()."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from bastion.kernel.access.network import address_in, network_allows
from bastion.kernel.access.roles import Role
from bastion.kernel.env import env_networks, env_role_networks
from bastion.kernel.tests.test_settings_fail_closed import load_settings

ROLES = list(Role.values)


def test_org_networks_are_parsed_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ALLOWED_NETWORKS", " 10.0.0.0/8, 2001:DB8::/32 ,127.0.0.1 ")
    assert env_networks("BASTION_ALLOWED_NETWORKS") == ("10.0.0.0/8", "2001:db8::/32", "127.0.0.1/32")
    monkeypatch.delenv("BASTION_ALLOWED_NETWORKS")
    assert env_networks("BASTION_ALLOWED_NETWORKS") == ()


@pytest.mark.parametrize("value", ["10.0.0.1/8", "10.0.0.0/33", "intranet", "10.0.0.0/8;192.168.0.0/16"])
def test_a_bad_org_network_names_the_variable_and_the_value(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("BASTION_ALLOWED_NETWORKS", value)
    with pytest.raises(ImproperlyConfigured, match=r"BASTION_ALLOWED_NETWORKS has '.+', which is not a network"):
        env_networks("BASTION_ALLOWED_NETWORKS")


def test_role_networks_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ROLE_NETWORKS", "administrator=10.0.0.0/8;security_officer=10.1.0.0/16,fd00::/8;")
    assert env_role_networks("BASTION_ROLE_NETWORKS", ROLES) == {
        "administrator": ("10.0.0.0/8",),
        "security_officer": ("10.1.0.0/16", "fd00::/8"),
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("administrator", "must look like role=10.0.0.0/8"),
        ("=10.0.0.0/8", "must look like role="),
        ("admin=10.0.0.0/8", "names 'admin', which is not a role"),
        ("administrator=10.0.0.0/8;administrator=10.1.0.0/16", "lists the role 'administrator' twice"),
        ("administrator=", "gives the role 'administrator' no networks"),
        ("administrator=10.0.0.1/8", "BASTION_ROLE_NETWORKS has '10.0.0.1/8', which is not a network"),
    ],
)
def test_bad_role_networks_are_named(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    monkeypatch.setenv("BASTION_ROLE_NETWORKS", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        env_role_networks("BASTION_ROLE_NETWORKS", ROLES)


def test_settings_refuse_to_start_on_a_bad_allow_list(tmp_path: Path) -> None:
    result = load_settings(tmp_path, BASTION_ENV="test", BASTION_ALLOWED_NETWORKS="10.0.0.0/8,nonsense")
    assert result.returncode != 0
    assert "BASTION_ALLOWED_NETWORKS has 'nonsense'" in result.stderr
    result = load_settings(tmp_path, BASTION_ENV="test", BASTION_ROLE_NETWORKS="root=10.0.0.0/8")
    assert result.returncode != 0
    assert "BASTION_ROLE_NETWORKS names 'root', which is not a role" in result.stderr


def test_the_settings_role_names_are_the_roles() -> None:
    from bastion import settings

    assert settings._ROLE_NAMES.split() == ROLES


def test_address_in() -> None:
    assert address_in("192.0.2.7", [])
    assert address_in("192.0.2.7", ["192.0.2.0/24"])
    assert not address_in("192.0.3.7", ["192.0.2.0/24"])
    assert address_in("::ffff:192.0.2.7", ["192.0.2.0/24"])
    assert not address_in("2001:db8::1", ["192.0.2.0/24"])
    assert not address_in("", ["192.0.2.0/24"])
    assert not address_in("not-an-ip", ["192.0.2.0/24"])


@override_settings(ACCESS_ALLOWED_NETWORKS=("10.0.0.0/8",), ACCESS_ROLE_NETWORKS={"administrator": ("10.1.0.0/16",)})
def test_network_allows_needs_the_org_list_and_the_role_list() -> None:
    assert network_allows("10.2.0.1", None)
    assert network_allows("10.2.0.1", "sales_rep")
    assert not network_allows("10.2.0.1", "administrator")
    assert network_allows("10.1.0.1", "administrator")
    assert not network_allows("192.0.2.1", None)
    assert not network_allows("192.0.2.1", "sales_rep")


def test_empty_lists_allow_anywhere() -> None:
    assert network_allows("192.0.2.1", "administrator")
    assert network_allows("2001:db8::1", None)
