"""Company pages: list, detail (with its contacts), create, edit, delete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bastion.directory import actions, selectors
from bastion.directory.access import access_company_by_id, rights_on
from bastion.directory.delete_effects import company_delete_effects, delete_question
from bastion.directory.forms import CompanyFilterForm, CompanyForm, valid_filters
from bastion.directory.views import (
    bad_page_request,
    forbidden,
    is_htmx,
    reader_required,
    refused_search,
    render_list,
    render_masked,
    sort_columns,
    writer_required,
)
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.pagination import PaginationError, parse_page_request
from bastion.sales.money import base_currency
from bastion.sales.selectors import customer_deals

COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("domain", gettext_lazy("Web domain")),
    ("updated", gettext_lazy("Updated")),
]
SORT_CHOICES = [
    ("name", gettext_lazy("Name, A to Z")),
    ("-name", gettext_lazy("Name, Z to A")),
    ("domain", gettext_lazy("Web domain, A to Z")),
    ("-domain", gettext_lazy("Web domain, Z to A")),
    ("-updated", gettext_lazy("Recently changed first")),
    ("updated", gettext_lazy("Least recently changed first")),
    ("-created", gettext_lazy("Newest first")),
    ("created", gettext_lazy("Oldest first")),
]


def _filters(values: dict[str, Any]) -> selectors.CompanyFilters:
    return selectors.CompanyFilters(
        q=(values.get("q") or "").strip(),
        industry=values.get("industry") or "",
        size=values.get("size") or "",
        owner_id=values.get("owner"),
    )


@reader_required
@require_GET
def company_list(request: HttpRequest) -> HttpResponse:
    form = CompanyFilterForm(request.GET, owners=selectors.assignable_owners())
    filters = _filters(valid_filters(form))
    refused = refused_search(request, filters.q, nav="companies", back=reverse("directory:company-list"), contacts=False)
    if refused is not None:
        return refused
    try:
        page_request = parse_page_request(
            request.GET, orderings=selectors.COMPANY_ORDERINGS, default_ordering=selectors.DEFAULT_COMPANY_ORDERING
        )
        page = selectors.company_page(request.user, filters, page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="companies", back=reverse("directory:company-list"))
    context = {
        "nav": "companies",
        "form": form,
        "page": page,
        "query": filters.q,
        "filtered": filters != selectors.CompanyFilters(),
        "columns": {column["key"]: column for column in sort_columns(page.ordering, COLUMNS)},
        "sort_choices": SORT_CHOICES,
        "can_edit": can_change_customer_records(request.user),
    }
    return render_list(request, "directory/companies/list.html", "directory/companies/_results.html", context)


@reader_required
@require_GET
def company_detail(request: HttpRequest, company_id: UUID) -> HttpResponse:
    company = access_company_by_id(request.user, company_id)
    try:
        page_request = parse_page_request(
            request.GET, orderings=selectors.CONTACT_ORDERINGS, default_ordering=selectors.DEFAULT_CONTACT_ORDERING
        )
        contacts = selectors.contact_page(request.user, selectors.ContactFilters(company_id=company.pk), page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="companies", back=reverse("directory:company-detail", args=[company.pk]))
    rights = rights_on(request.user, company)
    context: dict[str, Any] = {"nav": "companies", "company": company, "contacts": contacts, **rights.__dict__}
    if is_htmx(request):  # a page of contacts only
        return render_list(request, "directory/companies/detail.html", "directory/companies/_contacts.html", context)
    context["deals"] = customer_deals(request.user, company_id=company.pk)
    context["base_currency"] = base_currency()
    context["can_add_deal"] = can_change_customer_records(request.user)
    if rights.can_edit:  # the delete button's dialog says what deleting does
        question = _("Delete the company “%(name)s”?") % {"name": company.name}
        context["delete_question"] = delete_question(question, company_delete_effects(request.user, [company]))
    return render_list(request, "directory/companies/detail.html", "directory/companies/_contacts.html", context)


def _form_page(request: HttpRequest, form: CompanyForm, company: Any = None, *, status: int = 200) -> HttpResponse:
    context = {"nav": "companies", "form": form, "company": company}
    return render_masked(request, "directory/companies/form.html", context, status=status)


@writer_required
@require_http_methods(["GET", "POST"])
def company_create(request: HttpRequest) -> HttpResponse:
    owners = selectors.assignable_owners()
    if request.method != "POST":
        return _form_page(request, CompanyForm(owners=owners, initial={"owner": request.user.pk}, user=request.user))
    form = CompanyForm(request.POST, owners=owners, user=request.user)
    if form.is_valid():
        try:
            company = actions.create_company(request.user, form.action_data())
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Company “%(name)s” added.") % {"name": company.name})
            return redirect("directory:company-detail", company_id=company.pk)
    return _form_page(request, form, status=400)


@writer_required
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, company_id: UUID) -> HttpResponse:
    company = access_company_by_id(request.user, company_id, for_write=True)
    owners = selectors.assignable_owners(keep=company.owner_id)
    if request.method != "POST":
        form = CompanyForm(owners=owners, initial=CompanyForm.initial_for(company), user=request.user)
        return _form_page(request, form, company)
    form = CompanyForm(request.POST, owners=owners, user=request.user)
    if form.is_valid():
        try:
            actions.update_company(request.user, company.pk, form.action_data())
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Changes to “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
            return redirect("directory:company-detail", company_id=company.pk)
    return _form_page(request, form, company, status=400)


@writer_required
@require_http_methods(["GET", "POST"])
def company_delete(request: HttpRequest, company_id: UUID) -> HttpResponse:
    """GET (or POST without ``confirmed``) asks; POST with ``confirmed`` deletes."""
    company = access_company_by_id(request.user, company_id, for_write=True)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions.delete_company(request.user, company.pk)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        messages.success(request, _("Company “%(name)s” deleted.") % {"name": company.name})
        return redirect("directory:company-list")
    context = {"nav": "companies", "company": company, "effects": company_delete_effects(request.user, [company])}
    return render(request, "directory/companies/confirm_delete.html", context)
