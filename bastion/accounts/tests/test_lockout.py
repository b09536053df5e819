"""Lockout after 10 failed sign-ins (PCI DSS 8.3.4), per account and per client address."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from bastion.accounts.tests.helpers import password_sign_in
from conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "definitely not the password"


def _errors(response: Any) -> str:
    return " ".join(str(error) for error in response.context["form"].non_field_errors())


def test_the_cache_table_exists_so_counters_are_shared_by_every_app_server() -> None:
    assert "bastion_cache" in connection.introspection.table_names()
    cache.set("probe", 1, 30)
    assert cache.get("probe") == 1


def test_the_cache_table_action_is_idempotent() -> None:
    from bastion.accounts.maintenance import ensure_cache_tables

    ensure_cache_tables()
    ensure_cache_tables()
    assert "bastion_cache" in connection.introspection.table_names()


def test_eleventh_attempt_on_one_account_is_refused_even_with_the_right_password(personas: Any) -> None:
    # Each attempt from a different address: only the per-account limit can trip.
    for attempt in range(10):
        response = password_sign_in(Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}"), "rep_east", WRONG)
        assert response.status_code == 200
        assert "not correct" in _errors(response)

    client = Client(REMOTE_ADDR="198.51.100.200")
    response = password_sign_in(client, "rep_east", PERSONA_PASSWORD)
    assert response.status_code == 200, "a locked account must not sign in"
    message = _errors(response)
    assert "account is temporarily locked" in message
    assert "30 minutes" in message or "29 minutes" in message
    assert "_auth_user_id" not in client.session
    assert 'class="errorlist nonfield"' in response.content.decode()


def test_the_account_lock_counts_username_and_email_and_any_case_together(personas: Any) -> None:
    logins = ["rep_east", "REP_EAST", "rep_east@bastion.test", "Rep_East@Bastion.test"]
    for attempt in range(10):
        password_sign_in(Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}"), logins[attempt % len(logins)], WRONG)
    response = password_sign_in(Client(REMOTE_ADDR="198.51.100.99"), "rep_east@bastion.test", PERSONA_PASSWORD)
    assert "account is temporarily locked" in _errors(response)


def test_the_account_lock_cannot_be_dodged_with_another_host_name(personas: Any) -> None:
    for attempt in range(10):
        host = "localhost" if attempt % 2 else "127.0.0.1"
        password_sign_in(Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}", HTTP_HOST=host), "rep_east", WRONG)
    response = password_sign_in(Client(REMOTE_ADDR="198.51.100.99", HTTP_HOST="testserver"), "rep_east", PERSONA_PASSWORD)
    assert "account is temporarily locked" in _errors(response)


def test_other_accounts_are_not_locked_by_one_accounts_failures(personas: Any) -> None:
    for attempt in range(10):
        password_sign_in(Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}"), "rep_east", WRONG)
    response = password_sign_in(Client(REMOTE_ADDR="198.51.100.77"), "rep_west", PERSONA_PASSWORD)
    assert response.status_code == 302


def test_eleventh_attempt_from_one_address_is_refused_across_usernames(personas: Any) -> None:
    names = ["rep_east", "rep_west", "marketer", "nobody-at-all", "auditor"]
    for attempt in range(10):
        response = password_sign_in(Client(REMOTE_ADDR="203.0.113.9"), names[attempt % len(names)], WRONG)
        assert response.status_code == 200

    client = Client(REMOTE_ADDR="203.0.113.9")
    response = password_sign_in(client, "sales_manager", PERSONA_PASSWORD)
    assert response.status_code == 200
    message = _errors(response)
    assert "from this address is temporarily locked" in message
    assert "minutes" in message
    assert "_auth_user_id" not in client.session

    # Another address is not affected.
    assert password_sign_in(Client(REMOTE_ADDR="203.0.113.10"), "sales_manager", PERSONA_PASSWORD).status_code == 302


def test_lock_message_is_the_same_for_unknown_accounts(personas: Any) -> None:
    """No enumeration: an unknown name is locked with the same words as a real one."""
    for attempt in range(10):
        password_sign_in(Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}"), "ghost", WRONG)
    response = password_sign_in(Client(REMOTE_ADDR="198.51.100.99"), "ghost", WRONG)
    assert "account is temporarily locked" in _errors(response)


def test_successful_sign_ins_do_not_reset_the_failure_count(personas: Any) -> None:
    for attempt in range(9):
        password_sign_in(Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}"), "rep_east", WRONG)
    assert password_sign_in(Client(REMOTE_ADDR="198.51.100.50"), "rep_east", PERSONA_PASSWORD).status_code == 302
    password_sign_in(Client(REMOTE_ADDR="198.51.100.51"), "rep_east", WRONG)
    response = password_sign_in(Client(REMOTE_ADDR="198.51.100.52"), "rep_east", PERSONA_PASSWORD)
    assert "account is temporarily locked" in _errors(response)


def test_lock_message_counts_down(personas: Any, monkeypatch: Any) -> None:
    import time as time_module

    from bastion.accounts import lockout

    for attempt in range(10):
        password_sign_in(Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}"), "rep_east", WRONG)
    real_time = time_module.time
    monkeypatch.setattr(lockout.time, "time", lambda: real_time() + 20 * 60)
    from django.test import RequestFactory

    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.200")
    personas.rep_east.refresh_from_db()
    lock = lockout.current_lock(request, f"user:{personas.rep_east.pk}")
    assert lock is not None and lock.per == "key"
    assert 9 <= lock.minutes_left <= 10
    assert "try again in 10 minutes" in lockout.lock_message(lock) or "try again in 9 minutes" in lockout.lock_message(lock)


def test_too_many_sign_in_requests_get_a_styled_429_page(personas: Any, settings: Any) -> None:
    from bastion.accounts.tests.helpers import assert_clean_page

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    client = Client(REMOTE_ADDR="192.0.2.250")
    password_sign_in(client, "rep_east", WRONG)
    response = password_sign_in(client, "rep_east", PERSONA_PASSWORD)
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert_clean_page(response.content.decode())
    assert "_auth_user_id" not in client.session
