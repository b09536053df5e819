"""Lead pages: the list, detail with possible duplicates and conversion, create, edit, delete,
and the public web form that anyone may fill in (no sign-in), embeddable in a company web site.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bastion.accounts.throttling import parse_rate, record_hit
from bastion.directory import selectors as directory
from bastion.directory.forms import valid_filters
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
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.audit.context import client_ip
from bastion.kernel.pagination import PaginationError, parse_page_request
from bastion.sales import actions, actions_leads, selectors, selectors_leads
from bastion.sales.access import access_lead_by_id
from bastion.sales.forms_leads import CONSENT_TEXT, ConvertForm, LeadFilterForm, LeadForm, PublicLeadForm
from bastion.sales.money import base_currency

COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("score", gettext_lazy("Score")),
    ("created", gettext_lazy("Received")),
    ("updated", gettext_lazy("Updated")),
]
SORT_CHOICES = [
    ("-created", gettext_lazy("Newest first")),
    ("-score", gettext_lazy("Highest score first")),
    ("created", gettext_lazy("Oldest first")),
    ("name", gettext_lazy("Name, A to Z")),
    ("-name", gettext_lazy("Name, Z to A")),
    ("-updated", gettext_lazy("Recently changed first")),
]


def lead_filters(request: HttpRequest) -> selectors_leads.LeadFilters:
    """The lead list's filters from the query string (invalid ones are ignored, as the form shows them)."""
    values = valid_filters(LeadFilterForm(request.GET, owners=directory.assignable_owners()))
    return selectors_leads.LeadFilters(
        q=(values.get("q") or "").strip(), status=values.get("status") or "", source=values.get("source") or "",
        owner_id=values.get("owner"),
    )  # fmt: skip


@reader_required
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET, owners=directory.assignable_owners())
    filters = lead_filters(request)
    refused = refused_search(request, filters.q, nav="leads", back=reverse("sales:lead-list"))
    if refused is not None:
        return refused
    try:
        orderings = selectors_leads.LEAD_ORDERINGS
        page_request = parse_page_request(
            request.GET, orderings=orderings, default_ordering=selectors_leads.DEFAULT_LEAD_ORDERING
        )
        page = selectors_leads.lead_page(request.user, filters, page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="leads", back=reverse("sales:lead-list"))
    context = {
        "nav": "leads",
        "form": form,
        "page": page,
        "query": filters.q,
        "filtered": filters != selectors_leads.LeadFilters(),
        "columns": {column["key"]: column for column in sort_columns(page.ordering, COLUMNS)},
        "sort_choices": SORT_CHOICES,
        "can_edit": can_change_customer_records(request.user),
    }
    return render_list(request, "sales/leads/list.html", "sales/leads/_results.html", context)


def _convert_form(request: HttpRequest, lead: Any, matches: Any, data: Any = None) -> ConvertForm:
    initial = {"deal_name": lead.company_name or lead.display_name, "currency": base_currency(), "create_deal": True}
    return ConvertForm(
        data,
        initial=initial,
        lead=lead,
        matches=matches,
        named=directory.companies_named(request.user, lead.company_name) if lead.company_name else (),
        stages=selectors.all_stages(request.user),
        currencies=sorted(actions.known_currencies()),
    )


def _detail(request: HttpRequest, lead: Any, convert_form: ConvertForm | None = None, *, status: int = 200) -> HttpResponse:
    matches = selectors_leads.duplicates_of(request.user, lead)
    context = {
        "nav": "leads",
        "lead": lead,
        "matches": matches,
        "score": selectors_leads.score_breakdown(lead),
        "convert_form": convert_form or _convert_form(request, lead, matches),
        "can_edit": can_change_customer_records(request.user),
        "can_reveal": may_reveal(request.user),
    }
    return render_masked(request, "sales/leads/detail.html", context, status=status)


@reader_required
@require_GET
def lead_detail(request: HttpRequest, lead_id: UUID) -> HttpResponse:
    return _detail(request, access_lead_by_id(request.user, lead_id))


@writer_required
@require_POST
def lead_convert(request: HttpRequest, lead_id: UUID) -> HttpResponse:
    lead = access_lead_by_id(request.user, lead_id, for_write=True)
    matches = selectors_leads.duplicates_of(request.user, lead)
    form = _convert_form(request, lead, matches, request.POST)
    if form.is_valid():
        try:
            converted = actions_leads.convert_lead(request.user, lead.pk, form.action_data())
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Lead “%(name)s” converted.") % {"name": lead.display_name})
            if converted.converted_deal_id:
                return redirect("sales:deal-detail", deal_id=converted.converted_deal_id)
            return redirect("directory:contact-detail", contact_id=converted.converted_contact_id)
    return _detail(request, lead, form, status=400)


