"""/favicon.ico is a permanent redirect to the static icon, for everyone, and never an audited denial."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ICON = f"{settings.STATIC_URL}bastion/favicon.svg"


def test_favicon_redirects_anonymous_visitors(personas: Any) -> None:
    before = AuditEvent.objects.count()
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == ICON
    assert AuditEvent.objects.count() == before


def test_favicon_redirects_signed_in_users_without_an_audit_event(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    before = AuditEvent.objects.count()
    response = client.get("/favicon.ico?v=2")
    assert response.status_code == 301 and response["Location"] == ICON
    assert AuditEvent.objects.count() == before


def test_the_icon_it_points_to_is_served(personas: Any) -> None:
    assert Client().get(ICON).status_code == 200


def test_public_lead_form_links_the_icon(personas: Any) -> None:
    page = Client().get("/forms/lead/").content.decode()
    assert f'<link rel="icon" href="{ICON}"' in page


def test_a_user_still_setting_up_two_factor_gets_the_icon_too(personas: Any) -> None:
    client = Client()
    client.force_login(personas.rep_east)  # no second factor enrolled: other pages send them to set one up
    assert client.get("/contacts/")["Location"].startswith("/accounts/2fa/")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == ICON
