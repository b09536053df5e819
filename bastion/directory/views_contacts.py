"""Contact pages: list, detail, create, edit, delete, and company suggestions for the form."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bastion.directory import actions, actions_erase, selectors
from bastion.directory.access import access_company_by_id, access_contact_by_id, parse_uuid, rights_on
from bastion.directory.delete_effects import contact_delete_effects, delete_question
from bastion.directory.forms import ContactFilterForm, ContactForm, valid_filters
from bastion.directory.models import Company
from bastion.directory.names import query_key
from bastion.directory.views import (
    bad_page_request,
    forbidden,
    reader_required,
    refused_search,
    render_list,
    render_masked,
    sort_columns,
    writer_required,
)
from bastion.kernel.access.masking import may_reveal
from bastion.kernel.access.scoping import can_change_customer_records, can_erase_personal_data
from bastion.kernel.pagination import PaginationError, parse_page_request
from bastion.sales.money import base_currency
from bastion.sales.selectors import customer_deals

# Email is not sortable: emails are encrypted at rest (restricted data, docs/adr).
COLUMNS = [
    ("name", pgettext_lazy("person", "Name")),
    ("updated", gettext_lazy("Updated")),
]
SORT_CHOICES = [
    ("name", gettext_lazy("Family name, A to Z")),
    ("-name", gettext_lazy("Family name, Z to A")),
    ("-updated", gettext_lazy("Recently changed first")),
    ("updated", gettext_lazy("Least recently changed first")),
    ("-created", gettext_lazy("Newest first")),
    ("created", gettext_lazy("Oldest first")),
]


def _filters(values: dict[str, Any]) -> selectors.ContactFilters:
    return selectors.ContactFilters(
        q=(values.get("q") or "").strip(),
        company_id=values.get("company"),
        owner_id=values.get("owner"),
        tag=values.get("tag") or "",
        preferred_language=values.get("preferred_language") or "",
    )


@reader_required
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET, owners=selectors.assignable_owners(), tags=selectors.tags_in_use(request.user))
    filters = _filters(valid_filters(form))
    refused = refused_search(request, filters.q, nav="contacts", back=reverse("directory:contact-list"))
    if refused is not None:
        return refused
    company = None
    if filters.company_id is not None:
        company = access_company_by_id(request.user, filters.company_id)
    try:
        page_request = parse_page_request(
            request.GET, orderings=selectors.CONTACT_ORDERINGS, default_ordering=selectors.DEFAULT_CONTACT_ORDERING
        )
        page = selectors.contact_page(request.user, filters, page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="contacts", back=reverse("directory:contact-list"))
    context = {
        "nav": "contacts",
        "form": form,
        "page": page,
        "query": filters.q,
        "company": company,
        "filtered": filters != selectors.ContactFilters(),
        "columns": {column["key"]: column for column in sort_columns(page.ordering, COLUMNS)},
        "sort_choices": SORT_CHOICES,
        "can_edit": can_change_customer_records(request.user),
    }
    return render_list(request, "directory/contacts/list.html", "directory/contacts/_results.html", context)


@reader_required
@require_GET
def contact_detail(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = access_contact_by_id(request.user, contact_id)
    rights = rights_on(request.user, contact)
    context = {
        "nav": "contacts",
        "contact": contact,
        "can_edit": rights.can_edit and not contact.is_erased,
        "can_share": rights.can_share,
        "can_delete": rights.can_edit,
        "can_erase": can_erase_personal_data(request.user) and not contact.is_erased,
        "can_reveal": may_reveal(request.user),
        "deals": customer_deals(request.user, contact_id=contact.pk),
        "base_currency": base_currency(),
        "can_add_deal": can_change_customer_records(request.user),
    }
    if rights.can_edit:  # the delete button's dialog says what deleting does
        question = _("Delete the contact “%(name)s”?") % {"name": contact.display_name}
        context["delete_question"] = delete_question(question, contact_delete_effects(request.user, [contact]))
    return render_masked(request, "directory/contacts/detail.html", context)


@reader_required
@require_GET
def company_suggest(request: HttpRequest) -> HttpResponse:
    """``<option>`` elements for the contact form's company ``<datalist>`` (htmx, as you type)."""
    text = (request.GET.get("company_name") or request.GET.get("q") or "")[:200]
    context = {"companies": selectors.company_suggestions(request.user, text)}
    return render(request, "directory/contacts/_company_options.html", context)