def _lead_form(request: HttpRequest, data: Any = None, *, initial: Any = None, keep_owner: Any = None) -> LeadForm:
    return LeadForm(
        data, initial=initial, owners=directory.assignable_owners(keep=keep_owner), teams=selectors.teams(), user=request.user
    )


def _form_page(request: HttpRequest, form: LeadForm, lead: Any = None, *, status: int = 200, matches: Any = ()) -> HttpResponse:
    context = {"nav": "leads", "form": form, "lead": lead, "matches": matches}
    return render_masked(request, "sales/leads/form.html", context, status=status)


@writer_required
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, _lead_form(request, initial={"owner": request.user.pk, "status": "new"}))
    form = _lead_form(request, request.POST)
    if form.is_valid():
        data = form.secured(form.cleaned_data)
        matches = selectors_leads.duplicates(
            request.user, email=data.get("email", ""), phone=data.get("phone", ""),
            name=f"{data['given_name']} {data['family_name']}", company_name=data["company_name"],
        )  # fmt: skip
        if matches and request.POST.get("confirmed") != "yes":
            return _form_page(request, form, matches=matches)
        try:
            lead = actions_leads.create_lead(request.user, data)
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Lead “%(name)s” added.") % {"name": lead.display_name})
            return redirect("sales:lead-detail", lead_id=lead.pk)
    return _form_page(request, form, status=400)


@writer_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, lead_id: UUID) -> HttpResponse:
    lead = access_lead_by_id(request.user, lead_id, for_write=True)
    if request.method != "POST":
        return _form_page(request, _lead_form(request, initial=LeadForm.initial_for(lead), keep_owner=lead.owner_id), lead)
    form = _lead_form(request, request.POST, keep_owner=lead.owner_id)
    if form.is_valid():
        try:
            actions_leads.update_lead(request.user, lead.pk, form.secured(form.cleaned_data))
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Changes to “%(name)s” saved.") % {"name": lead.display_name})
            return redirect("sales:lead-detail", lead_id=lead.pk)
    return _form_page(request, form, lead, status=400)


@writer_required
@require_http_methods(["GET", "POST"])
def lead_delete(request: HttpRequest, lead_id: UUID) -> HttpResponse:
    lead = access_lead_by_id(request.user, lead_id, for_write=True)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions_leads.delete_lead(request.user, lead.pk)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        messages.success(request, _("Lead “%(name)s” deleted.") % {"name": lead.display_name})
        return redirect("sales:lead-list")
    return render_masked(request, "sales/leads/confirm_delete.html", {"nav": "leads", "lead": lead})


# --- the public web form -----------------------------------------------------------------------


def _embeddable(response: HttpResponse) -> HttpResponse:
    """Allow framing by the origins in BASTION_LEAD_FORM_EMBED_ORIGINS (none: not embeddable)."""
    origins = " ".join(settings.BASTION_LEAD_FORM_EMBED_ORIGINS) or "'none'"
    policy = settings.CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", f"frame-ancestors {origins}")
    response["Content-Security-Policy"] = policy
    if not settings.BASTION_LEAD_FORM_EMBED_ORIGINS:
        response["X-Frame-Options"] = "DENY"
    return response


def _throttled(request: HttpRequest) -> bool:
    """True when this address already sent as many forms as the rate allows."""
    limit, period = parse_rate(settings.BASTION_LEAD_FORM_RATE)
    return not record_hit(f"leadform:ip:{client_ip(request) or 'unknown'}", limit, period)


# CSRF protection guards what a signed-in person's browser could be tricked into doing; this form
# acts for nobody (no session, no authority), and in a third-party iframe the CSRF cookie would be
# blocked anyway. Abuse is limited by the per-address rate, the honeypot and the consent checkbox.
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def public_lead_form(request: HttpRequest) -> HttpResponse:
    form = PublicLeadForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _throttled(request):
            context = {"form": form, "throttled": True}
            return _embeddable(render(request, "sales/leads/public_form.html", context, status=429))
        if form.is_valid():
            if form.cleaned_data["website"]:  # a bot filled the honeypot: thank it and keep nothing
                return _embeddable(render(request, "sales/leads/public_form.html", {"sent": True}))
            try:
                actions_leads.capture_lead(form.action_data(), consent_text=str(CONSENT_TEXT), language=get_language() or "en")
            except ValidationError as error:
                form.add_action_errors(error)
            else:
                return _embeddable(render(request, "sales/leads/public_form.html", {"sent": True}))
        status = 400
    return _embeddable(render(request, "sales/leads/public_form.html", {"form": form}, status=status))
