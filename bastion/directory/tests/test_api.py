"""REST API with bearer tokens: allow/deny, CRUD through the actions, errors, pagination, schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bastion.directory.models import Company, Contact

pytestmark = pytest.mark.django_db

COMPANIES = "/api/v1/companies/"
CONTACTS = "/api/v1/contacts/"
LEAKS = ["Acme", "Alice", "alice.smith@acme.example", "Falcon"]


def snapshot() -> list[Any]:
    return [list(Company.objects.order_by("pk").values()), list(Contact.objects.order_by("pk").values())]


def endpoints(company: Any, contact: Any) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("get", COMPANIES, None),
        ("get", f"{COMPANIES}{company.pk}/", None),
        ("post", COMPANIES, {"name": "Hacked"}),
        ("put", f"{COMPANIES}{company.pk}/", {"name": "Hacked"}),
        ("patch", f"{COMPANIES}{company.pk}/", {"name": "Hacked"}),
        ("delete", f"{COMPANIES}{company.pk}/", None),
        ("get", CONTACTS, None),
        ("get", f"{CONTACTS}{contact.pk}/", None),
        ("post", CONTACTS, {"given_name": "Hacked"}),
        ("put", f"{CONTACTS}{contact.pk}/", {"given_name": "Hacked"}),
        ("patch", f"{CONTACTS}{contact.pk}/", {"given_name": "Hacked"}),
        ("delete", f"{CONTACTS}{contact.pk}/", None),
    ]


def call(client: Any, method: str, url: str, data: Any) -> Any:
    return getattr(client, method)(url, data, format="json") if data is not None else getattr(client, method)(url)


# --- who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "outsider"])
def test_no_customer_role_is_denied_everything(personas: Any, api_as: Any, company: Any, contact: Any, who: str) -> None:
    client = api_as(getattr(personas, who))
    before = snapshot()
    for method, url, data in endpoints(company, contact):
        response = call(client, method, url, data)
        assert response.status_code == 403, (method, url)
        assert response.json()["error"] == "permission_denied"
        assert not any(leak in response.content.decode() for leak in LEAKS)
    assert snapshot() == before


def test_read_only_role_reads_but_cannot_write(read_only: Any, api_as: Any, company: Any, contact: Any) -> None:
    client = api_as(read_only)
    before = snapshot()
    for method, url, data in endpoints(company, contact):
        response = call(client, method, url, data)
        assert response.status_code == (200 if method == "get" else 403), (method, url)
    assert snapshot() == before


def test_without_a_token_nothing(client: Any, company: Any, contact: Any) -> None:
    before = snapshot()
    for method, url, data in endpoints(company, contact):
        response = getattr(client, method)(url, data or {}, content_type="application/json")
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == "Bearer"
        assert not any(leak in response.content.decode() for leak in LEAKS)
    bad = client.get(COMPANIES, HTTP_AUTHORIZATION="Bearer bst_nope_nope")
    assert bad.status_code == 401
    assert snapshot() == before


def test_tokens_work_without_a_second_factor(personas: Any, api_as: Any, company: Any) -> None:
    """The MFA middleware guards sessions; a bearer-token request has no session and is not blocked."""
    from bastion.accounts.mfa import has_second_factor

    assert not has_second_factor(personas.rep_east)
    assert api_as(personas.rep_east).get(COMPANIES).status_code == 200


def test_session_without_mfa_is_blocked_from_the_api(personas: Any, client: Any, company: Any) -> None:
    client.force_login(personas.rep_east)
    response = client.get(COMPANIES)
    assert response.status_code == 403 and response.json()["error"] == "mfa_required"


def test_missing_and_malformed_ids_are_404(personas: Any, api_as: Any) -> None:
    client = api_as(personas.admin)
    for url in (f"{COMPANIES}00000000-0000-0000-0000-000000000000/", f"{CONTACTS}not-a-uuid/"):
        assert client.get(url).status_code == 404
        assert client.patch(url, {"given_name": "x"}, format="json").status_code == 404
        response = client.delete(url)
        assert response.status_code == 404 and response.json()["detail"].startswith("No such")


# --- companies ----------------------------------------------------------------------------------


def test_company_crud(personas: Any, api_as: Any) -> None:
    client = api_as(personas.rep_east)
    created = client.post(COMPANIES, {"name": "Globex", "domain": "https://Globex.example/", "tags": ["VIP"]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["domain"] == "globex.example" and body["tags"] == ["VIP"]
    assert body["owner"] == personas.rep_east.pk and body["created_by"] == personas.rep_east.pk
    assert created["Location"] == reverse("api-company-detail", args=[body["id"]])
    url = f"{COMPANIES}{body['id']}/"
    patched = client.patch(url, {"city": "Shanghai", "owner": personas.rep_west.pk}, format="json").json()
    assert patched["city"] == "Shanghai" and patched["name"] == "Globex" and patched["owner_name"]
    assert client.put(url, {"domain": "globex.example"}, format="json").status_code == 400  # PUT needs the name
    replaced = client.put(url, {"name": "Globex Corp", "industry": "finance"}, format="json").json()
    assert replaced["name"] == "Globex Corp" and replaced["industry"] == "finance"
    assert client.get(url).json()["updated_by"] == personas.rep_east.pk
    assert client.delete(url).status_code == 204
    assert not Company.objects.exists()


def test_the_team_of_a_record_is_shown_and_set_within_the_users_teams(personas: Any, api_as: Any) -> None:
    from bastion.accounts.models import Team

    east, west = Team.objects.get(name="Sales East"), Team.objects.get(name="Sales West")
    client = api_as(personas.rep_east)
    created = client.post(COMPANIES, {"name": "Initech"}, format="json").json()
    assert created["team"] == str(east.pk)  # the creator's team by default
    url = f"{COMPANIES}{created['id']}/"
    refused = client.patch(url, {"team": str(west.pk)}, format="json")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"team"}
    assert Company.objects.get().team_id == east.pk
    listed = client.get(COMPANIES).json()["results"]
    assert [row["team"] for row in listed] == [str(east.pk)]
    # The sales manager manages both teams and may move the record to either.
    moved = api_as(personas.sales_manager).patch(url, {"team": str(west.pk)}, format="json")
    assert moved.status_code == 200 and moved.json()["team"] == str(west.pk)
    assert Company.objects.get().team_id == west.pk


def test_company_input_cannot_set_authorship(personas: Any, api_as: Any) -> None:
    body = (
        api_as(personas.rep_east)
        .post(
            COMPANIES, {"name": "X", "created_by": personas.admin.pk, "id": "00000000-0000-0000-0000-000000000001"}, format="json"
        )
        .json()
    )
    assert body["created_by"] == personas.rep_east.pk and body["id"] != "00000000-0000-0000-0000-000000000001"


def test_company_validation_errors_name_fields(personas: Any, api_as: Any) -> None:
    client = api_as(personas.rep_east)
    response = client.post(COMPANIES, {"name": "", "industry": "wizardry"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and set(body["fields"]) == {"name", "industry"}
    response = client.post(COMPANIES, {"name": "X", "domain": "bad domain", "owner": personas.auditor.pk}, format="json")
    assert response.json()["fields"] == {
        "domain": ["Enter a web domain such as example.com."],
        "owner": ["Choose an active colleague whose role can own records."],
    }
    assert not Company.objects.exists()


# --- contacts -------------------------------------------------------------------------------------


def test_contact_crud_with_nested_rows(personas: Any, api_as: Any, company: Any) -> None:
    client = api_as(personas.rep_east)
    created = client.post(
        CONTACTS,
        {
            "given_name": "娜",
            "family_name": "李",
            "company": str(company.pk),
            "emails": [{"address": "lina@acme.example"}, {"address": "na.li@home.example", "label": "personal"}],
            "phones": [{"number": "+86 138 0013 8000", "label": "mobile"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["display_name"] == "李娜" and body["preferred_language"] == "zh-hans"
    assert body["company"] == str(company.pk) and body["company_name"] == "Acme Ltd"
    # A sales rep sees restricted values masked (docs/adr/0030); the stored values are the ones sent.
    assert body["primary_email"] == "l***@a***.example"
    assert body["emails"][1] == {"address": "n***@h***.example", "label": "personal", "is_primary": False}
    stored = Contact.objects.get(pk=body["id"])
    assert [e.address for e in stored.emails.all()] == ["lina@acme.example", "na.li@home.example"]
    url = f"{CONTACTS}{body['id']}/"
    patched = client.patch(url, {"company": None, "emails": []}, format="json").json()
    assert patched["company"] is None and patched["company_name"] is None and patched["emails"] == []
    assert patched["phones"] == [{"number": "861****8000", "label": "mobile", "is_primary": True}]
    assert Contact.objects.get(pk=body["id"]).primary_phone == "+86 138 0013 8000"
    assert client.delete(url).status_code == 204 and not Contact.objects.exists()


def test_contact_validation_errors_name_fields(personas: Any, api_as: Any) -> None:
    client = api_as(personas.rep_east)
    response = client.post(CONTACTS, {"given_name": "A", "emails": [{"address": "nope"}], "company": "not-a-uuid"}, format="json")
    fields = response.json()["fields"]
    assert response.status_code == 400 and set(fields) == {"emails", "company"}
    response = client.post(CONTACTS, {"given_name": "A", "company": "00000000-0000-0000-0000-000000000000"}, format="json")
    assert response.json()["fields"] == {"company": ["Choose a company that exists and that you can see."]}
    response = client.post(CONTACTS, {"job_title": "CEO"}, format="json")
    assert response.json()["fields"] == {"given_name": ["Enter a given name or a family name."]}
    assert not Contact.objects.exists()


# --- lists ---------------------------------------------------------------------------------------


def test_list_envelope_filters_and_paging(personas: Any, api_as: Any, company: Any, contact: Any) -> None:
    client = api_as(personas.admin)
    for i in range(4):
        client.post(CONTACTS, {"given_name": f"Kim{i}", "family_name": "Lee", "company": str(company.pk)}, format="json")
    first = client.get(CONTACTS, {"limit": 2, "company": str(company.pk)}).json()
    assert set(first) == {"next", "previous", "results"} and first["previous"] is None
    assert [row["display_name"] for row in first["results"]] == ["Kim0 Lee", "Kim1 Lee"]
    assert first["next"].startswith("http://testserver/api/v1/contacts/?") and "company=" in first["next"]
    second = client.get(first["next"]).json()
    assert [row["display_name"] for row in second["results"]] == ["Kim2 Lee", "Kim3 Lee"]
    assert client.get(second["previous"]).json()["results"] == first["results"]
    third = client.get(second["next"]).json()
    assert [row["display_name"] for row in third["results"]] == ["Alice Smith"] and third["next"] is None
    assert client.get(CONTACTS, {"q": "alice.smith@ACME.example"}).json()["results"][0]["id"] == str(contact.pk)
    names = [row["name"] for row in client.get(COMPANIES, {"ordering": "-name", "industry": "technology"}).json()["results"]]
    assert names == ["Acme Ltd"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "tampered"}, "cursor"),
        ({"limit": "1000"}, "limit"),
        ({"ordering": "secret"}, "ordering"),
        ({"industry": "wizardry"}, "industry"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_bad_list_parameters_are_400(personas: Any, api_as: Any, company: Any, params: Any, field: str) -> None:
    response = api_as(personas.admin).get(COMPANIES, params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_contact_list_rejects_a_bad_cursor(personas: Any, api_as: Any, contact: Any) -> None:
    response = api_as(personas.admin).get(CONTACTS, {"cursor": "AQ" + "x" * 60})
    assert response.status_code == 400
    assert response.json()["fields"] == {"cursor": ["This page link is damaged. Go back to the first page."]}


# --- schema --------------------------------------------------------------------------------------


def test_openapi_schema_covers_every_operation(personas: Any, signed_in: Any) -> None:
    from openapi_spec_validator import validate

    response = signed_in(personas.admin).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    paths = schema["paths"]
    for base in ("/api/v1/companies/", "/api/v1/contacts/"):
        assert set(paths[base]) == {"get", "post"}
        assert set(paths[base + "{id}/"]) == {"get", "put", "patch", "delete"}
        listing = paths[base]["get"]
        params = {param["name"] for param in listing["parameters"]}
        assert {"q", "owner", "ordering", "limit", "cursor"} <= params
        envelope = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert set(schema["components"]["schemas"][envelope]["properties"]) == {"next", "previous", "results"}
        detail_id = paths[base + "{id}/"]["get"]["parameters"][0]
        assert detail_id["name"] == "id" and detail_id["schema"]["format"] == "uuid"
        assert {"403", "404"} <= set(paths[base + "{id}/"]["delete"]["responses"])
    contact = schema["components"]["schemas"]["Contact"]["properties"]
    assert {"emails", "phones", "company", "company_name", "display_name"} <= set(contact)
    writable = schema["components"]["schemas"]["CompanyInputRequest"]["properties"]
    assert "created_by" not in writable and "id" not in writable
