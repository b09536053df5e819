"""Shared test fixtures: the personas of DESIGN.md, each a real user with a role and teams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password

from bastion.kernel.access.roles import Role
from bastion.kernel.testing_smtp import smtp  # noqa: F401 - the shared fixture of a real SMTP server

PERSONA_PASSWORD = "correct horse battery staple 42"
# Every database test may touch the key store (a database of its own, bastion.kernel.crypto).
TEST_DATABASES = ["default", "keys"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Let every test that uses the database use the key store too (``django_db(databases=...)``)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        uses_db = marker is not None or {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        if not uses_db or (marker is not None and "databases" in marker.kwargs):
            continue
        kwargs = dict(marker.kwargs) if marker is not None else {}
        item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs, databases=TEST_DATABASES), append=False)


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the default language: a request in Chinese (LocaleMiddleware) must not
    leave later tests in the same worker reading Chinese messages."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_key_caches() -> Any:
    """Unwrapped keys cached by one test must not outlive its (rolled back) key store rows."""
    from bastion.kernel.crypto.keyring import clear_caches

    clear_caches()
    yield
    clear_caches()


@dataclass
class Personas:
    admin: Any
    rep_east: Any
    rep_west: Any
    sales_manager: Any
    service_agent: Any
    marketer: Any
    auditor: Any
    outsider: Any

    def all(self) -> dict[str, Any]:
        return dict(self.__dict__)


@pytest.fixture(scope="session")
def persona_password_hash() -> str:
    # Argon2 at 64 MiB costs tens of milliseconds; hash the shared password once per run.
    return make_password(PERSONA_PASSWORD)


def make_user(username: str, role: str | None, password_hash: str, teams: list[Any] = ()) -> Any:  # type: ignore[assignment]
    from django.contrib.auth import get_user_model

    from bastion.accounts.models import Membership

    user = get_user_model().objects.create(username=username, email=f"{username}@bastion.test", password=password_hash)
    if role is not None:
        membership = Membership.objects.create(user=user, role=role)
        membership.teams.set(teams)
    return user


@pytest.fixture
def personas(db: Any, persona_password_hash: str) -> Personas:
    """Admin, two sales reps on different teams, a sales manager managing both, a service agent,
    a marketer, an auditor (security officer) and an outsider with no role."""
    from bastion.accounts.models import Team

    east = Team.objects.create(name="Sales East")
    west = Team.objects.create(name="Sales West")
    service = Team.objects.create(name="Service")
    marketing = Team.objects.create(name="Marketing")
    h = persona_password_hash
    people = Personas(
        admin=make_user("admin", Role.ADMINISTRATOR, h),
        rep_east=make_user("rep_east", Role.SALES_REP, h, [east]),
        rep_west=make_user("rep_west", Role.SALES_REP, h, [west]),
        sales_manager=make_user("sales_manager", Role.SALES_MANAGER, h, [east, west]),
        service_agent=make_user("service_agent", Role.SERVICE_AGENT, h, [service]),
        marketer=make_user("marketer", Role.MARKETER, h, [marketing]),
        auditor=make_user("auditor", Role.SECURITY_OFFICER, h),
        outsider=make_user("outsider", None, h),
    )
    # The sales manager manages both sales teams: they see what either rep sees (the manager chain).
    east.managers.add(people.sales_manager)
    west.managers.add(people.sales_manager)
    return people


@pytest.fixture
def signed_in(client: Any) -> Any:
    """``signed_in(user)`` returns a Django test client signed in as ``user`` with a second factor enrolled."""
    from bastion.accounts.testing import enrol_totp

    def sign_in(user: Any) -> Any:
        from django.test import Client

        enrol_totp(user)
        new_client = Client()
        new_client.force_login(user)
        return new_client

    return sign_in


@pytest.fixture(autouse=True)
def _audit_rows_removable_by_flush(request: pytest.FixtureRequest) -> Any:
    """Transactional tests end with a flush, which the audit trail's append-only triggers refuse.

    For those tests only, the audit rows are removed with the triggers briefly dropped (then put
    back) just before pytest-django's flush. The application itself never drops them.
    """
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and bool(marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if not by_marker and not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    from bastion.kernel.audit import triggers

    triggers.drop(connection)
    with connection.cursor() as cursor:
        for table in (*triggers.PROTECTED_TABLES, "kernel_auditchainhead"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    triggers.install(connection)


@pytest.fixture
def api_as() -> Any:
    """``api_as(user, scopes=None)``: an API client sending ``Authorization: Bearer <token>`` for ``user``."""
    from rest_framework.test import APIClient

    from bastion.accounts.tokens import issue_token

    def client_for(user: Any, scopes: list[str] | None = None) -> APIClient:
        issued = issue_token(user, name="tests", days=1, **({"scopes": scopes} if scopes is not None else {}))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
        return client

    return client_for
