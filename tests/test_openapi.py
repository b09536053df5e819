"""The OpenAPI document is valid OpenAPI 3 and covers every API route."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

from bastion.accounts.tokens import issue_token

# Routes that serve the API's own description rather than data.
DOCUMENTATION_ROUTES = {"/api/v1/schema/", "/api/v1/docs/"}


def api_routes() -> set[str]:
    """Every URL under /api/v1/ in the URL map, with converters written as OpenAPI {params}."""
    found: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).lstrip("^").rstrip("$")
                path = path.replace("\\.(?P{format}[a-z0-9]+)/?", "")
                if path.startswith("/api/v1/") and "(?P" not in path and "{format}" not in path:
                    found.add(path)

    walk(get_resolver().url_patterns, "")
    return found - DOCUMENTATION_ROUTES


@pytest.fixture
def schema(personas: Any, client: Any) -> dict[str, Any]:
    token = issue_token(personas.admin, name="schema test", days=1).plaintext
    response = client.get("/api/v1/schema/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_schema_covers_every_api_path(schema: dict[str, Any]) -> None:
    documented = set(schema["paths"])
    routes = api_routes()
    assert routes, "no API routes found"
    missing = routes - documented
    assert not missing, f"API routes missing from the OpenAPI schema: {sorted(missing)}"


def test_schema_declares_bearer_authentication(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values())


@pytest.mark.django_db
def test_schema_and_docs_are_not_public(client: Any) -> None:
    assert client.get("/api/v1/schema/").status_code in (401, 403)
    assert client.get("/api/v1/docs/").status_code in (401, 403)


def test_schema_description_names_what_the_api_covers(schema: dict[str, Any]) -> None:
    description = schema["info"]["description"].lower()
    for area in ("companies", "contacts", "leads", "deals", "activities", "products", "orders", "imports"):
        assert area in description, area
        assert any(path.startswith(f"/api/v1/{area}/") for path in schema["paths"]), area


def test_no_operation_is_described_by_a_developers_docstring(schema: dict[str, Any]) -> None:
    """A view's docstring becomes the operation's description unless one is given: reST markup (double
    backquotes) or a note about the code in an operation's description would be a developer's note shown to API users."""
    leaked = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and "``" in operation.get("description", "")
    ]
    assert not leaked, leaked
    chosen = schema["paths"]["/api/v1/leads/status/"]["post"]["description"]
    assert chosen.startswith("At most 500 ids.") and "refused exactly like one that does not exist" in chosen
