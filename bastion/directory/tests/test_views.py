"""HTML pages: who may see and change what, forms, confirmation, htmx fragments, empty states."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from bastion.directory import actions
from bastion.directory.models import Company, Contact

pytestmark = pytest.mark.django_db

# The fixtures' records belong to rep_east's team (Sales East): these are the people who see them.
READERS = ["admin", "rep_east", "sales_manager"]
SECRETS = ["Acme", "Alice", "Smith", "alice.smith@acme.example", "Secret project Falcon", "7946"]


def page_urls(company: Any, contact: Any) -> list[str]:
    return [
        reverse("directory:company-list"),
        reverse("directory:company-list") + "?q=acme",
        reverse("directory:company-detail", args=[company.pk]),
        reverse("directory:contact-list"),
        reverse("directory:contact-list") + f"?company={company.pk}",
        reverse("directory:contact-detail", args=[contact.pk]),
        reverse("directory:search") + "?q=alice",
        reverse("directory:company-suggest") + "?company_name=ac",
    ]


def write_urls(company: Any, contact: Any) -> list[str]:
    return [
        reverse("directory:company-create"),
        reverse("directory:company-edit", args=[company.pk]),
        reverse("directory:company-delete", args=[company.pk]),
        reverse("directory:contact-create"),
        reverse("directory:contact-edit", args=[contact.pk]),
        reverse("directory:contact-delete", args=[contact.pk]),
    ]


def assert_nothing_leaked(response: Any) -> None:
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body, f"{secret!r} leaked into a {response.status_code} page"


def snapshot() -> list[Any]:
    return [
        list(Company.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
    ]


def contact_form(**fields: Any) -> dict[str, str]:
    """A contact form submission with three email and three phone rows."""
    data = {
        "given_name": "", "family_name": "", "job_title": "", "company_name": "", "company_id": "",
        "preferred_language": "en", "owner": "", "tags": "", "notes": "",
        "street": "", "postal_code": "", "city": "", "region": "", "country": "",
    }  # fmt: skip
    for prefix in ("emails", "phones"):
        data.update({f"{prefix}-TOTAL_FORMS": "3", f"{prefix}-INITIAL_FORMS": "3", f"{prefix}-MIN_NUM_FORMS": "0"})
        data[f"{prefix}-MAX_NUM_FORMS"] = "10"
        for i in range(3):
            data.update({f"{prefix}-{i}-label": "work"})
    data.update({key: str(value) for key, value in fields.items()})
    return data


# --- who gets in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_staff_can_read_every_page(personas: Any, signed_in: Any, company: Any, contact: Any, who: str) -> None:
    client = signed_in(getattr(personas, who))
    for url in page_urls(company, contact):
        response = client.get(url)
        assert response.status_code == 200, url
        if "suggest" not in url:
            assert "Acme Ltd" in response.content.decode(), url


@pytest.mark.parametrize("who", ["auditor", "outsider"])
def test_no_customer_role_no_pages(personas: Any, signed_in: Any, company: Any, contact: Any, who: str) -> None:
    client = signed_in(getattr(personas, who))
    before = snapshot()
    for url in page_urls(company, contact) + write_urls(company, contact):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert_nothing_leaked(response)
    for url in write_urls(company, contact):
        response = client.post(url, {"name": "Hacked", "given_name": "Hacked", "confirmed": "yes"})
        assert response.status_code in (403, 404), url
        assert_nothing_leaked(response)
    assert snapshot() == before


def test_read_only_role_reads_but_cannot_write(read_only: Any, signed_in: Any, company: Any, contact: Any) -> None:
    client = signed_in(read_only)
    detail = client.get(reverse("directory:company-detail", args=[company.pk])).content.decode()
    assert "Acme Ltd" in detail
    assert reverse("directory:company-edit", args=[company.pk]) not in detail  # no edit button
    assert "Add company" not in client.get(reverse("directory:company-list")).content.decode()
    before = snapshot()
    for url in write_urls(company, contact):
        assert client.get(url).status_code == 403, url
        response = client.post(url, {"name": "Changed", "given_name": "Changed", "confirmed": "yes"})
        assert response.status_code == 403, url
        assert "can read companies and contacts but not change them" in response.content.decode()
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(client: Any, company: Any, contact: Any) -> None:
    for url in page_urls(company, contact) + write_urls(company, contact):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        assert_nothing_leaked(response)


def test_missing_and_malformed_ids_are_404(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.admin)
    assert client.get("/companies/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/contacts/00000000-0000-0000-0000-000000000000/edit/").status_code == 404
    assert client.get("/companies/not-a-uuid/").status_code == 404
    assert client.get(reverse("directory:contact-list") + "?company=00000000-0000-0000-0000-000000000000").status_code == 404


# --- lists ----------------------------------------------------------------------------------


def test_lists_show_columns_sort_links_and_nav(personas: Any, signed_in: Any, company: Any, contact: Any) -> None:
    client = signed_in(personas.rep_east)
    body = client.get(reverse("directory:contact-list")).content.decode()
    assert "Alice Smith" in body and "a***@a***.example" in body and "442****0123" in body  # restricted: masked
    assert "alice.smith@acme.example" not in body and "+44 20 7946 0123" not in body
    assert re.search(r'href="/contacts/"\s+aria-current="page"', body)
    assert 'aria-sort="ascending"' in body and "?ordering=-name" in body
    body = client.get(reverse("directory:company-list") + "?ordering=-updated").content.decode()
    assert 'aria-sort="descending"' in body and "?ordering=updated" in body
    assert '<option value="-updated" selected>Recently changed first</option>' in body  # the filters keep the sort
    assert '<span class="tag">VIP</span>' in body


def test_htmx_requests_get_only_the_results(personas: Any, signed_in: Any, company: Any, contact: Any) -> None:
    client = signed_in(personas.rep_east)
    response = client.get(reverse("directory:contact-list") + "?q=ali", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "Alice Smith" in body
    assert 'id="list-state" class="filter" hx-swap-oob="true"' in body
    assert "HX-Request" in response["Vary"]
    restore = client.get(reverse("directory:contact-list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()


def test_empty_states(personas: Any, signed_in: Any, read_only: Any) -> None:
    client = signed_in(personas.rep_east)
    body = client.get(reverse("directory:contact-list")).content.decode()
    assert "No contacts you can see yet" in body and "Add the first one" in body
    assert "No companies you can see yet" in client.get(reverse("directory:company-list")).content.decode()
    assert "No companies yet" in signed_in(personas.admin).get(reverse("directory:company-list")).content.decode()
    body = client.get(reverse("directory:contact-list") + "?q=xyz").content.decode()
    assert "No contacts match “xyz”" in body and "Clear the search and filters" in body
    body = client.get(reverse("directory:company-list") + "?industry=finance").content.decode()
    assert "No companies match these filters" in body
    assert "Add the first one" not in signed_in(read_only).get(reverse("directory:contact-list")).content.decode()


def test_pages_through_a_list(personas: Any, signed_in: Any) -> None:
    for i in range(25):
        actions.create_contact(personas.admin, {"given_name": f"Person{i:02}", "family_name": "Lee"})
    client = signed_in(personas.admin)
    first = client.get(reverse("directory:contact-list")).content.decode()
    assert "Person19" in first and "Person20" not in first and "more on the next page" in first
    next_url = re.search(r'rel="next" class="button" href="([^"]+)"', first)
    assert next_url
    second = client.get(reverse("directory:contact-list") + next_url.group(1).replace("&amp;", "&")).content.decode()
    assert "Person20" in second and "Person24" in second and "Person19" not in second
    assert 'rel="prev"' in second and "First page" in second


@pytest.mark.parametrize("query", ["?cursor=tampered", "?limit=101", "?limit=x", "?ordering=password"])
def test_bad_paging_parameters_give_a_clear_400(personas: Any, signed_in: Any, contact: Any, query: str) -> None:
    client = signed_in(personas.admin)
    for url in (reverse("directory:contact-list"), reverse("directory:company-list")):
        response = client.get(url + query)
        assert response.status_code == 400
        body = response.content.decode()
        assert "Cannot show this page" in body and "Go to the first page" in body


def test_invalid_filter_is_reported_and_ignored(personas: Any, signed_in: Any, company: Any) -> None:
    body = signed_in(personas.admin).get(reverse("directory:company-list") + "?industry=wizardry").content.decode()
    assert "Select a valid choice" in body and "Acme Ltd" in body


def test_company_detail_lists_its_contacts(personas: Any, signed_in: Any, company: Any, contact: Any) -> None:
    actions.create_contact(personas.admin, {"given_name": "Elsewhere", "family_name": "Person"})
    client = signed_in(personas.admin)
    body = client.get(reverse("directory:company-detail", args=[company.pk])).content.decode()
    assert "Alice Smith" in body and "Elsewhere" not in body
    assert f"/contacts/new/?company={company.pk}" in body
    fragment = client.get(reverse("directory:company-detail", args=[company.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Alice Smith" in fragment


def test_search_page(personas: Any, signed_in: Any, company: Any, contact: Any) -> None:
    client = signed_in(personas.admin)
    body = client.get(reverse("directory:search") + "?q=ALICE.SMITH@acme.example").content.decode()
    assert "Alice Smith" in body and 'aria-current="page"' in body
    body = client.get(reverse("directory:search") + "?q=zzz").content.decode()
    assert "No companies match “zzz”." in body and "No contacts match “zzz”." in body
    assert "<html" not in client.get(reverse("directory:search") + "?q=ac", HTTP_HX_REQUEST="true").content.decode()


# --- company forms ---------------------------------------------------------------------------


def test_create_company(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    assert 'name="name"' in client.get(reverse("directory:company-create")).content.decode()
    response = client.post(
        reverse("directory:company-create"),
        {
            "name": "Globex",
            "domain": "www.globex.example",
            "industry": "finance",
            "tags": "VIP, 重点客户",
            "owner": personas.rep_west.pk,
        },
    )
    company = Company.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("directory:company-detail", args=[company.pk])
    assert (company.domain, company.owner, company.created_by) == ("globex.example", personas.rep_west, personas.rep_east)
    assert "Company “Globex” added." in client.get(response["Location"]).content.decode()


def test_company_form_errors_are_shown_next_to_the_fields(personas: Any, signed_in: Any) -> None:
    client = signed_in(personas.rep_east)
    response = client.post(reverse("directory:company-create"), {"name": "", "domain": "not a domain", "tags": "x" * 60})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The form was not saved" in body
    assert re.search(r'id="id_name_error"><li>This field is required', body)
    assert 'aria-invalid="true"' in body and 'aria-describedby="id_name_error"' in body
    assert re.search(r"id_tags_error.*A tag can be at most 50 characters", body)
    # errors the action finds (after the form's own checks) land next to their field too
    response = client.post(reverse("directory:company-create"), {"name": "Ok", "domain": "not a domain"})
    assert re.search(r'id="id_domain_error"><li>Enter a web domain such as example.com', response.content.decode())
    assert not Company.objects.exists()


def test_edit_company(personas: Any, signed_in: Any, company: Any) -> None:
    client = signed_in(personas.sales_manager)
    form = client.get(reverse("directory:company-edit", args=[company.pk])).content.decode()
    assert 'value="Acme Ltd"' in form and 'value="VIP"' in form
    response = client.post(reverse("directory:company-edit", args=[company.pk]), {"name": "Acme Group", "tags": "VIP"})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "Acme Group" and company.updated_by == personas.sales_manager


def test_delete_company_asks_first(personas: Any, signed_in: Any, company: Any, contact: Any) -> None:
    client = signed_in(personas.rep_east)
    url = reverse("directory:company-delete", args=[company.pk])
    detail = client.get(reverse("directory:company-detail", args=[company.pk])).content.decode()
    assert f'action="{url}"' in detail and 'data-confirm="Delete the company “Acme Ltd”?' in detail
    assert 'data-confirm-field="confirmed"' in detail
    page = client.get(url).content.decode()
    assert "Its 1 contact is kept" in page and 'name="confirmed" value="yes"' in page
    unconfirmed = client.post(url)  # what a browser without JavaScript sends from the detail page
    assert unconfirmed.status_code == 200 and "Delete the company" in unconfirmed.content.decode()
    assert Company.objects.filter(pk=company.pk).exists()
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302 and response["Location"] == reverse("directory:company-list")
    assert not Company.objects.filter(pk=company.pk).exists() and Contact.objects.filter(pk=contact.pk).exists()


# --- contact forms -------------------------------------------------------------------------------


def test_create_contact_with_rows_and_company_by_name(personas: Any, signed_in: Any, company: Any) -> None:
    client = signed_in(personas.rep_east)
    form = client.get(reverse("directory:contact-create") + f"?company={company.pk}").content.decode()
    assert 'value="Acme Ltd"' in form and f'value="{company.pk}"' in form
    assert 'list="company-options"' in form and 'hx-get="/companies/suggest/"' in form
    response = client.post(
        reverse("directory:contact-create"),
        contact_form(
            given_name="伟", family_name="王", company_name="acme ltd", preferred_language="zh-hans",
            **{"emails-0-address": "wangwei@acme.example", "emails-1-address": "ww@home.example", "emails-1-is_primary": "on",
               "emails-1-label": "personal", "phones-0-number": "+86 138 0013 8000", "tags": "重点客户"},
        ),
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    contact = Contact.objects.get()
    assert contact.display_name == "王伟" and contact.company == company
    assert contact.primary_email == "ww@home.example" and contact.primary_phone == "+86 138 0013 8000"
    assert [e.address for e in contact.emails.all()] == ["wangwei@acme.example", "ww@home.example"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "given_name", "Enter a given name or a family name."),
        ({"given_name": "A", "company_name": "Nowhere Inc"}, "company_name", "No company is called “Nowhere Inc”"),
        ({"given_name": "A", "emails-0-address": "broken"}, "emails-0-address", "Enter a valid email address."),
    ],
)
def test_contact_form_errors(personas: Any, signed_in: Any, company: Any, fields: Any, field: str, message: str) -> None:
    response = signed_in(personas.rep_east).post(reverse("directory:contact-create"), contact_form(**fields))
    assert response.status_code == 400
    assert re.search(rf'id="id_{field}_error"><li>{re.escape(message)}', response.content.decode())
    assert not Contact.objects.exists()


def test_contact_form_shows_action_row_errors(personas: Any, signed_in: Any) -> None:
    response = signed_in(personas.rep_east).post(
        reverse("directory:contact-create"),
        contact_form(given_name="A", **{"emails-0-address": "a@x.example", "emails-1-address": "A@X.example"}),
    )
    assert response.status_code == 400
    assert "Email 2: A@X.example is listed twice." in response.content.decode()


def test_ambiguous_company_name(personas: Any, signed_in: Any, company: Any) -> None:
    actions.create_company(personas.admin, {"name": "ACME LTD", "domain": "acme2.example"})
    response = signed_in(personas.admin).post(
        reverse("directory:contact-create"), contact_form(given_name="A", company_name="Acme Ltd")
    )
    assert "Several companies are called “Acme Ltd”" in response.content.decode()
    response = signed_in(personas.admin).post(
        reverse("directory:contact-create"), contact_form(given_name="A", company_name="Acme Ltd", company_id=company.pk)
    )
    assert response.status_code == 302 and Contact.objects.get().company == company


def test_edit_contact_keeps_and_replaces_rows(personas: Any, signed_in: Any, contact: Any) -> None:
    """A sales manager may change emails and phones but sees them masked: stored rows are listed masked and kept,
    typed rows are added after them, and nothing stored appears in the form."""
    client = signed_in(personas.sales_manager)
    form = client.get(reverse("directory:contact-edit", args=[contact.pk])).content.decode()
    assert "a***@a***.example" in form and "442****0123" in form
    assert "alice.smith@acme.example" not in form and "7946" not in form.replace("442****0123", "")
    data = contact_form(
        given_name="Alice", family_name="Smith-Jones", company_name="Acme Ltd", company_id=contact.company_id,
        **{"emails-0-address": "alice@acme.example", "phones-0-number": ""},
    )  # fmt: skip
    assert client.post(reverse("directory:contact-edit", args=[contact.pk]), data).status_code == 302
    contact.refresh_from_db()
    assert contact.display_name == "Alice Smith-Jones" and contact.primary_email == "alice.smith@acme.example"
    assert [e.address for e in contact.emails.all()] == ["alice.smith@acme.example", "alice@acme.example"]
    assert contact.primary_phone == "+44 20 7946 0123" and contact.updated_by == personas.sales_manager


def test_delete_contact(personas: Any, signed_in: Any, contact: Any) -> None:
    client = signed_in(personas.sales_manager)
    url = reverse("directory:contact-delete", args=[contact.pk])
    assert "Delete the contact “Alice Smith”?" in client.get(url).content.decode()
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    assert not Contact.objects.exists()


def test_company_suggestions(personas: Any, signed_in: Any, company: Any) -> None:
    body = signed_in(personas.rep_east).get(reverse("directory:company-suggest") + "?company_name=AC").content.decode()
    assert body.strip() == '<option value="Acme Ltd">acme.example</option>'


# --- markup rules ------------------------------------------------------------------------------------


def test_stored_markup_is_escaped_and_pages_have_no_inline_code(personas: Any, signed_in: Any) -> None:
    company = actions.create_company(personas.admin, {"name": "<script>alert(1)</script>", "notes": '<img src=x onerror="x()">'})
    contact = actions.create_contact(personas.admin, {"given_name": "<b>Bold</b>", "company": company.pk})
    client = signed_in(personas.admin)
    urls = [*page_urls(company, contact), *write_urls(company, contact)]
    for url in urls:
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<b>Bold" not in body and "<img src=x" not in body, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), f"inline script in {url}"
        assert not re.search(r"<[^>]*\sstyle=|<style", body), f"inline style in {url}"
        assert not re.search(r"<[^>]*\son[a-z]+=", body), f"inline event handler in {url}"


def test_edit_form_keeps_a_former_colleague_as_owner(personas: Any, signed_in: Any, company: Any) -> None:
    personas.rep_east.is_active = False
    personas.rep_east.save()
    client = signed_in(personas.admin)
    form = client.get(reverse("directory:company-edit", args=[company.pk])).content.decode()
    assert re.search(rf'<option value="{personas.rep_east.pk}" selected>', form)
    response = client.post(
        reverse("directory:company-edit", args=[company.pk]), {"name": "Acme Ltd", "owner": personas.rep_east.pk, "city": "Leeds"}
    )
    assert response.status_code == 302
    assert Company.objects.get(pk=company.pk).owner == personas.rep_east
    assert str(personas.rep_east.pk) not in re.findall(
        r'<option value="(\d+)"', client.get(reverse("directory:company-create")).content.decode()
    )