def _company_from_form(request: HttpRequest, form: ContactForm) -> tuple[Company | None, bool]:
    """The company the form names: the hidden id if it still matches the typed name, else by name.

    Returns (company, ok); on a problem the form gets an error next to the company field.
    """
    name = getattr(form, "cleaned_data", {}).get("company_name") or ""
    if not name.strip():
        return None, True
    chosen = form.cleaned_data.get("company_id")
    if chosen is not None:
        company = selectors.company_queryset(request.user).filter(pk=chosen).only("id", "name").first()
        if company is not None and query_key(company.name) == query_key(name):
            return company, True
    matches = selectors.companies_named(request.user, name)
    if len(matches) == 1:
        return matches[0], True
    if not matches:
        message = _("No company is called “%(name)s”. Check the spelling, or add the company first.")
    else:
        message = _("Several companies are called “%(name)s”. Add the contact from that company's page.")
    form.add_error("company_name", message % {"name": name})
    return None, False


def _form_page(request: HttpRequest, form: ContactForm, contact: Any = None, *, status: int = 200) -> HttpResponse:
    context = {"nav": "contacts", "form": form, "contact": contact}
    return render_masked(request, "directory/contacts/form.html", context, status=status)


def _save(request: HttpRequest, form: ContactForm, contact: Any = None) -> HttpResponse | None:
    """Validate, resolve the company and call the action; a redirect on success, None to show the form again."""
    valid = form.is_valid()
    company, ok = _company_from_form(request, form)  # checked even when other fields are wrong: all errors at once
    if not (valid and ok):
        return None
    try:
        if contact is None:
            contact = actions.create_contact(request.user, form.action_data(company))
            messages.success(request, _("Contact “%(name)s” added.") % {"name": contact.display_name})
        else:
            contact = actions.update_contact(request.user, contact.pk, form.action_data(company, contact))
            messages.success(request, _("Changes to “%(name)s” saved.") % {"name": contact.display_name})
    except ValidationError as error:
        form.add_action_errors(error)
        return None
    except PermissionDenied as error:
        return forbidden(request, str(error))
    return redirect("directory:contact-detail", contact_id=contact.pk)


@writer_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    owners = selectors.assignable_owners()
    if request.method == "POST":
        form = ContactForm(request.POST, owners=owners, user=request.user)
        return _save(request, form) or _form_page(request, form, status=400)
    language = "zh-hans" if (get_language() or "").lower().startswith("zh") else "en"
    initial: dict[str, Any] = {"owner": request.user.pk, "preferred_language": language}
    company_id = parse_uuid(request.GET.get("company"))
    if company_id is not None:
        company = access_company_by_id(request.user, company_id)
        initial.update(company_name=company.name, company_id=company.pk)
    return _form_page(request, ContactForm(owners=owners, initial=initial, user=request.user))


@writer_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = access_contact_by_id(request.user, contact_id, for_write=True)
    if contact.is_erased:
        messages.error(request, _("This contact's personal data was erased. The record can no longer be changed, only deleted."))
        return redirect("directory:contact-detail", contact_id=contact.pk)
    owners = selectors.assignable_owners(keep=contact.owner_id)
    if request.method == "POST":
        form = ContactForm(request.POST, owners=owners, initial=ContactForm.initial_for(contact), user=request.user)
        return _save(request, form, contact) or _form_page(request, form, contact, status=400)
    return _form_page(request, ContactForm(owners=owners, initial=ContactForm.initial_for(contact), user=request.user), contact)


@writer_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    """GET (or POST without ``confirmed``) asks; POST with ``confirmed`` deletes."""
    contact = access_contact_by_id(request.user, contact_id, for_write=True)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions.delete_contact(request.user, contact.pk)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        messages.success(request, _("Contact “%(name)s” deleted.") % {"name": contact.display_name})
        return redirect("directory:contact-list")
    context = {"nav": "contacts", "contact": contact, "effects": contact_delete_effects(request.user, [contact])}
    return render(request, "directory/contacts/confirm_delete.html", context)


@writer_required
@require_http_methods(["GET", "POST"])
def contact_erase(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    """GET (or POST without ``confirmed``) explains and asks; POST with ``confirmed`` crypto-shreds."""
    contact = access_contact_by_id(request.user, contact_id, for_write=True)
    if not can_erase_personal_data(request.user):
        return forbidden(request, _("Only an administrator can erase a person's data."))
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions_erase.shred_contact(request.user, contact.pk)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        messages.success(request, _("The personal data of “%(name)s” was erased.") % {"name": contact.display_name})
        return redirect("directory:contact-detail", contact_id=contact.pk)
    return render(request, "directory/contacts/confirm_erase.html", {"nav": "contacts", "contact": contact})
