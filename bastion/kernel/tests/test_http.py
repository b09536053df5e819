"""Security headers, health probes and the request id on every response."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
def test_security_headers_on_the_sign_in_page(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
    assert len(response["X-Request-Id"]) >= 8


@pytest.mark.django_db
def test_pages_contain_no_inline_script(client: Client) -> None:
    body = client.get("/accounts/login/").content.decode()
    for chunk in body.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script found: <script{tag}>"
    assert " style=" not in body


@pytest.mark.django_db
def test_forms_carry_a_csrf_token(client: Client) -> None:
    body = client.get("/accounts/login/").content.decode()
    assert body.count("<form") == body.count('name="csrfmiddlewaretoken"')


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_when_migrated(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["pending_migrations"] == 0


@pytest.mark.django_db
def test_readyz_reports_pending_migrations(client: Client, monkeypatch: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["pending_migrations"] == 2  # one per database: main and key store


def test_a_well_formed_request_id_is_kept_and_a_malformed_one_replaced(client: Client) -> None:
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abcdef12-3456")["X-Request-Id"] == "abcdef12-3456"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-Id"]
    assert replaced != "<script>" and len(replaced) == 32


def test_static_files_are_cacheable_and_served(client: Client) -> None:
    response = client.get("/static/bastion/app.css")
    assert response.status_code == 200
    assert response.get("Cache-Control") != "no-store"


@pytest.mark.django_db
def test_api_errors_have_a_stable_shape_and_code(client: Client) -> None:
    response = client.get("/api/v1/contacts/")
    assert response.status_code in (401, 403)
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] in ("not_authenticated", "authentication_failed", "permission_denied")
