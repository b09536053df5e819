"""The 400, 403, 404 and 500 pages: in the site's layout and the user's language, with a way back,
and a 404 that never tells whether a record exists."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.template import loader
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from bastion.directory import actions
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.testing import without_csrf_token

pytestmark = pytest.mark.django_db


def assert_in_layout(body: str) -> None:
    assert "bastion/app.css" in body and 'class="topbar"' in body and '<main id="main"' in body
    assert f'href="{reverse("home")}"' in body  # the way back
    assert "The requested resource was not found" not in body and "<h1>Not Found</h1>" not in body


def denials() -> int:
    return AuditEvent.objects.filter(kind=EventKind.ACCESS_DENIED).count()


def test_an_anonymous_404_is_the_styled_page_and_is_not_audited(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert_in_layout(body)
    assert "<h1>Page not found</h1>" in body
    assert "This page does not exist, or you do not have access to it." in body
    assert "Back to Bastion" in body
    assert 'data-testid="sign-out"' not in body  # no menu for an anonymous visitor
    assert denials() == 0


def test_the_404_page_is_in_chinese_when_the_user_reads_chinese(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert_in_layout(body)
    assert '<html lang="zh-hans">' in body
    assert "返回 Bastion" in body and "Back to Bastion" not in body
    with translation.override("zh-hans"):
        heading = translation.gettext("Page not found")
    assert f"<h1>{heading}</h1>" in body


def test_a_hidden_record_and_a_missing_one_get_the_same_audited_404(personas: Any, signed_in: Any) -> None:
    hidden = actions.create_contact(personas.rep_east, {"given_name": "Erin", "family_name": "Eastwood"})
    west = signed_in(personas.rep_west)
    bodies = []
    for contact_id in (hidden.pk, uuid.uuid4()):
        response = west.get(reverse("directory:contact-detail", args=[contact_id]))
        assert response.status_code == 404
        body = response.content.decode()
        assert_in_layout(body)
        assert 'data-testid="sign-out"' in body  # the signed-in layout, with the menu
        assert "Eastwood" not in body and "No such contact" not in body
        bodies.append(without_csrf_token(body))
    assert bodies[0] == bodies[1]
    assert denials() == 2  # a signed-in user's 404 is still recorded, for both


def test_a_permission_denied_403_is_the_styled_page(personas: Any, signed_in: Any) -> None:
    response = signed_in(personas.outsider).get(reverse("roles-matrix"))
    assert response.status_code == 403
    body = response.content.decode()
    assert_in_layout(body)
    assert "<h1>No access</h1>" in body and "You do not have access to this page." in body
    assert "403 Forbidden" not in body
    assert denials() == 1


def test_the_500_page_needs_no_request_context() -> None:
    # Django renders 500.html with no context at all: no request, no user, no context processors.
    body = loader.get_template("500.html").render()
    assert "bastion/app.css" in body and "<h1>Something went wrong</h1>" in body
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "bastion/app.css" in body and "Something went wrong" in body and "Server Error (500)" not in body
    assert f'href="{reverse("home")}"' in body


def test_a_bad_request_is_the_styled_page_and_names_nothing_of_the_request(client: Client) -> None:
    # Django renders 400.html with no request context (defaults.bad_request), like 500.html; a host
    # the server does not answer to is one such request (a session ended meanwhile is another).
    body = loader.get_template("400.html").render()
    assert "bastion/app.css" in body and "<h1>This request could not be handled</h1>" in body
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="bad-request"' in body and "Bad Request (400)" not in body and "evil.example" not in body
    assert f'href="{reverse("home")}"' in body and "bastion/app.css" in body
