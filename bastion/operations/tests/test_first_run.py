"""The first-run message names the address the server really listens on (``bastion serve --host/--port``,
``PORT``), not always http://127.0.0.1:8000."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from bastion.operations import first_run
from bastion.operations.first_run import first_run_setup, served_url
from bastion.operations.management.commands import serve


@pytest.fixture
def no_demo_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeding the demo organisation takes seconds and is tested elsewhere; here it only returns a password."""
    monkeypatch.setattr(first_run, "seed_demo_organisation", lambda: "one-time-password")


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("192.168.10.20", 9001, "http://192.168.10.20:9001"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),  # noqa: S104 - every interface: the loopback reaches it
        ("::", 8080, "http://[::1]:8080"),
        ("::1", 8000, "http://[::1]:8000"),
        ("[fd00::5]", 8000, "http://[fd00::5]:8000"),
        ("crm.example.com", 8443, "http://crm.example.com:8443"),
    ],
)
def test_served_url(host: str, port: int, url: str) -> None:
    assert served_url(host, port) == url


@pytest.mark.django_db
def test_first_run_names_the_given_address(no_demo_seed: None) -> None:
    lines = list(first_run_setup("http://10.1.2.3:9001"))
    assert "Sign in at http://10.1.2.3:9001/accounts/login/ with" in lines
    assert not [line for line in lines if "8000" in line]
    assert "  password: one-time-password   (shown once; you will choose your own at first sign-in)" in lines


@pytest.mark.django_db
def test_serve_passes_its_bind_address_to_the_first_run_message(no_demo_seed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)  # migrate: the test database is ready
    monkeypatch.setattr(serve.subprocess, "Popen", lambda argv, **kwargs: started.append(argv))
    monkeypatch.setattr(serve.Command, "_supervise", staticmethod(lambda children: None))
    out = io.StringIO()
    call_command("serve", "--host", "192.0.2.10", "--port", "9123", stdout=out)
    printed = out.getvalue()
    assert "Sign in at http://192.0.2.10:9123/accounts/login/ with" in printed
    assert "127.0.0.1:8000" not in printed
    [gunicorn] = [argv for argv in started if "gunicorn" in argv]
    assert gunicorn[gunicorn.index("--bind") + 1] == "192.0.2.10:9123"  # the address it names is the one served


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("::", "[::]:8000"),
        ("[::1]", "[::1]:8000"),
        ("fe80::1", "[fe80::1]:8000"),
        ("0.0.0.0", "0.0.0.0:8000"),  # noqa: S104 - the address under test, nothing is bound
        ("crm.example", "crm.example:8000"),
    ],
)
def test_gunicorn_bind_puts_an_ipv6_address_in_brackets(host: str, expected: str) -> None:
    assert first_run.bind_address(host, 8000) == expected


@pytest.mark.django_db
def test_serve_binds_gunicorn_to_an_ipv6_address_it_can_parse(no_demo_seed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(serve.subprocess, "Popen", lambda argv, **kwargs: started.append(argv))
    monkeypatch.setattr(serve.Command, "_supervise", staticmethod(lambda children: None))
    out = io.StringIO()
    call_command("serve", "--host", "::", "--port", "9123", stdout=out)
    [gunicorn] = [argv for argv in started if "gunicorn" in argv]
    assert gunicorn[gunicorn.index("--bind") + 1] == "[::]:9123"
    assert "Bastion is serving on http://[::1]:9123" in out.getvalue()  # a wildcard bind is reached on loopback
    assert "Sign in at http://[::1]:9123/accounts/login/" in out.getvalue()
