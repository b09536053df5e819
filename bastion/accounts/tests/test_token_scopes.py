"""API-token scopes and network allow-lists: a token never reaches beyond its scopes, its
networks or its user's role, and every refusal is in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bastion.accounts.api_permissions import TokenAndNetworkPolicy
from bastion.accounts.models import ApiToken
from bastion.accounts.scopes import ALL_SCOPES, ScopeError, grants, parse_scopes
from bastion.accounts.tokens import TokenError, issue_token
from bastion.directory.actions import create_company
from bastion.directory.models import Company
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
COMPANIES = "/api/v1/companies/"
CONTACTS = "/api/v1/contacts/"


def _call(token: str, method: str, url: str, data: Any = None, **extra: Any) -> Any:
    client = Client()
    kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}
    if data is not None:
        kwargs.update(data=data, content_type="application/json")
    return getattr(client, method)(url, **kwargs)


def _denials() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED, outcome=Outcome.DENIED).order_by("sequence"))


# --- the registry ---------------------------------------------------------------------------
def test_scopes_are_validated_and_write_implies_read() -> None:
    assert parse_scopes([" Contact:Read", "company:write", "contact:read", ""]) == ["company:write", "contact:read"]
    with pytest.raises(ScopeError, match="invoice:read is not a token scope"):
        parse_scopes(["invoice:read"])
    with pytest.raises(ScopeError, match="contact:delete"):
        parse_scopes(["contact:delete"])
    assert grants(["company:write"], "company", write=False)
    assert grants(["company:write"], "company", write=True)
    assert grants(["company:read"], "company", write=False)
    assert not grants(["company:read"], "company", write=True)
    assert not grants(["company:write"], "contact", write=False)


def test_every_api_view_carries_the_token_and_network_policy() -> None:
    """Deny by default: a view that sets its own permission_classes must not drop the policy."""

    def walk(patterns: list[Any]) -> list[Any]:
        views = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                views += walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                views.append(pattern.callback)
        return views

    api = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/")
    checked = 0
    for callback in walk(api.url_patterns):
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert view_class is not None, callback
        assert TokenAndNetworkPolicy in view_class.permission_classes, view_class
        checked += 1
    assert checked >= 6


def test_issue_token_defaults_to_every_scope_and_validates_input(personas: Any) -> None:
    issued = issue_token(personas.rep_east, name="script", days=5)
    assert sorted(issued.token.scopes) == sorted(ALL_SCOPES)
    assert issued.token.allowed_networks == []
    with pytest.raises(TokenError, match="10.0.0.1/8 is not a network"):
        issue_token(personas.rep_east, name="script", days=5, networks=["10.0.0.1/8"])
    with pytest.raises(TokenError, match="not-a-net is not a network"):
        issue_token(personas.rep_east, name="script", days=5, networks=["not-a-net"])
    with pytest.raises(TokenError, match="at least one scope"):
        issue_token(personas.rep_east, name="script", days=5, scopes=[])
    ok = issue_token(personas.rep_east, name="script", days=5, networks=["2001:db8::/32", "127.0.0.2/32"])
    assert ok.token.allowed_networks == ["2001:db8::/32", "127.0.0.2/32"]


# --- scopes -----------------------------------------------------------------------------------
def test_read_scope_reads_but_cannot_write(personas: Any) -> None:
    create_company(personas.rep_east, {"name": "Acme"})
    token = issue_token(personas.rep_east, name="read", days=5, scopes=["company:read"]).plaintext
    assert _call(token, "get", COMPANIES).status_code == 200
    before = _denials()
    response = _call(token, "post", COMPANIES, {"name": "Hacked"})
    assert response.status_code == 403
    assert response.json() == {
        "error": "token_scope_missing",
        "detail": "This token does not have the company:write scope this request needs.",
    }
    assert not Company.objects.filter(name="Hacked").exists()
    assert len(_denials()) == len(before) + 1


def test_scope_for_one_resource_does_not_open_another(personas: Any) -> None:
    token = issue_token(personas.rep_east, name="contacts", days=5, scopes=["contact:write"]).plaintext
    assert _call(token, "get", CONTACTS).status_code == 200
    response = _call(token, "get", COMPANIES)
    assert response.status_code == 403
    assert "Acme" not in response.content.decode()
    assert _call(token, "get", "/api/v1/me/").status_code == 403


def test_schema_is_readable_with_any_token_but_docs_are_not(personas: Any) -> None:
    token = issue_token(personas.rep_east, name="profile", days=5, scopes=["profile:read"]).plaintext
    assert _call(token, "get", "/api/v1/schema/").status_code == 200
    assert _call(token, "get", "/api/v1/docs/").status_code == 403


def test_a_token_never_grants_more_than_its_role(personas: Any) -> None:
    """The security officer's role sees no customer records; a company:write token does not change that."""
    create_company(personas.admin, {"name": "Acme"})
    token = issue_token(personas.auditor, name="all", days=5).plaintext
    response = _call(token, "get", COMPANIES)
    assert response.status_code == 403
    assert "Acme" not in response.content.decode()
    assert _call(token, "post", COMPANIES, {"name": "Hacked"}).status_code == 403
    assert not Company.objects.filter(name="Hacked").exists()


