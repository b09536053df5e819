"""Deal pages: the pipeline board, the list with totals, detail with stage history, create, edit, move, delete.

Views are thin (DESIGN.md): they parse the request, call a selector or an action and render.
The board's drag and drop and its stage selects post to :func:`deal_move`; an htmx request
gets the board back as a fragment (no page reload), a plain form post is redirected.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bastion.commerce.selectors import order_for_deal
from bastion.directory import selectors as directory
from bastion.directory.forms import valid_filters
from bastion.directory.names import query_key
from bastion.directory.views import (
    bad_page_request,
    forbidden,
    is_htmx,
    reader_required,
    render_list,
    sort_columns,
    writer_required,
)
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.pagination import PaginationError, parse_page_request
from bastion.sales import actions, selectors
from bastion.sales.access import access_deal_by_id, access_pipeline_by_id, can_configure_sales
from bastion.sales.forms import DealFilterForm, DealForm, MoveForm
from bastion.sales.money import base_currency

COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("amount", gettext_lazy("Amount")),
    ("close", gettext_lazy("Expected close")),
    ("updated", gettext_lazy("Updated")),
]
SORT_CHOICES = [
    ("-updated", gettext_lazy("Recently changed first")),
    ("updated", gettext_lazy("Least recently changed first")),
    ("name", gettext_lazy("Name, A to Z")),
    ("-name", gettext_lazy("Name, Z to A")),
    ("-amount", gettext_lazy("Largest amount first")),
    ("amount", gettext_lazy("Smallest amount first")),
    ("close", gettext_lazy("Closing soonest first")),
    ("-close", gettext_lazy("Closing latest first")),
    ("-created", gettext_lazy("Newest first")),
    ("created", gettext_lazy("Oldest first")),
]


def _filters(values: dict[str, Any]) -> selectors.DealFilters:
    return selectors.DealFilters(
        q=(values.get("q") or "").strip(),
        pipeline_id=values.get("pipeline"),
        owner_id=values.get("owner"),
        status=values.get("status") or "",
        closing=values.get("closing") or "",
    )


def _filter_form(request: HttpRequest, data: Any) -> DealFilterForm:
    return DealFilterForm(data, owners=directory.assignable_owners(), pipelines=selectors.pipelines(request.user))


@reader_required
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request, request.GET)
    filters = _filters(valid_filters(form))
    try:
        orderings = selectors.DEAL_ORDERINGS
        page_request = parse_page_request(request.GET, orderings=orderings, default_ordering=selectors.DEFAULT_DEAL_ORDERING)
        page = selectors.deal_page(request.user, filters, page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="deals", back=reverse("sales:deal-list"))
    context = {
        "nav": "deals",
        "form": form,
        "page": page,
        "query": filters.q,
        "filtered": selectors.has_q(filters),
        "totals": selectors.deal_totals(request.user, filters),
        "base_currency": base_currency(),
        "columns": {column["key"]: column for column in sort_columns(page.ordering, COLUMNS)},
        "sort_choices": SORT_CHOICES,
        "can_edit": can_change_customer_records(request.user),
    }
    return render_list(request, "sales/deals/list.html", "sales/deals/_results.html", context)


def _show_pipeline(form: DealFilterForm, pipeline: Any) -> None:
    """The board shows one pipeline: its filter selects that one (also when it is the default
    one, chosen without a ``pipeline`` parameter) and offers no "All pipelines"."""
    field = form.fields["pipeline"]
    field.choices = [choice for choice in field.choices if choice[0] != ""]  # type: ignore[attr-defined]
    form.data = {**dict(form.data.items()), "pipeline": str(pipeline.pk)}  # a QueryDict's items() are single values


def _board_context(request: HttpRequest, params: Any) -> dict[str, Any] | None:
    form = _filter_form(request, params)
    values = valid_filters(form)
    pipeline_id = values.get("pipeline")
    pipeline = access_pipeline_by_id(request.user, pipeline_id) if pipeline_id else selectors.default_pipeline(request.user)
    if pipeline is None:
        return None
    _show_pipeline(form, pipeline)
    filters = _filters(values)
    columns = selectors.board(request.user, pipeline, filters)
    return {
        "nav": "board",
        "form": form,
        "pipeline": pipeline,
        "columns": columns,
        "stages": [column.stage for column in columns],
        "totals": selectors.pipeline_totals(columns),
        "base_currency": base_currency(),
        "query": filters.q,
        "closing": filters.closing,
        "can_edit": can_change_customer_records(request.user),
        "board_url": request.get_full_path() if request.method == "GET" else params.get("_board_url", ""),
    }


@reader_required
@require_GET
def deal_board(request: HttpRequest) -> HttpResponse:
    context = _board_context(request, request.GET)
    if context is None:
        context = {"nav": "board", "can_configure": can_configure_sales(request.user)}
        return render(request, "sales/deals/no_pipeline.html", context)
    return render_list(request, "sales/deals/board.html", "sales/deals/_board.html", context)


@reader_required
@require_GET
def deal_detail(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    deal = access_deal_by_id(request.user, deal_id)
    context = {
        "nav": "deals",
        "deal": deal,
        "path": selectors.stage_path(request.user, deal),
        "lines": selectors.deal_lines(request.user, deal),
        "order": order_for_deal(request.user, deal.pk),
        "stages": selectors.stages_of(request.user, deal.pipeline),
        "base_currency": base_currency(),
        "can_edit": can_change_customer_records(request.user),
    }
    return render(request, "sales/deals/detail.html", context)


def _deal_form(request: HttpRequest, data: Any = None, *, initial: Any = None, keep_owner: Any = None) -> DealForm:
    return DealForm(
        data,
        initial=initial,
        stages=selectors.all_stages(request.user),
        currencies=sorted(actions.known_currencies()),
        owners=directory.assignable_owners(keep=keep_owner),
        teams=selectors.teams(),
    )


def _resolve(request: HttpRequest, form: DealForm) -> tuple[Any, Any, bool]:
    """The company and contact the form names (by hidden id when it still matches the name, else by name)."""
    data = form.cleaned_data
    company = contact = None
    ok = True
    if (data.get("company_name") or "").strip():
        matches = directory.companies_named(request.user, data["company_name"])
        chosen = [c for c in matches if c.pk == data.get("company_id")]
        company = chosen[0] if chosen else (matches[0] if len(matches) == 1 else None)
        if company is None:
            ok = False
            form.add_error(
                "company_name",
                _("No company you can see has this name.") if not matches else _("Several companies have this name."),
            )
    if (data.get("contact_name") or "").strip():
        contacts = directory.contact_queryset(request.user).filter(name_search=query_key(data["contact_name"]))
        if company is not None:
            contacts = contacts.filter(company=company)
        found = list(contacts.only("id", "given_name", "family_name", "preferred_language")[:5])
        picked = [c for c in found if c.pk == data.get("contact_id")]
        contact = picked[0] if picked else (found[0] if len(found) == 1 else None)
        if contact is None:
            ok = False
            form.add_error(
                "contact_name",
                _("No contact you can see has this name.")
                if not found
                else _("Several contacts have this name. Open the contact's page and add the deal from there."),
            )
    return company, contact, ok


def _form_page(request: HttpRequest, form: DealForm, deal: Any = None, *, status: int = 200) -> HttpResponse:
    return render(request, "sales/deals/form.html", {"nav": "deals", "form": form, "deal": deal}, status=status)


def _initial(request: HttpRequest) -> dict[str, Any]:
    """A new deal's form: the default pipeline's first stage, the base currency, the actor as owner;
    ``?company=`` or ``?contact=`` (the "Add deal" buttons of those pages) fill in the customer."""
    initial: dict[str, Any] = {"owner": request.user.pk, "currency": base_currency()}
    pipeline = selectors.default_pipeline(request.user)
    stages = selectors.stages_of(request.user, pipeline) if pipeline else []
    if stages:
        initial["stage"] = str(stages[0].pk)
    contact = directory.contact_queryset(request.user).filter(pk=_uuid(request.GET.get("contact"))).select_related("company")
    company = directory.company_queryset(request.user).filter(pk=_uuid(request.GET.get("company")))
    found_contact = contact.first() if request.GET.get("contact") else None
    found_company = company.first() if request.GET.get("company") else (found_contact.company if found_contact else None)
    if found_contact is not None:
        initial.update(contact_name=found_contact.display_name, contact_id=found_contact.pk)
    if found_company is not None:
        initial.update(company_name=found_company.name, company_id=found_company.pk)
    return initial


def _uuid(value: Any) -> Any:
    from bastion.directory.access import parse_uuid

    return parse_uuid(value)


@writer_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, _deal_form(request, initial=_initial(request)))
    form = _deal_form(request, request.POST)
    if form.is_valid():
        company, contact, ok = _resolve(request, form)
        if ok:
            try:
                deal = actions.create_deal(request.user, form.action_data(company, contact))
            except ValidationError as error:
                form.add_action_errors(error)
            except PermissionDenied as error:
                return forbidden(request, str(error))
            else:
                messages.success(request, _("Deal “%(name)s” added.") % {"name": deal.name})
                return redirect("sales:deal-detail", deal_id=deal.pk)
    return _form_page(request, form, status=400)


@writer_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    deal = access_deal_by_id(request.user, deal_id, for_write=True)
    if request.method != "POST":
        form = _deal_form(request, initial=DealForm.initial_for(deal), keep_owner=deal.owner_id)
        return _form_page(request, form, deal)
    form = _deal_form(request, request.POST, keep_owner=deal.owner_id)
    if form.is_valid():
        company, contact, ok = _resolve(request, form)
        if ok:
            try:
                actions.update_deal(request.user, deal.pk, form.action_data(company, contact))
            except ValidationError as error:
                form.add_action_errors(error)
            except PermissionDenied as error:
                return forbidden(request, str(error))
            else:
                messages.success(request, _("Changes to “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
                return redirect("sales:deal-detail", deal_id=deal.pk)
    return _form_page(request, form, deal, status=400)


@writer_required
@require_http_methods(["GET", "POST"])
def deal_delete(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    """GET (or POST without ``confirmed``) asks; POST with ``confirmed`` deletes."""
    deal = access_deal_by_id(request.user, deal_id, for_write=True)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions.delete_deal(request.user, deal.pk)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        messages.success(request, _("Deal “%(name)s” deleted.") % {"name": deal.name})
        return redirect("sales:deal-list")
    return render(request, "sales/deals/confirm_delete.html", {"nav": "deals", "deal": deal})


def _board_params(request: HttpRequest) -> dict[str, str]:
    """The board's filters, read from the page the htmx request came from (``HX-Current-URL``)."""
    url = request.headers.get("HX-Current-URL", "")
    query = parse_qs(urlsplit(url).query)
    return {key: values[-1] for key, values in query.items() if key in {"pipeline", "q", "owner"}}


@writer_required
@require_POST
def deal_move(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    """Move a deal to another stage: the board (drag and drop or the card's select) and the deal page."""
    deal = access_deal_by_id(request.user, deal_id, for_write=True)
    form = MoveForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            deal = actions.move_deal(
                request.user, deal.pk, form.cleaned_data["stage"], lost_reason=form.cleaned_data["lost_reason"] or None
            )
        except ValidationError as exc:
            error = " ".join(message for messages_ in exc.message_dict.values() for message in messages_)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
    else:
        error = _("Choose the stage to move the deal to.")
    if is_htmx(request):
        params = {**_board_params(request), "pipeline": str(deal.pipeline_id)}
        context = _board_context(request, params) or {}
        context.update(moved=str(deal.pk), error=error)
        return render(request, "sales/deals/_board.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("“%(name)s” moved to %(stage)s.") % {"name": deal.name, "stage": deal.stage.name})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("sales:deal-detail", args=[deal.pk])
    return redirect(target)
