"""API authentication by bearer token, and per-token throttling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from bastion.accounts.models import ApiToken, Membership
from bastion.accounts.tokens import issue_token, revoke_token

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def _get(token: str | None = None, header: str | None = None) -> Any:
    if header is None and token is not None:
        header = f"Bearer {token}"
    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return Client().get(ME, **extra)


def _assert_refused(response: Any, *, status: int = 401) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.content.decode()
    for leaked in ("rep_east", "Sales East", "sales_rep"):
        assert leaked not in body
    assert set(response.json()) <= {"error", "detail"}


def test_valid_token_gets_the_callers_identity(personas: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=5)
    response = _get(issued.plaintext)
    assert response.status_code == 200
    assert response.json() == {"username": "rep_east", "role": "sales_rep", "teams": ["Sales East"]}
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.last_used_at is not None


def test_no_token_is_401_with_no_data(personas: Any) -> None:
    response = _get()
    _assert_refused(response)
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer not-a-token",
        "Bearer bst_",
        "Bearer bst_abc",
        "Bearer bst_abc_def",
        "Bearer bst_äöü_x",
        "Basic Zm9vOmJhcg==",
    ],
)
def test_malformed_tokens_are_401(personas: Any, header: str) -> None:
    issue_token(personas.rep_east, name="script", days=5)
    response = _get(header=header)
    _assert_refused(response, status=401 if header.startswith("Bearer") else 401)


def test_wrong_secret_for_a_real_prefix_is_401(personas: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=5)
    prefix = issued.public_part
    _assert_refused(_get(f"{prefix}_{'A' * 43}"))


def test_expired_token_is_401(personas: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=5)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_refused(_get(issued.plaintext))


def test_revoked_token_is_401(personas: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=5)
    revoke_token(issued.token)
    _assert_refused(_get(issued.plaintext))


def test_token_of_an_inactive_user_is_401(personas: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=5)
    type(personas.rep_east).objects.filter(pk=personas.rep_east.pk).update(is_active=False)
    _assert_refused(_get(issued.plaintext))


def test_token_of_a_disabled_member_is_403(personas: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=5)
    Membership.objects.filter(user=personas.rep_east).update(is_active=False)
    _assert_refused(_get(issued.plaintext), status=403)


def test_token_of_someone_without_a_role_is_403(personas: Any) -> None:
    issued = issue_token(personas.outsider, name="script", days=5)
    response = _get(issued.plaintext)
    assert response.status_code == 403
    assert "outsider" not in response.content.decode()


def test_session_user_with_mfa_may_use_the_api(personas: Any, signed_in: Any) -> None:
    response = signed_in(personas.sales_manager).get(ME)
    assert response.status_code == 200
    assert response.json()["teams"] == ["Sales East", "Sales West"]


def test_per_token_throttle_returns_429_past_the_rate(personas: Any, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/min"}}
    cache.clear()
    first = issue_token(personas.rep_east, name="one", days=5)
    second = issue_token(personas.rep_east, name="two", days=5)
    for _ in range(3):
        assert _get(first.plaintext).status_code == 200
    response = _get(first.plaintext)
    assert response.status_code == 429
    assert response.json()["error"] == "throttled"
    assert "Retry-After" in response
    assert "rep_east" not in response.content.decode()
    # The budget is per token: another token of the same user still works.
    assert _get(second.plaintext).status_code == 200