# --- the token's networks ---------------------------------------------------------------------
def test_token_limited_to_127_0_0_2_is_refused_from_127_0_0_1(personas: Any) -> None:
    create_company(personas.rep_east, {"name": "Acme"})
    issued = issue_token(personas.rep_east, name="pinned", days=5, networks=["127.0.0.2/32"])
    before = len(_denials())
    companies_before = list(Company.objects.values_list("pk", "name").order_by("pk"))

    response = _call(issued.plaintext, "get", COMPANIES)  # the test client's REMOTE_ADDR is 127.0.0.1
    assert response.status_code == 403
    assert response.json() == {
        "error": "token_network_not_allowed",
        "detail": "Requests from 127.0.0.1 are not allowed for this token.",
    }
    assert "Acme" not in response.content.decode()
    assert _call(issued.plaintext, "post", COMPANIES, {"name": "Hacked"}).status_code == 403
    assert list(Company.objects.values_list("pk", "name").order_by("pk")) == companies_before

    denials = _denials()[before:]
    assert len(denials) == 2
    assert {event.client_ip for event in denials} == {"127.0.0.1"}
    assert {event.actor_id for event in denials} == {personas.rep_east.pk}
    assert denials[0].extra["reason"] == "TokenNetworkNotAllowed"
    assert denials[0].extra["status"] == 403

    allowed = _call(issued.plaintext, "get", COMPANIES, REMOTE_ADDR="127.0.0.2")
    assert allowed.status_code == 200
    assert "Acme" in allowed.content.decode()


def test_ipv6_networks_and_ipv4_mapped_addresses(personas: Any) -> None:
    v6 = issue_token(personas.rep_east, name="v6", days=5, networks=["2001:db8::/32"]).plaintext
    assert _call(v6, "get", "/api/v1/me/", REMOTE_ADDR="2001:db8::5").status_code == 200
    assert _call(v6, "get", "/api/v1/me/", REMOTE_ADDR="2001:db9::5").status_code == 403
    v4 = issue_token(personas.rep_east, name="v4", days=5, networks=["127.0.0.2/32"]).plaintext
    assert _call(v4, "get", "/api/v1/me/", REMOTE_ADDR="::ffff:127.0.0.2").status_code == 200


def test_forwarded_header_is_not_believed_without_a_trusted_proxy(personas: Any) -> None:
    token = issue_token(personas.rep_east, name="pinned", days=5, networks=["127.0.0.2/32"]).plaintext
    response = _call(token, "get", "/api/v1/me/", HTTP_X_FORWARDED_FOR="127.0.0.2")
    assert response.status_code == 403


def test_a_token_without_scopes_can_do_nothing(personas: Any) -> None:
    """A token row without scopes (none granted) can do nothing: deny by default."""
    issued = issue_token(personas.rep_east, name="script", days=5)
    ApiToken.objects.filter(pk=issued.token.pk).update(scopes=[])
    assert _call(issued.plaintext, "get", "/api/v1/me/").status_code == 403
